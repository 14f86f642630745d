// The machine's one PRNG (docs/model.md §1): splitmix32 seeding, xoshiro128** draws, 32-bit
// integer arithmetic only so the TS baseline draws identical numbers.
// Kernel counterpart: none (the kernel's prandom is not modelled); fault injection draws here.
// Drawn only by the random() command and by alloc_page() when pageFailRate > 0.

let s0: u32 = 1;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;

@inline function splitmix32(x: u32): u32 {
  let z = x;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

export function prng_seed(seed: u32): void {
  let x = seed;
  x += 0x9e3779b9; s0 = splitmix32(x);
  x += 0x9e3779b9; s1 = splitmix32(x);
  x += 0x9e3779b9; s2 = splitmix32(x);
  x += 0x9e3779b9; s3 = splitmix32(x);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}

export function prng_next(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}
