/** Intervals [start, end) walked with times that only grow: how many cover the time. */
export class IntervalCoverage {
  private readonly starts: number[];
  private readonly ends: number[];
  private i = 0;
  private j = 0;

  constructor(intervals: readonly { start: number; end: number }[]) {
    const valid = intervals.filter((x) => x.end > x.start);
    this.starts = valid.map((x) => x.start).sort((a, b) => a - b);
    this.ends = valid.map((x) => x.end).sort((a, b) => a - b);
  }

  /** Intervals covering `t`; `t` must not be earlier than the last time asked. */
  at(t: number): number {
    while (this.i < this.starts.length && this.starts[this.i]! <= t) this.i++;
    while (this.j < this.ends.length && this.ends[this.j]! <= t) this.j++;
    return this.i - this.j;
  }
}
