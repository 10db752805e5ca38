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

  it('never echoes a secret value in its complaint', () => {
    const problems = problemsOf({ MYSQL_PASSWORD: '' });
    expect(problems).toEqual(['MYSQL_PASSWORD is malformed']);
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
