import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { QueryTypes, type Sequelize } from 'sequelize';
import { SnowflakeGenerator, type IdSource } from '../../db/ids/snowflake';

/**
 * A process's snowflake node id, leased from node_id_leases (migration 0013 says why and what each column
 * means): no two processes mint with the same node id at the same time, and a node id taken over from another
 * process never repeats an id that one minted. Nobody configures node ids by hand.
 *
 * The rules that make it safe:
 * - The lease's expiry is the database's clock (NOW(3) + ttl). The holder counts its own lease on its
 *   monotonic clock from before it asked (acquisition or renewal), less a margin, and mints nothing after that:
 *   it has stopped before anyone can see the row expired, however far the hosts' wall clocks are apart.
 * - The holder writes in the row the newest timestamp it may mint (its wall clock + ttl, never less than
 *   before) and refuses to mint beyond it (a wall clock stepped forward). Whoever takes the row next mints
 *   only timestamps after that value; rows it would have to wait long for are passed over for others.
 * - Taking a row is a compare-and-set on its version, so two processes racing for it cannot both win.
 * Ids that cannot be minted under these rules throw NodeIdUnavailableError (the API answers 503).
 */

/** Ids cannot be minted now: no node id leased yet, or its lease could not be renewed in time. */
export class NodeIdUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeIdUnavailableError';
  }
}

/** The node id asked for by hand (API_NODE_ID) is held by another live process: two are configured alike. */
export class NodeIdTakenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeIdTakenError';
  }
}

export interface NodeIdLeaseClock {
  /** Wall clock (ms since 1970): the snowflakes' timestamps. */
  wallMs(): number;
  /** Monotonic clock (ms): how long the lease has held. */
  monotonicMs(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: NodeIdLeaseClock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The subset of a pino logger the lease reports through. */
export interface NodeIdLeaseLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface NodeIdLeaseOptions {
  sequelize: Sequelize;
  /** What kind of process holds it (api, seed-dev, submit), for whoever reads the table. */
  role: string;
  /** API_NODE_ID: lease exactly this node id (refused while another process holds it); default any free one. */
  nodeId?: number;
  /** How long a lease holds without renewal; 30 s unless given. */
  ttlMs?: number;
  /** How often start() renews; ttl / 3 unless given, so two renewals may fail before minting stops. */
  heartbeatMs?: number;
  /** Minting stops this long before the lease could expire; ttl / 6 unless given. */
  marginMs?: number;
  clock?: NodeIdLeaseClock;
  logger?: NodeIdLeaseLogger;
  /** start() found the node id asked for held by another process; default: logged as an error. */
  onTaken?: (err: NodeIdTakenError) => void;
  host?: string;
  pid?: number;
}

export const DEFAULT_NODE_ID_LEASE_TTL_MS = 30_000;
/** Rows taken over per acquisition query: the next ones if others won the first. */
const CANDIDATES = 8;
const ACQUIRE_ROUNDS = 5;

interface Held {
  nodeId: number;
  token: string;
  generator: SnowflakeGenerator;
  /** Every id minted is after this wall-clock ms: the previous holder's promise. */
  floorMs: number;
  /** Our promise in the row: no id at or beyond this wall-clock ms. */
  mintUntilMs: number;
  /** Monotonic ms after which the lease may have expired: nothing is minted then. */
  validUntilMonotonic: number;
}

interface LeaseRow {
  node_id: number;
  version: number;
  /** BIGINT: a string (bigNumberStrings). */
  mint_until_ms: string | number | null;
}

interface HolderRow extends LeaseRow {
  free: number;
  role: string | null;
  host: string | null;
  pid: number | null;
  expires_at: Date | null;
}

export class NodeIdLease implements IdSource {
  private readonly sequelize: Sequelize;
  private readonly clock: NodeIdLeaseClock;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private readonly marginMs: number;
  private held: Held | null = null;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lapseLogged = false;

  constructor(private readonly options: NodeIdLeaseOptions) {
    this.sequelize = options.sequelize;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.ttlMs = options.ttlMs ?? DEFAULT_NODE_ID_LEASE_TTL_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.floor(this.ttlMs / 3);
    this.marginMs = options.marginMs ?? Math.floor(this.ttlMs / 6);
    if (!(this.heartbeatMs > 0 && this.heartbeatMs < this.ttlMs - this.marginMs))
      throw new RangeError('the heartbeat must come well within the lease: heartbeatMs < ttlMs - marginMs');
  }

  /** The node id leased (minting or not), or null. */
  get nodeId(): number | null {
    return this.held?.nodeId ?? null;
  }

  /** Whether next() mints now. */
  mintable(): boolean {
    return this.refusal() === null;
  }

  next(): string {
    const refusal = this.refusal();
    if (refusal !== null) {
      if (!this.lapseLogged && this.held)
        this.options.logger?.error({ nodeId: this.held.nodeId, reason: refusal }, 'node id minting stopped');
      this.lapseLogged = this.held !== null;
      throw new NodeIdUnavailableError(refusal);
    }
    this.lapseLogged = false;
    return this.held!.generator.next();
  }

  /**
   * Leases a node id and resolves once ids can be minted with it (after the previous holder's last timestamp).
   * For short-lived processes (the scripts); the API uses start().
   */
  async acquire(): Promise<number> {
    const held = await this.take();
    const wait = held.floorMs - this.clock.wallMs() + 1;
    if (wait > 0) await this.clock.sleep(wait);
    return held.nodeId;
  }

  /**
   * Keeps a lease in the background: acquires one (again and again until it can), renews it every
   * heartbeatMs, and acquires another if it was lost. Ids answer NodeIdUnavailableError meanwhile.
   */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    const tick = async (): Promise<void> => {
      try {
        await this.keep();
      } catch (err) {
        if (err instanceof NodeIdTakenError && this.options.onTaken) this.options.onTaken(err);
        else this.options.logger?.warn({ err }, 'could not lease or renew a snowflake node id');
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => (this.loop = tick()), this.heartbeatMs);
        this.timer.unref();
      }
    };
    this.loop = tick();
  }

