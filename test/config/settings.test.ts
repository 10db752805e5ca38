import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiPublicUrl, ConfigError, loadConfig, settings } from '../../config/settings';
import { renderEnvExample, renderMarkdownTable } from '../../scripts/config-docs';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('starts from documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.mysqlPort).toBe(3306);
    expect(config.temporalAddress).toBe('127.0.0.1:7233');
    expect(config.quotaTimeZone).toBe('Asia/Shanghai');
    expect(apiPublicUrl(config)).toBe('http://127.0.0.1:3000');
  });

  it('names every malformed variable at once, with the reason', () => {
    const problems = problemsOf({
      MYSQL_PORT: 'abc',
      TEMPORAL_ADDRESS: 'no-port',
      LOG_LEVEL: 'loud',
      QUOTA_TIME_ZONE: 'Mars/Base',
    });
    expect(problems).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'MYSQL_PORT must be a port number (1-65535), got "abc"',
      'TEMPORAL_ADDRESS must be host:port, got "no-port"',
      'QUOTA_TIME_ZONE must be an IANA time zone such as Asia/Shanghai, got "Mars/Base"',
    ]);
  });

  it('rejects an empty value and a port out of range', () => {
    expect(problemsOf({ MYSQL_HOST: ' ', API_PORT: '70000' })).toEqual([
      'MYSQL_HOST must not be empty',
      'API_PORT must be a port number (1-65535), got "70000"',
    ]);
  });

  it('reads API_TRUST_PROXY as a number of proxies: false (the default) none, true one', () => {
    expect(loadConfig({}).apiTrustProxy).toBe(0);
    expect(loadConfig({ API_TRUST_PROXY: 'true' }).apiTrustProxy).toBe(1);
    expect(loadConfig({ API_TRUST_PROXY: '2' }).apiTrustProxy).toBe(2);
    expect(loadConfig({ API_TRUST_PROXY: 'false' }).apiTrustProxy).toBe(0);
    expect(problemsOf({ API_TRUST_PROXY: 'yes' })).toEqual([
      'API_TRUST_PROXY must be false, true or a number of proxies, got "yes"',
    ]);
  });

  it('starts the API edge from bounded defaults: timeouts, limits, the gauges refresh', () => {
    const config = loadConfig({});
    expect({
      headers: config.apiHeadersTimeoutMs,
      request: config.apiRequestTimeoutMs,
      keepAlive: config.apiKeepAliveTimeoutMs,
      perAddress: config.apiRateLimitPerAddressPerMinute,
      metricsRefresh: config.apiMetricsRefreshMs,
    }).toEqual({
      headers: 10_000,
      request: 30_000,
      keepAlive: 5_000,
      perAddress: 1_200,
      metricsRefresh: 15_000,
    });
  });

  it('leaves API_NODE_ID empty by default (leased from MySQL) and takes any node id from 0 to 1023', () => {
    expect(loadConfig({}).apiNodeId).toBeUndefined();
    expect(loadConfig({ API_NODE_ID: '0' }).apiNodeId).toBe(0);
    expect(loadConfig({ API_NODE_ID: '1023' }).apiNodeId).toBe(1023);
    expect(problemsOf({ API_NODE_ID: '1024' })).toEqual([
      'API_NODE_ID must be empty or a node id from 0 to 1023, got "1024"',
    ]);
    expect(problemsOf({ API_NODE_ID: '-1' })).toEqual([
      'API_NODE_ID must be empty or a node id from 0 to 1023, got "-1"',
    ]);
  });

  it('drains the API for 5 s before it stops accepting, and cuts what is left at 25 s', () => {
    const config = loadConfig({});
    expect({ delay: config.apiDrainDelayMs, timeout: config.apiShutdownTimeoutMs }).toEqual({
      delay: 5_000,
      timeout: 25_000,
    });
    expect(loadConfig({ API_DRAIN_DELAY_MS: '0' }).apiDrainDelayMs).toBe(0);
    expect(problemsOf({ API_SHUTDOWN_TIMEOUT_MS: '0' })).toEqual([
      'API_SHUTDOWN_TIMEOUT_MS must be a positive integer, got "0"',
    ]);
  });

  it('never echoes a secret value in its complaint', () => {
    const problems = problemsOf({ MYSQL_PASSWORD: '' });
    expect(problems).toEqual(['MYSQL_PASSWORD is malformed']);
  });

  describe('with NODE_ENV=production', () => {
    const OWN_VALUES = {
      MYSQL_PASSWORD: 'db-password-of-our-own',
      OSS_ACCESS_KEY: 'LTAI-our-own',
      OSS_SECRET: 'oss-secret-of-our-own',
      CALLBACK_SIGNING_SECRET: 'legacy-secret-of-our-own',
      CALLBACK_SECRET_ENCRYPTION_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    };
    const refused = (name: string) =>
      `${name} is the development default, which NODE_ENV=production refuses: set your own`;

    it('refuses to start on any development default, naming each in one error', () => {
      let error: unknown;
      try {
        loadConfig({ NODE_ENV: 'production' });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        refused('MYSQL_PASSWORD'),
        refused('OSS_ACCESS_KEY'),
        refused('OSS_SECRET'),
        refused('CALLBACK_SIGNING_SECRET'),
        refused('CALLBACK_SECRET_ENCRYPTION_KEY'),
      ]);
      const message = (error as ConfigError).message;
      for (const name of Object.keys(OWN_VALUES)) expect(message).toContain(name);
    });

    it('refuses a default even when it is set explicitly, and names the alias it came through', () => {
      expect(
        problemsOf({
          ...OWN_VALUES,
          NODE_ENV: 'production',
          MYSQL_PASSWORD: 'jimeng',
          OSS_ACCESS_KEY: undefined,
          OSS_ACCESS_KEY_ID: 'dev-access-key',
          CALLBACK_SECRET_ENCRYPTION_KEY: 'amltZW5nLWZsb3cgZGV2IGtleSwgbm90IHNlY3JldCE=',
        }),
      ).toEqual([
        refused('MYSQL_PASSWORD'),
        refused('OSS_ACCESS_KEY_ID'),
        refused('CALLBACK_SECRET_ENCRYPTION_KEY'),
      ]);
    });

    it('names each default alone, and never echoes a value', () => {
      for (const name of Object.keys(OWN_VALUES)) {
        const problems = problemsOf({ ...OWN_VALUES, NODE_ENV: 'production', [name]: undefined });
        expect(problems).toEqual([refused(name)]);
      }
      const all = problemsOf({ NODE_ENV: 'production' }).join('\n');
      for (const value of [
        'jimeng',
        'dev-access-key',
        'dev-access-secret',
        'dev-callback-secret',
        'amltZW5n',
      ])
        expect(all).not.toContain(value);
    });

    it('starts with values of its own, and reports malformed ones with the defaults in the same error', () => {
      const config = loadConfig({ ...OWN_VALUES, NODE_ENV: 'production' });
      expect(config.nodeEnv).toBe('production');
      expect(config.callbackSecretEncryptionKey).toEqual(Buffer.from([...Array(32).keys()]));
      expect(
        problemsOf({ NODE_ENV: 'production', ...OWN_VALUES, OSS_SECRET: undefined, MYSQL_PORT: 'x' }),
      ).toEqual(['MYSQL_PORT must be a port number (1-65535), got "x"', refused('OSS_SECRET')]);
    });

    it('accepts the defaults outside production (development, test, anything else)', () => {
      for (const nodeEnv of [undefined, 'development', 'test', 'staging'])
        expect(problemsOf({ NODE_ENV: nodeEnv })).toEqual([]);
    });
  });

  it('refuses a callback secret encryption key that is not 32 bytes of base64, without echoing it', () => {
    expect(problemsOf({ CALLBACK_SECRET_ENCRYPTION_KEY: 'c2hvcnQ=' })).toEqual([
      'CALLBACK_SECRET_ENCRYPTION_KEY is malformed',
    ]);
  });

  it('uses API_PUBLIC_URL, without a trailing slash, for the URLs it hands out', () => {
    expect(apiPublicUrl(loadConfig({ API_PUBLIC_URL: 'https://api.example.com/' }))).toBe(
      'https://api.example.com',
    );
    expect(problemsOf({ API_PUBLIC_URL: 'ftp://x' })).toEqual([
      'API_PUBLIC_URL must be an http(s) URL, got "ftp://x"',
    ]);
  });

  it('has the same defaults in scripts/lib/common.sh as in config/settings.ts', () => {
    const shell = readFileSync(join(__dirname, '..', '..', 'scripts', 'lib', 'common.sh'), 'utf8');
    const shellDefaults = new Map(
      [...shell.matchAll(/^: "\$\{(\w+):=([^}]*)\}"$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(shellDefaults.size).toBeGreaterThan(5);
    for (const [name, value] of shellDefaults) {
      const setting = Object.values(settings).find((s) => s.env === name);
      expect({ name, value: setting?.default }).toEqual({ name, value });
    }
  });

  it('documents every variable in .env.example and README, rendered from the settings table', () => {
    const root = join(__dirname, '..', '..');
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toBe(renderEnvExample());
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(renderMarkdownTable());
    for (const setting of Object.values(settings)) expect(renderEnvExample()).toContain(`${setting.env}=`);
  });
});
