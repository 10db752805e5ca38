/**
 * Failures injected on purpose so retry and cleanup paths can be tested against the real client:
 * - `error500`: answer 500 InternalError (an OSS-side failure a client may retry);
 * - `reset`: destroy the connection before answering (network failure, ali-oss status -1);
 * - `reset-mid-body`: send the headers and half of a GET body, then destroy the connection (a download
 *   that breaks off); on other requests it behaves as `reset`;
 * - `slow`: wait `delayMs` before handling the request normally (timeouts).
 */
export type FaultKind = 'error500' | 'reset' | 'reset-mid-body' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = ['error500', 'reset', 'reset-mid-body', 'slow'];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** How many matching requests fail; default 1. */
  readonly count?: number;
  /** For `slow`; default 2000. */
  readonly delayMs?: number;
  /** Only requests with this HTTP method (GET, PUT...). */
  readonly method?: string;
  /** Only requests whose object key starts with this. */
  readonly keyPrefix?: string;
}

export interface PendingFault {
  readonly kind: FaultKind;
  readonly remaining: number;
  readonly delayMs: number;
  readonly method: string | null;
  readonly keyPrefix: string | null;
}

interface MutableFault {
  kind: FaultKind;
  remaining: number;
  delayMs: number;
  method: string | null;
  keyPrefix: string | null;
}

export class FaultQueue {
  private faults: MutableFault[] = [];

  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}`);
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error('fault count must be a positive integer');
    this.faults.push({
      kind: spec.kind,
      remaining: count,
      delayMs: spec.delayMs ?? 2000,
      method: spec.method?.toUpperCase() ?? null,
      keyPrefix: spec.keyPrefix ?? null,
    });
  }

  /** The fault the request must suffer, consuming one use of it; faults apply in the order they were added. */
  take(method: string, key: string): PendingFault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.method === null || f.method === method) && (f.keyPrefix === null || key.startsWith(f.keyPrefix)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  pending(): PendingFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}