  /** Renews the lease now; false when there is none or another process has taken it (minting stops). */
  async renew(): Promise<boolean> {
    const held = this.held;
    if (!held) return false;
    const sentAt = this.clock.monotonicMs();
    const promised = Math.max(held.mintUntilMs, this.clock.wallMs() + this.ttlMs);
    const [, affected] = await this.sequelize.query(
      `UPDATE node_id_leases
          SET heartbeat_at = NOW(3), expires_at = DATE_ADD(NOW(3), INTERVAL ? MICROSECOND),
              mint_until_ms = GREATEST(COALESCE(mint_until_ms, 0), ?), version = version + 1
        WHERE node_id = ? AND holder = ?`,
      { replacements: [this.ttlMs * 1000, promised, held.nodeId, held.token], type: QueryTypes.UPDATE },
    );
    if (this.held !== held) return false;
    if (affected !== 1) {
      this.held = null;
      this.options.logger?.warn({ nodeId: held.nodeId }, 'snowflake node id lease lost to another process');
      return false;
    }
    held.mintUntilMs = promised;
    held.validUntilMonotonic = sentAt + this.ttlMs - this.marginMs;
    return true;
  }

  /** Stops renewing and frees the node id at once, writing the newest timestamp minted for the next holder. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    this.loop = null;
    const held = this.held;
    this.held = null;
    if (!held) return;
    // Nothing is minted from here on: the next holder need only wait past what was, not past the promise.
    const newest = Math.max(held.generator.lastTimestampMs, held.floorMs);
    await this.sequelize.query(
      `UPDATE node_id_leases SET holder = NULL, expires_at = NOW(3), mint_until_ms = ?, version = version + 1
        WHERE node_id = ? AND holder = ?`,
      { replacements: [newest, held.nodeId, held.token], type: QueryTypes.UPDATE },
    );
  }

  private async keep(): Promise<void> {
    if (this.held && (await this.renew())) return;
    if (this.stopped) return;
    const held = await this.take();
    this.options.logger?.info(
      { nodeId: held.nodeId, waitMs: Math.max(0, held.floorMs - this.clock.wallMs()) },
      'snowflake node id leased',
    );
  }

  private refusal(): string | null {
    const held = this.held;
    if (!held) return 'no snowflake node id is leased yet';
    if (this.clock.monotonicMs() >= held.validUntilMonotonic)
      return `the lease of snowflake node id ${held.nodeId} could not be renewed in time`;
    const wall = this.clock.wallMs();
    if (wall <= held.floorMs)
      return `the clock is not yet past the previous holder's ids of snowflake node id ${held.nodeId}`;
    if (wall >= held.mintUntilMs - this.marginMs)
      return `the clock ran ahead of the lease of snowflake node id ${held.nodeId}`;
    return null;
  }

  private async take(): Promise<Held> {
    for (let round = 0; round < ACQUIRE_ROUNDS; round++) {
      const candidates =
        this.options.nodeId !== undefined
          ? await this.requestedRow(this.options.nodeId)
          : await this.freeRows();
      if (candidates.length === 0)
        throw new NodeIdUnavailableError('every snowflake node id (0-1023) is leased by a live process');
      for (const row of candidates) {
        const held = await this.cas(row);
        if (held) {
          this.held = held;
          this.lapseLogged = false;
          return held;
        }
      }
    }
    throw new NodeIdUnavailableError('other processes took every free snowflake node id first; retrying');
  }

  /**
   * Free or expired rows, best first: those whose previous holder's timestamps our clock has passed, then
   * the lowest node id. A row whose previous holder's clock is more than a heartbeat ahead of ours is not
   * taken at all: we would wait that long to mint.
   */
  private async freeRows(): Promise<LeaseRow[]> {
    const wall = this.clock.wallMs();
    return this.sequelize.query<LeaseRow>(
      `SELECT node_id, version, mint_until_ms FROM node_id_leases
        WHERE (holder IS NULL OR expires_at <= NOW(3)) AND (mint_until_ms IS NULL OR mint_until_ms <= ?)
        ORDER BY (mint_until_ms IS NULL OR mint_until_ms < ?) DESC, node_id
        LIMIT ${CANDIDATES}`,
      { replacements: [wall + this.heartbeatMs, wall], type: QueryTypes.SELECT },
    );
  }

