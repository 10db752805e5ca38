/**
 * Snowflake ids for the seeds' `id VARCHAR(36) COMMENT '雪花UUID'` columns: 64-bit, time-ordered (so
 * primary-key inserts append to the InnoDB B-tree), written as decimal strings (JavaScript numbers lose
 * precision beyond 2^53).
 *
 * Layout (Twitter's): 1 unused sign bit | 41 bits milliseconds since EPOCH_MS | 10 bits node | 12 bits sequence.
 * 41 bits of milliseconds last 69 years from the epoch; 4096 ids per millisecond per node.
 */

/** 2024-01-01T00:00:00Z. Never change it: ids would stop being ordered and could collide. */
export const SNOWFLAKE_EPOCH_MS = 1_704_067_200_000;
const NODE_BITS = 10n;
const SEQUENCE_BITS = 12n;
export const MAX_NODE_ID = (1 << Number(NODE_BITS)) - 1;
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n;
const MAX_TIMESTAMP = (1n << 41n) - 1n;

/** What mints ids: a generator of one node, or a process's leased one (services/ids/node-id-leases.ts). */
export interface IdSource {
  next(): string;
  /** False while next() would refuse (a leased node id whose lease lapsed); absent: never refuses. */
  mintable?(): boolean;
}

export interface SnowflakeOptions {
  /** 0..1023, unique among the processes that write ids at the same time. */
  nodeId: number;
  now?: () => Date;
  /**
   * Every id's timestamp is after this one (ms): the newest timestamp the node's previous holder could have
   * minted, so a node id taken over from another host never repeats its ids.
   */
  notBeforeMs?: number;
  /** Called when the clock stands still past 4096 ids or runs backwards; tests replace it. */
  waitMs?: (ms: number) => void;
}

export interface SnowflakeParts {
  timestampMs: number;
  nodeId: number;
  sequence: number;
}

function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* a sub-millisecond wait: not worth yielding the event loop */
  }
}

export class SnowflakeGenerator implements IdSource {
  private readonly nodeId: bigint;
  private readonly now: () => Date;
  private readonly waitMs: (ms: number) => void;
  private lastMs = -1;
  private sequence = 0n;

  constructor(options: SnowflakeOptions) {
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0 || options.nodeId > MAX_NODE_ID) {
      throw new RangeError(`snowflake nodeId must be an integer in 0..${MAX_NODE_ID}, got ${options.nodeId}`);
    }
    this.nodeId = BigInt(options.nodeId);
    this.now = options.now ?? (() => new Date());
    this.waitMs = options.waitMs ?? busyWait;
    if (options.notBeforeMs !== undefined) {
      // As if the last id had used the floor's millisecond up: the next one is in a later millisecond.
      this.lastMs = options.notBeforeMs;
      this.sequence = MAX_SEQUENCE;
    }
  }

  /** The newest timestamp an id of this generator has (or the floor it started from); -1 before any. */
  get lastTimestampMs(): number {
    return this.lastMs;
  }

  next(): string {
    let ms = this.now().getTime();
    if (ms < this.lastMs) {
      // A clock stepped back (NTP): never reuse a past timestamp, wait until we are past the last one.
      this.waitMs(this.lastMs - ms);
      ms = Math.max(this.now().getTime(), this.lastMs);
    }
    if (ms === this.lastMs) {
      this.sequence = (this.sequence + 1n) & MAX_SEQUENCE;
      if (this.sequence === 0n) {
        // 4096 ids within one millisecond: the next id must wait for the next millisecond.
        while (ms <= this.lastMs) {
          this.waitMs(1);
          ms = this.now().getTime();
        }
      }
    } else {
      this.sequence = 0n;
    }
    this.lastMs = ms;
    const elapsed = BigInt(ms - SNOWFLAKE_EPOCH_MS);
    if (elapsed < 0n || elapsed > MAX_TIMESTAMP)
      throw new RangeError(`clock ${ms} is outside the snowflake epoch range`);
    return (
      (elapsed << (NODE_BITS + SEQUENCE_BITS)) |
      (this.nodeId << SEQUENCE_BITS) |
      this.sequence
    ).toString();
  }
}

export function parseSnowflake(id: string): SnowflakeParts {
  if (!/^\d{1,20}$/.test(id)) throw new RangeError(`not a snowflake id: ${id}`);
  const value = BigInt(id);
  return {
    timestampMs: Number(value >> (NODE_BITS + SEQUENCE_BITS)) + SNOWFLAKE_EPOCH_MS,
    nodeId: Number((value >> SEQUENCE_BITS) & BigInt(MAX_NODE_ID)),
    sequence: Number(value & MAX_SEQUENCE),
  };
}
