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

  it('video with polling', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'video-polling',
      await f.startVideo({ ...f.task(userId), request: { prompt: 'replay: video' } }),
    );
  });

  it('retries with account switch after 429s', async () => {
    const first = await f.account({ priority: 10 });
    await f.account({ priority: 0 });
    f.sim.admin.injectFault({ kind: 'http_429', sessionId: first.sessionId, rate: 1 });
    const userId = await f.userWithPoints(100);
    await save(
      f,
      'image-429-account-switch',
      await f.startImage({ ...f.task(userId), request: { prompt: 'replay: 429' } }),
    );
  }, 60_000);

  it('session invalid, switched at once', async () => {
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
    f.sim.admin.injectFault({ kind: 'http_5xx', sessionId: only.sessionId, rate: 1 });
    const userId = await f.userWithPoints(100);
    const handle = await f.startImage({ ...f.task(userId), request: { prompt: 'replay: cancel' } });
    await untilStatus(handle, (p) => p.status === 'retrying');
    await handle.signal(cancelSignal, { reason: 'recorded cancel' });
    await save(f, 'image-cancel-signal', handle);
  });

  it('Temporal cancellation during video polling', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const handle = await f.startVideo({
      ...f.task(userId),
      request: { prompt: 'replay: cancelled video', duration: 10 },
    });
    await untilStatus(handle, (p) => p.percent >= 30);
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
