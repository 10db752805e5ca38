import { GaugeRefresher } from '../../../api/http/gauge-refresher';
import type { Gauge } from '../../../api/http/metrics';
import { recordingLogger } from '../../support/recording-logger';
import { until } from '../../support/until';

/** The refresher runs on a fake clock: its reads come within milliseconds. */
const QUICK = { timeoutMs: 1000, everyMs: 5 };

const gauge = (value: number): Gauge => ({
  name: 'test_gauge',
  help: 'A value read in the background.',
  samples: [{ labels: { kind: 'a' }, value }],
});

describe('GaugeRefresher', () => {
  let clock = 0;
  const now = () => new Date(clock);
  const refreshers: GaugeRefresher[] = [];
  const make = (read: () => Promise<Gauge[]>, logger = recordingLogger().logger) => {
    const refresher = new GaugeRefresher({
      read,
      intervalMs: 20,
      ageGaugeName: 'test_age_seconds',
      now,
      logger,
    });
    refreshers.push(refresher);
    return refresher;
  };

  beforeEach(() => {
    clock = Date.UTC(2030, 0, 1);
  });
  afterEach(async () => {
    await Promise.all(refreshers.splice(0).map((r) => r.stop()));
  });

  it('says the values are infinitely old before the first read', () => {
    const refresher = make(async () => [gauge(1)]);
    expect(refresher.gauges()).toEqual([
      {
        name: 'test_age_seconds',
        help: expect.any(String),
        samples: [{ labels: {}, value: Number.POSITIVE_INFINITY }],
      },
    ]);
  });

  it('reads at start and on every interval; answers the last values and their age without reading', async () => {
    let reads = 0;
    const refresher = make(async () => [gauge(++reads)]);
    refresher.start();
    await until(() => reads >= 3, 'reads: reads >= 3', QUICK);
    const readsBefore = reads;
    clock += 2_500;
    const shown = refresher.gauges();
    // Asking for the gauges reads nothing: they are what the last read left.
    expect(reads).toBe(readsBefore);
    expect(shown[0]).toEqual(gauge(readsBefore));
    expect(shown[1]!.samples).toEqual([{ labels: {}, value: 2.5 }]);
  });

  it('keeps the last values when a read fails, logs it, and lets their age grow', async () => {
    const log = recordingLogger();
    let fail = false;
    let reads = 0;
    const refresher = make(async () => {
      reads++;
      if (fail) throw new Error('Access denied for user');
      return [gauge(7)];
    }, log.logger);
    refresher.start();
    await until(() => reads >= 1, 'reads: reads >= 1', QUICK);
    fail = true;
    const failedFrom = reads;
    await until(() => reads >= failedFrom + 2, 'reads: reads >= failedFrom + 2', QUICK);
    clock += 60_000;
    const [values, age] = refresher.gauges();
    expect(values).toEqual(gauge(7));
    expect(age!.samples[0]!.value).toBe(60);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        err: expect.objectContaining({ message: 'Access denied for user' }),
      }),
    );
  });

  it('reads nothing after stop(), and stop() waits for a read under way', async () => {
    let reads = 0;
    let release: () => void = () => undefined;
    const refresher = make(
      () =>
        new Promise<Gauge[]>((resolve) => {
          reads++;
          release = () => resolve([gauge(reads)]);
        }),
    );
    refresher.start();
    await until(() => reads === 1, 'reads: reads === 1', QUICK);
    let stopped = false;
    const stopping = refresher.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await new Promise((r) => setTimeout(r, 60));
    expect(reads).toBe(1);
  });

  it('refuses an interval that is not positive', () => {
    expect(() => new GaugeRefresher({ read: async () => [], intervalMs: 0, ageGaugeName: 'x' })).toThrow(
      RangeError,
    );
  });
});
