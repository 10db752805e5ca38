import {
  ALI_OSS,
  BENCH_DRIVER,
  categoryOf,
  DATABASE,
  DEV_STAND_INS,
  GC,
  IDLE,
  KOA,
  mergeSummaries,
  NATIVE,
  NODE_ASYNC_HOOKS,
  NODE_IO,
  NODE_OTHER,
  OTHER,
  OTHER_PACKAGES,
  OUR_CODE,
  PROGRAM,
  SHARED,
  summarizeCpuProfile,
  TEMPORAL,
  WORKFLOW_BUNDLE,
  type CpuProfile,
} from '../../bench/cpu-profile-summary';

const ROOT = '/srv/app';
const at = (url: string, functionName = 'f') => categoryOf({ url, functionName }, ROOT);

describe('categoryOf: the component a function counts for', () => {
  it.each([
    ['file:///srv/app/node_modules/@temporalio/worker/lib/worker.js', TEMPORAL],
    ['file:///srv/app/node_modules/@grpc/grpc-js/build/src/call.js', TEMPORAL],
    ['file:///srv/app/node_modules/protobufjs/src/reader.js', TEMPORAL],
    ['file:///srv/app/node_modules/mysql2/lib/packets/packet.js', DATABASE],
    ['/srv/app/node_modules/sequelize/lib/sequelize.js', DATABASE],
    ['file:///srv/app/node_modules/urllib/lib/urllib.js', ALI_OSS],
    ['file:///srv/app/node_modules/@koa/router/lib/router.js', KOA],
    ['file:///srv/app/node_modules/koa/lib/application.js', KOA],
    // nested: the innermost package a component owns
    ['file:///srv/app/node_modules/ali-oss/node_modules/mime/index.js', ALI_OSS],
    ['file:///srv/app/node_modules/sequelize/node_modules/debug/src/node.js', DATABASE],
    ['file:///srv/app/dist/api/app.js', OUR_CODE],
    ['file:///srv/app/dist/services/oss/output-storage.js', OUR_CODE],
    ['file:///srv/app/dist/dev/jimeng-sim/simulator.js', DEV_STAND_INS],
    ['file:///srv/app/dev/oss-server/index.js', DEV_STAND_INS],
    ['file:///srv/app/dist/bench/throughput.js', BENCH_DRIVER],
    ['/srv/app/dist/workflows/workflow-bundle-7adc22091a2ec301b9f8.js', WORKFLOW_BUNDLE],
    ['evalmachine.<anonymous>', WORKFLOW_BUNDLE],
    ['node:internal/streams/readable', NODE_IO],
    ['node:net', NODE_IO],
    ['node:_http_server', NODE_IO],
    ['node:internal/deps/undici/undici', NODE_IO],
    ['node:internal/async_hooks', NODE_ASYNC_HOOKS],
    ['node:async_hooks', NODE_ASYNC_HOOKS],
    ['node:internal/timers', NODE_OTHER],
    ['node:events', NODE_OTHER],
    ['wasm://wasm/0002f63a', NATIVE],
    ['file:///elsewhere/tool.js', OTHER],
    // a package several components use is resolved from its callers by summarizeCpuProfile
    ['file:///srv/app/node_modules/long/umd/index.js', SHARED],
    ['file:///srv/app/node_modules/content-type/index.js', SHARED],
  ])('%s → %s', (url, category) => {
    expect(at(url)).toBe(category);
  });

  it('names the pseudo-frames V8 records', () => {
    expect(at('', '(idle)')).toBe(IDLE);
    expect(at('', '(garbage collector)')).toBe(GC);
    expect(at('', '(program)')).toBe(PROGRAM);
    expect(at('', 'writeBuffer')).toBe(NATIVE);
  });

  it('accepts a root with a trailing slash and a percent-encoded URL', () => {
    expect(categoryOf({ url: 'file:///srv/my%20app/dist/api/x.js', functionName: 'f' }, '/srv/my app/')).toBe(
      OUR_CODE,
    );
  });
});

/**
 *   1 (root)
 *   ├─ 2 (program)     ├─ 3 (idle)     ├─ 4 (garbage collector)
 *   ├─ 5 api/app.js handler
 *   │   ├─ 6 mysql2 query
 *   │   │   └─ 7 node:net write ─ 8 writeBuffer (native)
 *   │   │   └─ 9 long fromBits (shared: counts for mysql2)
 *   │   └─ 10 JSON.parse (native: counts for our code)
 *   ├─ 11 node:internal/timers ─ 12 content-type parse (shared, no component above: other node_modules)
 *   └─ 13 runMicrotasks (native, called by nothing: stays native)
 */
