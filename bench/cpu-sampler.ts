/**
 * CPU time of the dev stack's servers and of this process, from /proc (Linux), sampled at two instants: where the
 * CPU seconds of a benchmark window went. Components: the Temporal dev server process, MariaDB, this process split
 * by thread (main thread; the Temporal Core SDK's Rust threads; the other threads: the workflow VM thread, V8's
 * GC/compiler helpers, libuv's pool), and whatever else the machine ran meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux the stack runs on (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;
/** Thread names (comm) of the Temporal Core SDK's native threads in a worker process. */
const TEMPORAL_CORE_THREAD = /^(tokio-|temporal-|workflow-proces)/;

export interface StackPids {
  temporal: number | null;
  mariadb: number | null;
}

export interface CpuSample {
  atMs: number;
  /** Ticks summed over all cores: busy (user, nice, system, irq, softirq, steal) and idle (idle, iowait). */
  machineBusy: number;
  machineIdle: number;
  temporal: number | null;
  mariadb: number | null;
  /** This process, microseconds (all threads). */
  self: NodeJS.CpuUsage;
  /** Ticks of this process's main thread and of its Temporal Core threads. */
  mainThread: number;
  temporalCore: number;
}

export interface CpuRow {
  component: string;
  seconds: number;
}

export interface CpuBreakdown {
  wallSeconds: number;
  cores: number;
  /** Busy CPU seconds per component; they add up to the machine's busy time. */
  rows: CpuRow[];
  busySeconds: number;
  idleSeconds: number;
}

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** utime + stime of a /proc/.../stat line, in ticks (the comm field may hold spaces and parentheses). */
function statTicks(path: string): number | null {
  const text = readText(path);
  if (text === null) return null;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

const commandOf = (pid: number): string => (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');

function pidFrom(pidfile: string, expect: RegExp): number | null {
  const pid = Number((readText(pidfile) ?? '').trim());
  return Number.isInteger(pid) && pid > 0 && expect.test(commandOf(pid)) ? pid : null;
}

function pgrep(args: string[]): number | null {
  try {
    const first = execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n')[0]!.trim();
    return first === '' ? null : Number(first);
  } catch {
    return null;
  }
}

/** The dev stack's servers: pidfiles under <data dir>/run first (scripts/lib/common.sh), then pgrep. */
export function findStackPids(dataDir: string): StackPids {
  const run = join(dataDir, 'run');
  return {
    temporal: pidFrom(join(run, 'temporal.pid'), /temporal/) ?? pgrep(['-f', 'temporal server start-dev']),
    mariadb:
      pidFrom(join(run, 'mariadb.pid'), /mariadbd|mysqld/) ??
      pgrep(['-x', 'mariadbd']) ??
      pgrep(['-x', 'mysqld']),
  };
}

function machineTicks(): { busy: number; idle: number } {
  const line = (readText('/proc/stat') ?? '').split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return { busy: 0, idle: 0 };
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
  };
}

function threadTicks(): { main: number; temporalCore: number } {
  let main = 0;
  let temporalCore = 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return { main, temporalCore };
  }
  for (const tid of tids) {
    const ticks = statTicks(`/proc/self/task/${tid}/stat`) ?? 0;
    if (Number(tid) === process.pid) main = ticks;
    else if (TEMPORAL_CORE_THREAD.test((readText(`/proc/self/task/${tid}/comm`) ?? '').trim()))
      temporalCore += ticks;
  }
  return { main, temporalCore };
}

export function takeCpuSample(pids: StackPids): CpuSample {
  const machine = machineTicks();
  const threads = threadTicks();
  return {
    atMs: performance.now(),
    machineBusy: machine.busy,
    machineIdle: machine.idle,
    temporal: pids.temporal === null ? null : statTicks(`/proc/${pids.temporal}/stat`),
    mariadb: pids.mariadb === null ? null : statTicks(`/proc/${pids.mariadb}/stat`),
    self: process.cpuUsage(),
    mainThread: threads.main,
    temporalCore: threads.temporalCore,
  };
}

export const TEMPORAL_SERVER = 'Temporal dev server (SQLite)';
export const MARIADB = 'MariaDB';
export const MAIN_THREAD = 'this process: main thread (API, activities, simulator, OSS server, clients)';
export const CORE_THREADS = 'this process: Temporal Core SDK threads (Rust: gRPC, task polling)';
export const OTHER_THREADS = 'this process: other threads (workflow VM, V8 GC/compiler, libuv pool)';
export const OTHER_PROCESSES = 'other processes on the machine';

/** CPU seconds per component between two samples. */
export function cpuBetween(a: CpuSample, b: CpuSample): CpuBreakdown {
  const s = (ticks: number) => ticks / TICKS_PER_SECOND;
  const self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6;
  const main = s(b.mainThread - a.mainThread);
  const core = s(b.temporalCore - a.temporalCore);
  const temporal = a.temporal !== null && b.temporal !== null ? s(b.temporal - a.temporal) : 0;
  const mariadb = a.mariadb !== null && b.mariadb !== null ? s(b.mariadb - a.mariadb) : 0;
  const busy = s(b.machineBusy - a.machineBusy);
  const rows: CpuRow[] = [
    { component: a.temporal === null ? `${TEMPORAL_SERVER}: not found` : TEMPORAL_SERVER, seconds: temporal },
    { component: a.mariadb === null ? `${MARIADB}: not found` : MARIADB, seconds: mariadb },
    { component: MAIN_THREAD, seconds: main },
    { component: CORE_THREADS, seconds: core },
    { component: OTHER_THREADS, seconds: Math.max(0, self - main - core) },
    { component: OTHER_PROCESSES, seconds: Math.max(0, busy - temporal - mariadb - self) },
  ];
  return {
    wallSeconds: (b.atMs - a.atMs) / 1000,
    cores: cpus().length,
    rows,
    busySeconds: busy,
    idleSeconds: s(b.machineIdle - a.machineIdle),
  };
}