  private async requestedRow(nodeId: number): Promise<LeaseRow[]> {
    const [row] = await this.sequelize.query<HolderRow>(
      `SELECT node_id, version, mint_until_ms, role, host, pid, expires_at,
              (holder IS NULL OR expires_at <= NOW(3)) AS free
         FROM node_id_leases WHERE node_id = ?`,
      { replacements: [nodeId], type: QueryTypes.SELECT },
    );
    if (!row) throw new NodeIdTakenError(`snowflake node id ${nodeId} does not exist (0-1023)`);
    if (Number(row.free) !== 1)
      throw new NodeIdTakenError(
        `snowflake node id ${nodeId} is held by ${row.role ?? 'a process'} pid ${row.pid ?? '?'} on ` +
          `${row.host ?? '?'} until ${row.expires_at?.toISOString() ?? '?'}: give each process its own ` +
          'API_NODE_ID, or leave it empty to lease a free one',
      );
    return [row];
  }

  /** Takes the row if nobody changed it since it was read; null if somebody did. */
  private async cas(row: LeaseRow): Promise<Held | null> {
    const token = randomUUID();
    const sentAt = this.clock.monotonicMs();
    const floorMs = Number(row.mint_until_ms ?? 0);
    // Ids come after the floor, for as long as the lease lasts.
    const promised = Math.max(floorMs, this.clock.wallMs()) + this.ttlMs;
    const [, affected] = await this.sequelize.query(
      `UPDATE node_id_leases
          SET holder = ?, role = ?, host = ?, pid = ?, leased_at = NOW(3), heartbeat_at = NOW(3),
              expires_at = DATE_ADD(NOW(3), INTERVAL ? MICROSECOND),
              mint_until_ms = GREATEST(COALESCE(mint_until_ms, 0), ?), version = version + 1
        WHERE node_id = ? AND version = ? AND (holder IS NULL OR expires_at <= NOW(3))`,
      {
        replacements: [
          token,
          this.options.role.slice(0, 32),
          (this.options.host ?? hostname()).slice(0, 255),
          this.options.pid ?? process.pid,
          this.ttlMs * 1000,
          promised,
          row.node_id,
          row.version,
        ],
        type: QueryTypes.UPDATE,
      },
    );
    if (affected !== 1) return null;
    return {
      nodeId: Number(row.node_id),
      token,
      generator: new SnowflakeGenerator({
        nodeId: Number(row.node_id),
        now: () => new Date(this.clock.wallMs()),
        notBeforeMs: floorMs,
      }),
      floorMs,
      mintUntilMs: promised,
      validUntilMonotonic: sentAt + this.ttlMs - this.marginMs,
    };
  }
}

/** Leases a node id for a short-lived process, mints with it, and frees it whatever happens. */
export async function withLeasedIds<T>(
  options: NodeIdLeaseOptions,
  use: (ids: IdSource) => Promise<T>,
): Promise<T> {
  const lease = new NodeIdLease(options);
  await lease.acquire();
  try {
    return await use(lease);
  } finally {
    await lease.release();
  }
}
