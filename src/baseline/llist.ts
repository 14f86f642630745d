// Lock-less singly linked list (include/linux/llist.h, K§5), single-threaded model. Nodes are
// threaded through their own embedded `next` field, as `struct llist_node` is embedded in the
// object: the list never allocates. Newest node at the head.
//
// Contexts: llist_add and llist_del_all may be called from any context, NMI included (the kernel
// uses cmpxchg/xchg; the model runs one command at a time, so plain assignments are exact).

export interface LlistNode<T> {
  next: T | null;
}

export class Llist<T extends LlistNode<T>> {
  first: T | null = null;

  /** llist_add(): returns true iff the list was empty (the caller's cue to raise work). */
  add(node: T): boolean {
    const wasEmpty = this.first === null;
    node.next = this.first;
    this.first = node;
    return wasEmpty;
  }

  /** llist_del_all(): detaches the whole chain and returns it as an array, newest first. */
  delAll(): T[] {
    const nodes: T[] = [];
    for (let n = this.first; n !== null; n = n.next) nodes.push(n);
    this.first = null;
    return nodes;
  }

  empty(): boolean {
    return this.first === null;
  }
}