const file = (path: string) => `file:///srv/app/${path}`;
const profile = (samples: number[], timeDeltas: number[], endTime: number): CpuProfile => ({
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 3, 4, 5, 11, 13] },
    { id: 2, callFrame: { functionName: '(program)', url: '' } },
    { id: 3, callFrame: { functionName: '(idle)', url: '' } },
    { id: 4, callFrame: { functionName: '(garbage collector)', url: '' } },
    { id: 5, callFrame: { functionName: 'handler', url: file('dist/api/app.js') }, children: [6, 10] },
    {
      id: 6,
      callFrame: { functionName: 'query', url: file('node_modules/mysql2/lib/c.js') },
      children: [7, 9],
    },
    { id: 7, callFrame: { functionName: 'write', url: 'node:net' }, children: [8] },
    { id: 8, callFrame: { functionName: 'writeBuffer', url: '' } },
    { id: 9, callFrame: { functionName: 'fromBits', url: file('node_modules/long/umd/index.js') } },
    { id: 10, callFrame: { functionName: 'parse', url: '' } },
    { id: 11, callFrame: { functionName: 'listOnTimeout', url: 'node:internal/timers' }, children: [12] },
    { id: 12, callFrame: { functionName: 'parse', url: file('node_modules/content-type/index.js') } },
    { id: 13, callFrame: { functionName: 'runMicrotasks', url: '' } },
  ],
  startTime: 1_000,
  endTime,
  samples,
  timeDeltas,
});

describe('summarizeCpuProfile', () => {
  it('gives each sample the time until the next one, the last one until endTime', () => {
    // samples at 1000, 1100, 1300, 1600; the last lasts until 2000
    const summary = summarizeCpuProfile(profile([5, 6, 5, 3], [0, 100, 200, 300], 2_000), { root: ROOT });
    expect(summary.byCategory).toEqual([
      { category: IDLE, ms: 0.4 },
      { category: OUR_CODE, ms: 0.4 },
      { category: DATABASE, ms: 0.2 },
    ]);
    expect(summary.totalMs).toBeCloseTo(1.0);
    expect(summary.idleMs).toBeCloseTo(0.4);
  });

  it('counts native frames and shared packages for their callers', () => {
    // every sample lasts 1000 µs = 1 ms
    const samples = [8, 9, 10, 12, 13, 2, 4, 7];
    const summary = summarizeCpuProfile(profile(samples, [0, ...samples.slice(1).map(() => 1_000)], 9_000), {
      root: ROOT,
    });
    const ms = Object.fromEntries(summary.byCategory.map((c) => [c.category, c.ms]));
    expect(ms).toEqual({
      [NODE_IO]: 2, // writeBuffer under node:net, and node:net itself
      [DATABASE]: 1, // long, called by mysql2
      [OUR_CODE]: 1, // JSON.parse, called by the handler
      [OTHER_PACKAGES]: 1, // content-type with only node internals above it
      [NATIVE]: 1, // runMicrotasks, right under the root
      [PROGRAM]: 1,
      [GC]: 1,
    });
  });

  it('counts only the samples inside the window', () => {
    // samples at 1000 (app), 2000 (mysql2), 3000 (idle), 4000 (app); end 5000
    const p = profile([5, 6, 3, 5], [0, 1_000, 1_000, 1_000], 5_000);
    const summary = summarizeCpuProfile(p, { root: ROOT, window: { startUs: 1_500, endUs: 4_000 } });
    expect(summary.byCategory).toEqual([
      { category: IDLE, ms: 1 },
      { category: DATABASE, ms: 1 },
    ]);
    expect(summary.totalMs).toBe(2);
  });

  it('survives a profile without samples', () => {
    expect(summarizeCpuProfile({ nodes: [], startTime: 0, endTime: 0 }, { root: ROOT })).toEqual({
      totalMs: 0,
      idleMs: 0,
      byCategory: [],
    });
  });
});

describe('mergeSummaries', () => {
  it('adds the threads up, largest component first', () => {
    const merged = mergeSummaries([
      {
        totalMs: 3,
        idleMs: 1,
        byCategory: [
          { category: IDLE, ms: 1 },
          { category: KOA, ms: 2 },
        ],
      },
      {
        totalMs: 5,
        idleMs: 0,
        byCategory: [
          { category: TEMPORAL, ms: 4 },
          { category: KOA, ms: 1 },
        ],
      },
    ]);
    expect(merged).toEqual({
      totalMs: 8,
      idleMs: 1,
      byCategory: [
        { category: TEMPORAL, ms: 4 },
        { category: KOA, ms: 3 },
        { category: IDLE, ms: 1 },
      ],
    });
  });
});
