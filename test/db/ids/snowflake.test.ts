import {
  MAX_NODE_ID,
  parseSnowflake,
  SNOWFLAKE_EPOCH_MS,
  SnowflakeGenerator,
} from '../../../db/ids/snowflake';

describe('snowflake ids', () => {
  const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);

  it('encode the millisecond, the node and a sequence that parse back out', () => {
    const ids = new SnowflakeGenerator({ nodeId: 7, now: () => new Date(t0) });
    expect(parseSnowflake(ids.next())).toEqual({ timestampMs: t0, nodeId: 7, sequence: 0 });
    expect(parseSnowflake(ids.next())).toEqual({ timestampMs: t0, nodeId: 7, sequence: 1 });
  });

  it('are unique and strictly increasing, also past 4096 ids in one millisecond', () => {
    let now = t0;
    const waits: number[] = [];
    const ids = new SnowflakeGenerator({
      nodeId: 1,
      now: () => new Date(now),
      waitMs: (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const out = Array.from({ length: 10_000 }, () => BigInt(ids.next()));
    expect(new Set(out).size).toBe(out.length);
    for (let i = 1; i < out.length; i++) expect(out[i]! > out[i - 1]!).toBe(true);
    expect(waits.length).toBe(2); // 10 000 ids need three milliseconds of 4096
  });

  it('never go back in time when the clock steps backwards', () => {
    let now = t0;
    const ids = new SnowflakeGenerator({
      nodeId: 2,
      now: () => new Date(now),
      waitMs: (ms) => void (now += ms),
    });
    const before = BigInt(ids.next());
    now = t0 - 5;
    const after = BigInt(ids.next());
    expect(after > before).toBe(true);
    expect(parseSnowflake(after.toString()).timestampMs).toBeGreaterThanOrEqual(t0);
  });

  it('start after notBeforeMs: a node taken over mints no timestamp its previous holder could have', () => {
    let now = t0;
    const waits: number[] = [];
    const ids = new SnowflakeGenerator({
      nodeId: 3,
      now: () => new Date(now),
      notBeforeMs: t0,
      waitMs: (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    expect(parseSnowflake(ids.next())).toEqual({ timestampMs: t0 + 1, nodeId: 3, sequence: 0 });
    expect(waits).toEqual([1]);
    expect(ids.lastTimestampMs).toBe(t0 + 1);
  });

  it("fit the seeds' VARCHAR(36) id columns as decimal strings", () => {
    const id = new SnowflakeGenerator({ nodeId: MAX_NODE_ID }).next();
    expect(id).toMatch(/^\d{1,20}$/);
    expect(id.length).toBeLessThanOrEqual(36);
  });

  it('differ between nodes in the same millisecond', () => {
    const a = new SnowflakeGenerator({ nodeId: 1, now: () => new Date(t0) }).next();
    const b = new SnowflakeGenerator({ nodeId: 2, now: () => new Date(t0) }).next();
    expect(a).not.toBe(b);
  });

  it('reject a node id outside 0..1023, a clock before the epoch and a malformed id', () => {
    expect(() => new SnowflakeGenerator({ nodeId: 1024 })).toThrow(RangeError);
    expect(() => new SnowflakeGenerator({ nodeId: -1 })).toThrow(RangeError);
    expect(() =>
      new SnowflakeGenerator({ nodeId: 0, now: () => new Date(SNOWFLAKE_EPOCH_MS - 1) }).next(),
    ).toThrow(RangeError);
    expect(() => parseSnowflake('12ab')).toThrow(RangeError);
  });
});
