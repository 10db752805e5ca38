/**
 * The faults of bench/pool-fault-storm.ts, apart so that a test can hold them against the simulator's own
 * validation (test/bench/storm-faults.test.ts): the default simulator answers as the real proxy does and refuses
 * a fork-only fault at injection, which is how the storm's former HTTP 429 broke.
 */
import { ENDPOINTS } from '../dev/jimeng-sim/endpoints';
import type { FaultSpec } from '../dev/jimeng-sim/faults';
import { UPSTREAM_ERRMSG, upstreamRet } from '../dev/jimeng-sim/proxy-text';

/**
 * `proxy`: the simulator's default, iptag/jimeng-api v1.9.6's answers. `fork`: forkExtensions, the storm of the
 * figures recorded before the simulator followed the proxy (HTTP 429 + Retry-After, a ban text).
 */
export type StormMode = 'proxy' | 'fork';

/** How long an account keeps refusing after a risk-control (or 429) answer; the pool's cooldown is the same. */
export const STORM_COOLDOWN_MS = 2000;

/**
 * The storm, global and seeded, in the order the simulator rolls them for a generation call (the first that
 * fires answers).
 *
 * proxy: 30% risk control (-2001 `[请求失败]: shark not pass (错误码: 1019)`, no Retry-After; the simulator counts a
 * call to the account within STORM_COOLDOWN_MS as a call after refusal); 5% of the rest a ban, which the proxy
 * answers as a dead login (-2002 `[登录失效]: login error…` on that call, the session dead afterwards: -1000
 * `Cannot read properties of undefined (reading 'gift_credit')`); 5% of the rest the proxy's own upstream call
 * timing out after its retries (-1000 `timeout of 45000ms exceeded`, after 4 timeouts and 3 pauses: not the
 * account's fault, another account may work).
 *
 * fork: 30% HTTP 429 with Retry-After 2 s (rolled on arrival, so before the ban), 5% the fork's ban text
 * (-2001 `[请求失败]: 账号已封禁 (account banned)`), the session banned afterwards.
 */
export function stormFaults(mode: StormMode): FaultSpec[] {
  if (mode === 'fork') {
    return [
      { kind: 'banned', rate: 0.05 },
      { kind: 'http_429', rate: 0.3, retryAfterMs: STORM_COOLDOWN_MS },
    ];
  }
  return [
    { kind: 'risk_control', rate: 0.3, ret: '1019', cooldownMs: STORM_COOLDOWN_MS },
    { kind: 'banned', rate: 0.05 },
    { kind: 'upstream_transport', rate: 0.05, error: 'timeout' },
  ];
}

/**
 * The answer of an account still inside its refusal window, for its next generation call only. proxy: the same
 * risk-control envelope, rolled on arrival (an `error_code` fault: arrival faults come before every upstream
 * fault, so no other dice decide this call and none is left waiting for a later one); fork: a 429 as before.
 */
export function stillRefusingFault(mode: StormMode, sessionId: string): FaultSpec {
  const endpoint = ENDPOINTS.imageGenerations;
  if (mode === 'fork')
    return { kind: 'http_429', sessionId, endpoint, count: 1, retryAfterMs: STORM_COOLDOWN_MS };
  const { code, message } = upstreamRet('1019', UPSTREAM_ERRMSG['1019']);
  return { kind: 'error_code', sessionId, endpoint, count: 1, code, message };
}
