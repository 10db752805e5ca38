import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cancelSignal, progressQuery } from '../../workflows/generation-definitions';
import { GenerationFixture } from './generation-fixture';

/**
 * Records the replay fixtures (`npm run record-histories`): real runs on the Temporal dev server with the real
 * activities, MariaDB, the Jimeng simulator and the OSS server, one per path through the generation workflows.
 * test/workflows/replay.test.ts replays every file in test/fixtures/histories against the current workflow code.
 * Re-record only when a change is meant to be incompatible (and then with a new workflow type or patched()).
 */
const OUT = join(__dirname, '..', 'fixtures', 'histories');

async function settled(handle: WorkflowHandle): Promise<void> {
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
  }
}

async function save(f: GenerationFixture, name: string, handle: WorkflowHandle): Promise<void> {
  await settled(handle);
  const history = await f.client.workflow.getHandle(handle.workflowId).fetchHistory();
  await writeFile(join(OUT, `${name}.json`), `${historyToJSON(history)}\n`);
}

async function untilStatus(
  handle: WorkflowHandle,
  check: (p: { status: string; percent: number }) => boolean,
) {
  for (let i = 0; i < 400; i++) {
    if (check(await handle.query(progressQuery))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the run never reached the expected state');
}

describe('recording replay histories', () => {
  const f = new GenerationFixture();
  beforeAll(() => f.start(), 120_000);
  afterAll(() => f.close(), 60_000);
  beforeEach(() => f.reset());

  it('image success', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-success',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: image' } }),
    );
  });

  it('no free account, woken by a release', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(100);
    const [first, queued] = await f.startWhileTheAccountIsBusy(userId, account);
    await settled(first);
    await save(f, 'image-woken-by-release', queued);
  });

  it('composition with reference images and a callback', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const input = {
      ...f.task(userId),
      request: { prompt: 'replay: composition', images: ['https://example.com/reference.png'] },
    };
    await save(f, 'image-composition', await f.startImage(input));
  });

  it("video on the proxy's synchronous route", async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'video-success',
      await f.startVideo({ ...f.task(userId), request: { prompt: 'replay: video' } }),
    );
  });

  it('retries with account switch after risk control (-2001 ret 1019)', async () => {
    const first = await f.account({ priority: 10 });
    await f.account({ priority: 0 });
    f.sim.admin.injectFault({ kind: 'risk_control', sessionId: first.sessionId, rate: 1, ret: '1019' });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-risk-control-account-switch',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: risk control' } }),
    );
  }, 60_000);

  it('an unexplained -1000 retried once on another account, then failed', async () => {
    await f.account({ priority: 10 });
    await f.account({ priority: 0 });
    f.sim.admin.injectFault({
      kind: 'error_code',
      rate: 1,
      code: -1000,
      message: "Cannot read properties of undefined (reading 'item_list')",
    });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-unexplained-twice',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: unexplained' } }),
    );
  });

  it('the proxy failing to reach Jimeng: backoff, then another account', async () => {
    const first = await f.account({ priority: 10 });
    await f.account({ priority: 0 });
    f.sim.admin.injectFault({
      kind: 'upstream_transport',
      sessionId: first.sessionId,
      count: 1,
      error: 'socket_hang_up',
    });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-upstream-unreachable',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: unreachable' } }),
    );
  }, 60_000);

  it('a dead session (the credits TypeError, /token/check not live), switched at once', async () => {
    const bad = await f.account({ priority: 10 });
    await f.account({ priority: 0 });
    f.sim.admin.registerSession({ sessionId: bad.sessionId, state: 'invalid' });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-session-invalid',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: invalid' } }),
    );
  });

  it('site switch', async () => {
    const cn = await f.account({ site_type: 0, priority: 10 });
    await f.account({ site_type: 4 });
    f.sim.admin.injectFault({
      kind: 'error_code',
      sessionId: cn.sessionId,
      count: 1,
      code: -2001,
      message: 'region not allow (错误码: 3000)',
    });
    const userId = await f.userWithPoints(100);
    const input = {
      ...f.task(userId),
      sites: [0, 4],
      request: { prompt: 'replay: site', model: 'jimeng-4.0' },
    };
    await save(f, 'image-site-switch', await f.startImage(input));
  });

  it('content policy failure with refund', async () => {
    await f.account();
    f.sim.admin.injectFault({ kind: 'content_policy', rate: 1 });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-content-policy',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: refused' } }),
    );
  });

  it('cancel signal during a backoff', async () => {
    const only = await f.account();
    f.sim.admin.injectFault({ kind: 'gateway_5xx', sessionId: only.sessionId, rate: 1 });
    const userId = await f.userWithPoints(100);
    const handle = await f.startImage({ ...f.task(userId), request: { prompt: 'replay: cancel' } });
    await untilStatus(handle, (p) => p.status === 'retrying');
    await handle.signal(cancelSignal, { reason: 'recorded cancel' });
    await save(f, 'image-cancel-signal', handle);
  });

  it('Temporal cancellation during the video call', async () => {
    const only = await f.account();
    f.sim.admin.injectFault({ kind: 'slow', sessionId: only.sessionId, count: 1, delayMs: 20_000 });
    const userId = await f.userWithPoints(100);
    const handle = await f.startVideo({
      ...f.task(userId),
      request: { prompt: 'replay: cancelled video', duration: 10 },
    });
    for (let i = 0; i < 400 && !f.sim.admin.counters().bySession[only.sessionId]; i++)
      await new Promise((r) => setTimeout(r, 50));
    await handle.cancel();
    await save(f, 'video-temporal-cancel', handle);
  });

  it('insufficient points', async () => {
    await f.account();
    const userId = await f.userWithPoints(1);
    await save(
      f,
      'image-insufficient-points',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: poor' } }),
    );
  });
});
