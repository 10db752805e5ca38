import { REALISTIC_LATENCY, resolveLatency } from '../../../dev/jimeng-sim/latency';
import { startJimengSimulator, type JimengSimulator } from '../../../dev/jimeng-sim/simulator';
import { composition, expectSuccess, image, start, stopAll, video } from './harness';

/* How long answers take: per route, realistic by default (latency.ts), short in tests. */

afterEach(stopAll);

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t0 = Date.now();
  await f();
  return Date.now() - t0;
}

describe('latency', () => {
  it('defaults to realistic figures: 30 s images, 60 s compositions, about 3 min videos, 5 s retries, 45 s timeouts', () => {
    expect(REALISTIC_LATENCY).toEqual({
      imageMs: 30_000,
      compositionMs: 60_000,
      videoMs: 185_000,
      retryDelayMs: 5_000,
      upstreamTimeoutMs: 45_000,
    });
    expect(resolveLatency(undefined, {})).toEqual(REALISTIC_LATENCY);
  });

  it('takes a latency per route', async () => {
    const sim = await start({ latency: { imageMs: 10, compositionMs: 250, videoMs: 120 } });
    expect(await timed(() => image(sim, 's'))).toBeLessThan(200);
    expect(await timed(() => composition(sim, 's'))).toBeGreaterThanOrEqual(240);
    expect(await timed(() => video(sim, 's'))).toBeGreaterThanOrEqual(110);
  });

  it('keeps the legacy imageLatencyMs (images and compositions) and videoDurationMs', async () => {
    expect(resolveLatency(undefined, { imageLatencyMs: 7, videoDurationMs: 9 })).toMatchObject({
      imageMs: 7,
      compositionMs: 7,
      videoMs: 9,
    });
    expect(resolveLatency({ compositionMs: 3 }, { imageLatencyMs: 7 })).toMatchObject({
      imageMs: 7,
      compositionMs: 3,
    });
    const sim: JimengSimulator = await startJimengSimulator({
      port: 0,
      imageLatencyMs: 1,
      videoDurationMs: 150,
    });
    try {
      expectSuccess(await image(sim, 's'));
      expect(await timed(() => video(sim, 's'))).toBeGreaterThanOrEqual(140);
    } finally {
      await sim.close();
    }
  });

  it('refuses a negative latency', async () => {
    await expect(startJimengSimulator({ port: 0, latency: { videoMs: -1 } })).rejects.toThrow(
      /latency.videoMs/,
    );
  });
});
