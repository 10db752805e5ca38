import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKOFF_CAP_SECONDS, backoffDelayMs, backoffSchedule } from '../../workflows/backoff';

describe('backoff schedule', () => {
  it('waits 3, 5, 10 and 15 s for the default four retries (seed 002)', () => {
    expect(backoffSchedule(4)).toEqual([3000, 5000, 10_000, 15_000]);
  });

  it('continues 30 s, 1 min, 2 min, 5 min, 10 min, 15 min for larger max_retry_count', () => {
    expect(backoffSchedule(10).slice(4)).toEqual([30_000, 60_000, 120_000, 300_000, 600_000, 900_000]);
  });

  it('never waits longer than the 15 minute cap, however many retries', () => {
    expect(backoffDelayMs(11)).toBe(BACKOFF_CAP_SECONDS * 1000);
    expect(backoffDelayMs(1000)).toBe(900_000);
    expect(Math.max(...backoffSchedule(50))).toBe(900_000);
  });

  it('never shortens: each wait is at least the previous one', () => {
    const waits = backoffSchedule(30);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]!);
  });

  it('gives no waits for zero retries and refuses retry numbers below 1', () => {
    expect(backoffSchedule(0)).toEqual([]);
    expect(() => backoffDelayMs(0)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5)).toThrow(RangeError);
  });
});

describe('README', () => {
  it('prints the same backoff table as workflows/backoff.ts', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const row = /^\| wait \| (.+) \|$/m.exec(readme)![1]!.split(' | ');
    const seconds = (cell: string) => {
      const m = /^(\d+) (s|min)/.exec(cell)!;
      return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
    };
    expect(row.map(seconds)).toEqual([...backoffSchedule(10), backoffDelayMs(11)].map((ms) => ms / 1000));
  });
});
