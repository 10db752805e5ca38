import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Determinism in CI: every history recorded from a real run (npm run record-histories) replays against the
 * current workflow code. A change that would break a running workflow fails here, before it ships.
 */
const DIR = join(__dirname, '..', 'fixtures', 'histories');

/**
 * The paths through the generation workflows the fixtures must keep covering. `pre-lease-in-call.*` are the same
 * paths recorded before images leased inside the call activity, `pre-local-bookkeeping.*` before the bookkeeping
 * became local activities and a release woke waiting jobs, `pre-video-in-one-call.*` before videos were one
 * lease-call-release activity on the proxy's synchronous route: runs started then must still replay. The 429
 * switch was recorded against a fork's 429 and stays as a history of that path.
 */
const REQUIRED = [
  'image-success',
  'image-composition',
  'video-success',
  'image-risk-control-account-switch',
  'image-unexplained-twice',
  'image-upstream-unreachable',
  'image-session-invalid',
  'image-site-switch',
  'image-content-policy',
  'image-cancel-signal',
  'video-temporal-cancel',
  'image-insufficient-points',
  'image-woken-by-release',
];

async function histories() {
  const names = (await readdir(DIR)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => ({
      workflowId: name.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(join(DIR, name), 'utf8'))),
    })),
  );
}

async function replayAll(workflowsPath: string): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, await histories()))
    results.push(result);
  return results;
}

describe('replaying recorded workflow histories', () => {
  it('has a recorded history for every path through the generation workflows', async () => {
    const names = (await histories()).map((h) => h.workflowId);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('replays every recorded history against the current workflow code without a determinism error', async () => {
    const results = await replayAll(require.resolve('../../workflows/index'));
    const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`);
    expect(failures).toEqual([]);
    expect(results.map((r) => r.workflowId)).toEqual(expect.arrayContaining(REQUIRED));
  }, 120_000);

  it('fails a deliberately incompatible change of the workflow code', async () => {
    const results = await replayAll(require.resolve('./drifted/index'));
    const image = results.filter((r) => r.workflowId.startsWith('image-'));
    expect(image.length).toBeGreaterThan(0);
    for (const r of image) expect(r.error?.name).toBe('DeterminismViolationError');
  }, 120_000);
});
