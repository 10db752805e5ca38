import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_CALL_DEADLINES_MS } from '../../services/jimeng/proxy-limits';
import { LEASED_IMAGE_CALL_OPTIONS, LEASED_VIDEO_CALL_OPTIONS } from '../../workflows/activity-options';

/*
 * A call held open as long as the proxy polls must not be cut short by Temporal: an activity timing out would be
 * retried, and the retry would start and pay for a second upstream job while the first still runs. The proxy's
 * limits (iptag/jimeng-api at addf0f0): images 900 polls at 10-15 s (src/api/controllers/images.ts:233-237),
 * videos 900 polls at 20 s (src/api/controllers/videos.ts:870-878).
 */
describe('the generation activities outlast the proxy and our own HTTP deadline', () => {
  const HOUR = 3_600_000;

  it('images: the HTTP deadline is above 900 polls at 15 s, the activity above the deadline', () => {
    expect(DEFAULT_CALL_DEADLINES_MS.image_generation).toBeGreaterThan(3.75 * HOUR);
    expect(msToNumber(LEASED_IMAGE_CALL_OPTIONS.startToCloseTimeout)).toBeGreaterThan(
      Math.max(DEFAULT_CALL_DEADLINES_MS.image_generation, DEFAULT_CALL_DEADLINES_MS.image_composition),
    );
  });

  it('videos: the HTTP deadline is above 900 polls at 20 s, the activity above the deadline', () => {
    expect(DEFAULT_CALL_DEADLINES_MS.video_generation).toBeGreaterThan(5 * HOUR);
    expect(msToNumber(LEASED_VIDEO_CALL_OPTIONS.startToCloseTimeout)).toBeGreaterThan(
      DEFAULT_CALL_DEADLINES_MS.video_generation,
    );
  });

  it('a killed worker is noticed within a minute, not at the end of the long timeout', () => {
    for (const options of [LEASED_IMAGE_CALL_OPTIONS, LEASED_VIDEO_CALL_OPTIONS])
      expect(msToNumber(options.heartbeatTimeout)).toBeLessThanOrEqual(60_000);
  });
});
