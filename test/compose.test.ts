import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { settings } from '../config/settings';

/** No Docker engine here: the compose file is checked as data. */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('runs MySQL 8 with a healthcheck and its data on a named volume', () => {
    expect(services.mysql!.image).toMatch(/^mysql:8/);
    expect(services.mysql!.healthcheck!.test.join(' ')).toContain('mysqladmin ping');
    expect(services.mysql!.volumes).toContain('mysql-data:/var/lib/mysql');
    expect(compose.volumes).toHaveProperty('mysql-data');
  });

  it('runs the Temporal server once MySQL is healthy, and the Web UI once Temporal is', () => {
    expect(services.temporal!.image).toMatch(/^temporalio\//);
    expect(services.temporal!.depends_on).toEqual({ mysql: { condition: 'service_healthy' } });
    expect(services.temporal!.healthcheck).toBeDefined();
    expect(services.temporal!.ports).toContain('7233:7233');
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui/);
    expect(services['temporal-ui']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-ui']!.ports).toContain('8233:8080');
  });

  it('migrates before the api and worker start, and they wait for it to succeed', () => {
    expect(services.migrate!.command!.join(' ')).toContain('dist/scripts/migrate.js up');
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
      });
    }
  });

  it('starts the compiled entries that exist in this repository', () => {
    const entries: Record<string, string> = {
      api: 'api/main.ts',
      worker: 'worker/main.ts',
      migrate: 'scripts/migrate.ts',
      'jimeng-sim': 'dev/jimeng-sim/main.ts',
      'oss-server': 'dev/oss-server/main.ts',
    };
    for (const [name, source] of Object.entries(entries)) {
      const js = services[name]!.command!.join(' ').match(/dist\/(\S+)\.js/)![1]!;
      expect(`${js}.ts`).toBe(source);
      expect(() => readFileSync(join(root, source))).not.toThrow();
    }
  });

  it('exposes the API with a readiness healthcheck and points every app service at the compose network', () => {
    expect(services.api!.ports).toContain('3000:3000');
    expect(services.api!.healthcheck!.test.join(' ')).toContain('/readyz');
    for (const name of ['api', 'worker', 'migrate']) {
      expect(services[name]!.environment).toMatchObject({
        MYSQL_HOST: 'mysql',
        TEMPORAL_ADDRESS: 'temporal:7233',
      });
    }
  });

  it('gives the API longer to stop than its own shutdown timeout, so it drains before compose kills it', () => {
    const grace = Number(/^(\d+)s$/.exec(services.api!.stop_grace_period ?? '')?.[1]);
    expect(grace * 1000).toBeGreaterThan(Number(settings.apiShutdownTimeoutMs.default));
  });

  it("runs the Jimeng simulator faster than the real proxy, so README's first request (waiting 30 s) sees its image", () => {
    // The simulator's own defaults are the proxy's real latencies: images 30 s, videos about 3 min.
    const env = services['jimeng-sim']!.environment!;
    const ms = (key: string) => Number(env[key]);
    for (const key of [
      'JIMENG_SIM_IMAGE_LATENCY_MS',
      'JIMENG_SIM_COMPOSITION_LATENCY_MS',
      'JIMENG_SIM_VIDEO_DURATION_MS',
      'JIMENG_SIM_RETRY_DELAY_MS',
      'JIMENG_SIM_UPSTREAM_TIMEOUT_MS',
    ])
      expect(env[key]).toMatch(/^[1-9]\d*$/);
    // An image call, or one failing after the proxy's 3 retries, well inside the first request's 30 s.
    expect(ms('JIMENG_SIM_IMAGE_LATENCY_MS')).toBeLessThan(10_000);
    expect(3 * ms('JIMENG_SIM_RETRY_DELAY_MS')).toBeLessThan(10_000);
    expect(ms('JIMENG_SIM_VIDEO_DURATION_MS')).toBeLessThan(60_000);
  });

  it('keeps the local stand-ins for Jimeng and OSS behind the standins profile', () => {
    expect(services['jimeng-sim']!.profiles).toEqual(['standins']);
    expect(services['oss-server']!.profiles).toEqual(['standins']);
    const unprofiled = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([n]) => n);
    expect(unprofiled.sort()).toEqual(['api', 'migrate', 'mysql', 'temporal', 'temporal-ui', 'worker']);
  });
});
