import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { settings, type Setting } from '../config/settings';

/** No Docker engine here: the compose files, the Dockerfile and README's instructions are checked as data. */
interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  init?: boolean;
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  restart?: string;
  stop_grace_period?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const root = join(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const load = (file: string) => parse(read(file), { merge: true }) as ComposeFile;
const compose = load('docker-compose.yml');
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const env = (name: string): Record<string, string> => service(name).environment ?? {};
/** A command as one line of shell, whatever form the file writes it in. */
const commandOf = (name: string) =>
  [...(service(name).entrypoint ?? []), ...(service(name).command ?? [])].join(' ');

/** `${NAME}`, `${NAME:-default}` or `${NAME:?error}`: the variable a value is read from, and how. */
function interpolation(value: string): { name: string; kind: '-' | '?' | ''; rest: string } | undefined {
  const m = /^\$\{(\w+)(?::([-?])(.*))?\}$/.exec(value);
  return m ? { name: m[1]!, kind: (m[2] ?? '') as '-' | '?' | '', rest: m[3] ?? '' } : undefined;
}
/** "30s", "1m30s" in milliseconds (compose's duration format, as far as this file uses it). */
function durationMs(value: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!m || value === '') throw new Error(`not a duration: ${value}`);
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000;
}
function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    read(file)
      .split('\n')
      .filter((line) => /^\w+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const APP_IMAGE = 'jimeng-flow:local';
const appServices = Object.entries(services)
  .filter(([, s]) => s.image === APP_IMAGE)
  .map(([n]) => n)
  .sort();
/** Services that run once and exit, and those that keep running. */
const JOBS = ['temporal-schema', 'temporal-namespace', 'migrate', 'bootstrap', 'bootstrap-dev-data'];
const LONG_RUNNING = ['mysql', 'temporal', 'temporal-ui', 'worker', 'api', 'jimeng-sim', 'oss-server'];
const TEMPORAL_VERSION = /^\d+\.\d+\.\d+$/;

describe('docker-compose.yml', () => {
  it('has exactly the jobs and the long-running services this test knows', () => {
    expect(Object.keys(services).sort()).toEqual([...JOBS, ...LONG_RUNNING].sort());
  });

  it('runs Temporal from temporalio/server and temporalio/admin-tools of one release, never auto-setup', () => {
    const server = service('temporal').image!.split(':');
    expect(server[0]).toBe('temporalio/server');
    expect(server[1]).toMatch(TEMPORAL_VERSION);
    for (const job of ['temporal-schema', 'temporal-namespace'])
      expect(service(job).image).toBe(`temporalio/admin-tools:${server[1]}`);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(read('docker-compose.yml')).not.toContain('auto-setup:');
  });

  it('runs MySQL 8.0, the newest version Temporal documents as tested, with its data on a named volume', () => {
    expect(service('mysql').image).toMatch(/^mysql:8\.0(\.\d+)?$/);
    const [volume] = service('mysql').volumes!.filter((v) => v.endsWith(':/var/lib/mysql'));
    expect(compose.volumes).toHaveProperty(volume!.split(':')[0]!);
    expect(service('mysql').healthcheck!.test.join(' ')).toContain('mysqladmin ping -h 127.0.0.1');
  });

  it('sets up both Temporal databases on MySQL 8 (setup-schema, then update-schema to the newest)', () => {
    expect(env('temporal-schema')).toMatchObject({
      SQL_PLUGIN: 'mysql8',
      SQL_HOST: 'mysql',
      SQL_PORT: '3306',
    });
    const script = commandOf('temporal-schema');
    expect(script).toContain('temporal:temporal visibility:temporal_visibility');
    expect(script).toMatch(/create-database\n.*setup-schema -v 0\.0\n.*update-schema --schema-dir/);
    expect(script).toContain('/etc/temporal/schema/mysql/v8/$$schema/versioned');
    // The server reads the same databases with the same user.
    expect(env('temporal')).toMatchObject({
      DB: 'mysql8',
      MYSQL_SEEDS: 'mysql',
      MYSQL_USER: env('temporal-schema').SQL_USER,
    });
    expect(env('temporal').MYSQL_PWD).toBe(env('temporal-schema').SQL_PASSWORD);
    expect(env('mysql').TEMPORAL_DB_PASSWORD).toBe(env('temporal-schema').SQL_PASSWORD);
    expect(env('temporal').BIND_ON_IP).toBe('0.0.0.0');
  });

  it('creates the namespace the app uses, once the frontend answers health checks', () => {
    const script = commandOf('temporal-namespace');
    const namespace = env('api').TEMPORAL_NAMESPACE!;
    expect(script.indexOf('temporal operator cluster health')).toBeLessThan(
      script.indexOf('namespace create'),
    );
    expect(script).toContain(`temporal operator namespace create --namespace ${namespace}`);
    expect(env('temporal-namespace').TEMPORAL_ADDRESS).toBe(env('api').TEMPORAL_ADDRESS);
  });

  it('registers the search attributes with our script (the list of workflows/search-attributes.ts) after the namespace exists', () => {
    expect(commandOf('migrate')).toMatch(
      /node dist\/scripts\/migrate\.js up && node dist\/scripts\/register-search-attributes\.js/,
    );
    expect(read('scripts/lib/search-attributes.ts')).toContain(
      "import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';",
    );
    // No second list in the compose file to drift from the code's.
    expect(read('docker-compose.yml')).not.toContain('search-attribute create');
    expect(service('migrate').depends_on).toMatchObject({
      'temporal-namespace': { condition: 'service_completed_successfully' },
    });
  });

  it('orders every step after the one it needs: schema, server, namespace, migrations, bootstrap, api and worker', () => {
    const after = (name: string) =>
      Object.fromEntries(Object.entries(service(name).depends_on ?? {}).map(([n, d]) => [n, d.condition]));
    expect(after('temporal-schema')).toEqual({ mysql: 'service_healthy' });
    expect(after('temporal')).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(after('temporal-namespace')).toEqual({ temporal: 'service_healthy' });
    expect(after('temporal-ui')).toEqual({ temporal: 'service_healthy' });
    expect(after('migrate')).toEqual({
      mysql: 'service_healthy',
      'temporal-namespace': 'service_completed_successfully',
    });
    expect(after('bootstrap')).toEqual({ migrate: 'service_completed_successfully' });
    expect(after('bootstrap-dev-data')).toEqual({ bootstrap: 'service_completed_successfully' });
    for (const name of ['api', 'worker'])
      expect(after(name)).toMatchObject({
        migrate: 'service_completed_successfully',
        temporal: 'service_healthy',
      });
    // Whatever is waited on as healthy has a healthcheck; whatever is waited on to complete is a job.
    for (const s of Object.values(services))
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (condition === 'service_healthy') expect(service(dependency).healthcheck).toBeDefined();
        if (condition === 'service_completed_successfully') expect(JOBS).toContain(dependency);
      }
  });

  it('waits for the stand-ins only when their profile runs them', () => {
    for (const standIn of ['jimeng-sim', 'oss-server'])
      expect(service('worker').depends_on![standIn]).toEqual({
        condition: 'service_started',
        required: false,
      });
  });

  it('restarts the long-running services unless stopped, and runs each job once per up', () => {
    for (const name of LONG_RUNNING) expect(service(name).restart).toBe('unless-stopped');
    for (const name of JOBS) expect(service(name).restart).toBe('no');
  });

  it('checks the api by its readiness and the worker by its health file', () => {
    expect(service('api').healthcheck!.test.join(' ')).toContain('http://127.0.0.1:3000/readyz');
    expect(service('worker').healthcheck!.test).toEqual(['CMD', 'node', 'dist/scripts/worker-health.js']);
    expect(env('worker').WORKER_HEALTH_FILE).toMatch(/^\/tmp\//);
    expect(existsSync(join(root, 'scripts/worker-health.ts'))).toBe(true);
    expect(service('temporal').healthcheck!.test).toEqual(['CMD', 'nc', '-z', 'localhost', '7233']);
  });

  it("gives the worker longer to stop than its activities' grace, and the api longer than its drain", () => {
    const grace = Number(env('worker').WORKER_SHUTDOWN_GRACE_MS);
    expect(grace).toBeGreaterThan(0);
    // The setting's own rule (config/settings.ts, WORKER_SHUTDOWN_GRACE_MS): the grace plus 30 s to close.
    expect(durationMs(service('worker').stop_grace_period!)).toBeGreaterThanOrEqual(grace + 30_000);
    // An image call (about 30 s, a composition 60 s at the proxy's polls) fits the grace.
    expect(grace).toBeGreaterThanOrEqual(60_000);
    // The API drains for up to API_SHUTDOWN_TIMEOUT_MS, then frees its node id and closes.
    const drain = Number(env('api').API_SHUTDOWN_TIMEOUT_MS ?? settings.apiShutdownTimeoutMs.default);
    expect(durationMs(service('api').stop_grace_period!)).toBeGreaterThanOrEqual(drain + 5_000);
  });

  it('publishes no database or Temporal port; the API on 3000, the Web UI and stand-ins on loopback only', () => {
    const published = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.ports)
        .map(([n, s]) => [n, s.ports]),
    );
    expect(published).toEqual({
      api: ['3000:3000'],
      'temporal-ui': ['127.0.0.1:8233:8080'],
      'jimeng-sim': ['127.0.0.1:8790:8790'],
      'oss-server': ['127.0.0.1:8791:8791'],
    });
  });

  it('publishes MySQL and Temporal only through docker-compose.ports.yml, and only on loopback', () => {
    const ports = load('docker-compose.ports.yml').services;
    expect(Object.keys(ports).sort()).toEqual(['mysql', 'temporal']);
    expect(ports.mysql!.ports).toEqual(['127.0.0.1:3306:3306']);
    expect(ports.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
  });

  it('never uses MySQL root: a random password, no network access, no service connecting as root', () => {
    expect(env('mysql')).toMatchObject({ MYSQL_RANDOM_ROOT_PASSWORD: 'yes', MYSQL_ROOT_HOST: 'localhost' });
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.environment?.MYSQL_ROOT_PASSWORD]).toEqual([name, undefined]);
      for (const key of ['MYSQL_USER', 'SQL_USER']) expect(s.environment?.[key]).not.toBe('root');
    }
    const init = read('compose/mysql-init/10-temporal-user.sh');
    expect(init).toContain("CREATE USER IF NOT EXISTS 'temporal'@'%'");
    expect(init).toContain('GRANT ALL PRIVILEGES ON \\`temporal\\`.*');
    expect(init).toContain('GRANT ALL PRIVILEGES ON \\`temporal_visibility\\`.*');
    expect(service('mysql').volumes).toContain('./compose/mysql-init:/docker-entrypoint-initdb.d:ro');
  });

  it('builds one image once and runs every service of ours on it', () => {
    const building = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(building.map(([n]) => n)).toEqual(['migrate']);
    // Every start runs migrate (no profile), so the image is built before anything needs it.
    expect(service('migrate').profiles).toBeUndefined();
    expect(service('migrate').pull_policy).toBe('build');
    expect(appServices).toEqual(
      ['api', 'worker', 'migrate', 'bootstrap', 'bootstrap-dev-data', 'jimeng-sim', 'oss-server'].sort(),
    );
    for (const name of appServices) expect(service(name).init).toBe(true);
  });

  it('starts the compiled entries that exist in this repository', () => {
    const entries: Record<string, string> = {
      api: 'api/main.ts',
      worker: 'worker/main.ts',
      migrate: 'scripts/migrate.ts',
      bootstrap: 'scripts/bootstrap.ts',
      'bootstrap-dev-data': 'scripts/bootstrap.ts',
      'jimeng-sim': 'dev/jimeng-sim/main.ts',
      'oss-server': 'dev/oss-server/main.ts',
    };
    for (const [name, source] of Object.entries(entries)) {
      const js = commandOf(name).match(/dist\/(\S+)\.js/)![1]!;
      expect(`${js}.ts`).toBe(source);
      expect(existsSync(join(root, source))).toBe(true);
    }
    expect(service('bootstrap-dev-data').command).toContain('--dev-data');
  });

  it('points every service of ours at the compose network, with settings config/settings.ts reads', () => {
    const known = new Set(
      (Object.values(settings) as Setting<unknown>[]).flatMap((s) => [s.env, ...(s.aliases ?? [])]),
    );
    for (const name of ['api', 'worker', 'migrate', 'bootstrap', 'bootstrap-dev-data']) {
      expect(env(name)).toMatchObject({ MYSQL_HOST: 'mysql', TEMPORAL_ADDRESS: 'temporal:7233' });
      expect(Object.keys(env(name)).filter((key) => !known.has(key))).toEqual([]);
    }
  });

  it("defaults a secret only to config/settings.ts's development default, which NODE_ENV=production refuses", () => {
    const byEnv = new Map((Object.values(settings) as Setting<unknown>[]).map((s) => [s.env, s]));
    const defaulted: string[] = [];
    for (const name of [...appServices, 'mysql', 'temporal', 'temporal-schema'])
      for (const value of Object.values(env(name))) {
        const i = interpolation(value);
        if (i?.kind !== '-') continue;
        const setting = byEnv.get(i.name);
        if (!setting?.developmentDefault) continue;
        expect([i.name, i.rest]).toEqual([i.name, setting.default]);
        defaulted.push(i.name);
      }
    expect(new Set(defaulted)).toEqual(
      new Set(['MYSQL_PASSWORD', 'CALLBACK_SIGNING_SECRET', 'CALLBACK_SECRET_ENCRYPTION_KEY']),
    );
    expect(read('docker-compose.yml')).toContain('NODE_ENV: ${NODE_ENV:-development}');
  });

  it('has no default for the upstreams: .env names the real ones, or compose/standins.env the stand-ins', () => {
    for (const key of ['JIMENG_BASE_URL', 'OSS_ENDPOINT', 'OSS_BUCKET', 'OSS_ACCESS_KEY', 'OSS_SECRET'])
      expect([key, interpolation(env('worker')[key]!)?.kind]).toEqual([key, '?']);
    expect(interpolation(env('worker').OUTBOUND_ALLOW_PRIVATE!)).toMatchObject({ kind: '-', rest: 'false' });
  });

  it('compose/standins.env turns the standins profile on and points the upstreams at its services', () => {
    const standins = envFile('compose/standins.env');
    expect(standins.COMPOSE_PROFILES).toBe('standins');
    for (const name of ['jimeng-sim', 'oss-server', 'bootstrap-dev-data'])
      expect(service(name).profiles).toEqual(['standins']);
    const unprofiled = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([n]) => n);
    expect(unprofiled.sort()).toEqual(
      [
        'api',
        'bootstrap',
        'migrate',
        'mysql',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(standins.JIMENG_BASE_URL).toBe(`http://jimeng-sim:${env('jimeng-sim').JIMENG_SIM_PORT}`);
    expect(standins.OSS_ENDPOINT).toBe(`http://oss-server:${env('oss-server').OSS_SIM_PORT}`);
    for (const key of ['OSS_BUCKET', 'OSS_ACCESS_KEY', 'OSS_SECRET'])
      expect([key, standins[key]]).toEqual([key, env('oss-server')[key]]);
    expect(standins.OUTBOUND_ALLOW_PRIVATE).toBe('true');
  });

  it("runs the Jimeng simulator faster than the real proxy, so README's first request (waiting 30 s) sees its image", () => {
    // The simulator's own defaults are the proxy's real latencies: images 30 s, videos about 3 min.
    const sim = env('jimeng-sim');
    const ms = (key: string) => Number(sim[key]);
    for (const key of [
      'JIMENG_SIM_IMAGE_LATENCY_MS',
      'JIMENG_SIM_COMPOSITION_LATENCY_MS',
      'JIMENG_SIM_VIDEO_DURATION_MS',
      'JIMENG_SIM_RETRY_DELAY_MS',
      'JIMENG_SIM_UPSTREAM_TIMEOUT_MS',
    ])
      expect(sim[key]).toMatch(/^[1-9]\d*$/);
    // An image call, or one failing after the proxy's 3 retries, well inside the first request's 30 s.
    expect(ms('JIMENG_SIM_IMAGE_LATENCY_MS')).toBeLessThan(10_000);
    expect(3 * ms('JIMENG_SIM_RETRY_DELAY_MS')).toBeLessThan(10_000);
    expect(ms('JIMENG_SIM_VIDEO_DURATION_MS')).toBeLessThan(60_000);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds and runs on Node 22 LTS, with the project build, and ships all of dist/', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev$/m);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

describe("README's Docker Compose section", () => {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Docker Compose\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  /** Each `docker compose …` line of the section's shell blocks, its comment cut off. */
  const commands = [...section.matchAll(/```bash\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .filter((line) => line.startsWith('docker compose '))
    .map((line) => line.replace(/\s+#.*$/, '').trim());

  it('exists and shows the commands to run, with and without the stand-ins', () => {
    expect(start).toBeGreaterThan(0);
    expect(commands).toEqual(
      expect.arrayContaining([
        'docker compose --env-file compose/standins.env up -d',
        'docker compose --env-file compose/standins.env logs bootstrap',
        'docker compose up -d',
        'docker compose logs bootstrap',
      ]),
    );
    // Stand-ins first, then the real upstreams, each starting before reading the key.
    const at = (command: string) => commands.indexOf(command);
    expect(at('docker compose --env-file compose/standins.env up -d')).toBeLessThan(
      at('docker compose --env-file compose/standins.env logs bootstrap'),
    );
    expect(at('docker compose up -d')).toBeLessThan(at('docker compose logs bootstrap'));
  });

  it('names only files, profiles and services the compose file has', () => {
    const profiles = new Set(Object.values(services).flatMap((s) => s.profiles ?? []));
    const subcommands = new Set(['up', 'logs', 'ps', 'run', 'down', 'stop']);
    for (const command of commands) {
      const words = command.split(/\s+/).slice(2);
      let i = 0;
      for (; i < words.length && !subcommands.has(words[i]!); i++) {
        const [flag, value] = [words[i], words[i + 1]!];
        if (flag === '--env-file' || flag === '-f')
          expect([command, existsSync(join(root, value))]).toEqual([command, true]);
        if (flag === '--profile') expect([command, profiles.has(value)]).toEqual([command, true]);
        if (flag?.startsWith('-')) i++;
      }
      expect([command, subcommands.has(words[i]!)]).toEqual([command, true]);
      const rest = words.slice(i + 1).filter((w) => !w.startsWith('-'));
      if (words[i] === 'logs' || words[i] === 'run')
        expect([command, services[rest[0]!] !== undefined]).toEqual([command, true]);
    }
    // The prose names the same profile and override file.
    expect(section).toContain('`standins` profile');
    expect(section).toContain('docker-compose.ports.yml');
    expect(existsSync(join(root, 'docker-compose.ports.yml'))).toBe(true);
  });

  it('says where the admin key is printed and how to replace a lost one', () => {
    expect(section).toContain('logs bootstrap');
    expect(section).toMatch(
      /run --rm --no-deps api node\s+dist\/scripts\/create-api-key\.js --owner operator --scope admin/,
    );
    expect(read('scripts/lib/bootstrap.ts')).toContain("owner: 'operator', scope: 'admin'");
  });

  it('lists what .env needs for the real upstreams: every setting compose requires', () => {
    const required = Object.values(env('worker'))
      .map(interpolation)
      .filter((i) => i?.kind === '?')
      .map((i) => i!.name);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(section).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
