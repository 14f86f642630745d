// The "objects waiting over time" plot: uPlot over the jiffies stepped so far (objects waiting for a
// grace period, objects on the nolock llists, and completed grace periods on a second axis).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export class WaitingChart {
  private readonly data: [number[], number[], number[], number[]] = [[], [], [], []];
  private readonly plot: uPlot;

  constructor(el: HTMLElement) {
    this.plot = new uPlot({
      width: Math.max(320, el.clientWidth || 900),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'jiffies' }, { label: 'objects' }, { side: 1, scale: 'gp', label: 'grace periods', grid: { show: false } }],
      series: [
        {},
        { label: 'waiting for a GP', stroke: '#c0392b', width: 2 },
        { label: 'on nolock llists', stroke: '#8e44ad', width: 2 },
        { label: 'grace periods', stroke: '#2980b9', scale: 'gp', width: 1 },
      ],
    }, this.data, el);
  }

  push(jiffies: number, waiting: number, llist: number, gps: number): void {
    const [x, a, b, c] = this.data;
    if (x.length > 0 && x[x.length - 1] === jiffies) { // a command between steps: replace the point
      a[a.length - 1] = waiting;
      b[b.length - 1] = llist;
      c[c.length - 1] = gps;
    } else {
      x.push(jiffies);
      a.push(waiting);
      b.push(llist);
      c.push(gps);
    }
    this.plot.setData(this.data);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
