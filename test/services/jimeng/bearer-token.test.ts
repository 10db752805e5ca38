import { bearerTokenOf, proxySecretsOf, proxyUrlProblemOf } from '../../../services/jimeng/bearer-token';
import { redactSecrets } from '../../../services/jimeng/secret-masking';
import {
  PROXY_URL_MAX_LENGTH,
  maskProxyUrl,
  parseProxyUrl,
  proxyUrlProblem,
} from '../../../domain/jimeng/proxy-url';

/**
 * How the Jimeng proxy reads a bearer token (iptag/jimeng-api v1.9.6 src/api/controllers/core.ts:95-118),
 * written out here independently of the code under test: the token is trimmed, a proxy URL is recognised by
 * its scheme (case-insensitive) and cut at the last `@`, then a region prefix picks the site.
 */
function proxyReading(raw: string): { proxyUrl: string | null; region: string; sessionId: string } {
  const value = raw.trim();
  let token = value;
  let proxyUrl: string | null = null;
  const last = value.lastIndexOf('@');
  if (/^(https?|socks(?:4|5)?):\/\//i.test(value) && last > 0 && last < value.length - 1) {
    proxyUrl = value.slice(0, last);
    token = value.slice(last + 1);
  }
  const region = /^(us|hk|jp|sg)-/i.exec(token)?.[1]?.toLowerCase() ?? 'cn';
  return { proxyUrl, region, sessionId: region === 'cn' ? token : token.slice(3) };
}

describe('the bearer token', () => {
  it('is the session id alone without a proxy, behind the region prefix on other sites', () => {
    expect(bearerTokenOf('', 'sess-1')).toBe('sess-1');
    expect(bearerTokenOf('us-', 'sess-1', null)).toBe('us-sess-1');
    // An empty column (SQL by hand) is no proxy, not a token starting with "@".
    expect(bearerTokenOf('sg-', 'sess-1', '')).toBe('sg-sess-1');
  });

  it('puts the proxy URL and an @ in front, which the proxy cuts off again at the last @', () => {
    expect(bearerTokenOf('', 'sess-1', 'http://u:p@127.0.0.1:9')).toBe('http://u:p@127.0.0.1:9@sess-1');
    expect(bearerTokenOf('jp-', 'sess-1', 'socks5://proxy.example.com:1080')).toBe(
      'socks5://proxy.example.com:1080@jp-sess-1',
    );
    for (const [prefix, region] of [
      ['', 'cn'],
      ['us-', 'us'],
      ['hk-', 'hk'],
      ['jp-', 'jp'],
      ['sg-', 'sg'],
    ] as const) {
      for (const proxyUrl of [
        'http://u:p@127.0.0.1:9',
        'HTTPS://user%40corp:p%2Cw@proxy.example.com:8443',
        'socks://[::1]:1080',
        'socks4://10.0.0.1:1080',
        'socks5://brd-customer-x-zone-res-country-us-session-7:secret@brd.example.io:22225',
      ]) {
        expect(proxyUrlProblem(proxyUrl)).toBeUndefined();
        expect(proxyReading(bearerTokenOf(prefix, 'a1b2c3d4', proxyUrl))).toEqual({
          proxyUrl,
          region,
          sessionId: 'a1b2c3d4',
        });
      }
    }
  });
});

describe('the proxy URL', () => {
  it('accepts every scheme the proxy recognises, in any letter case, with or without credentials', () => {
    for (const url of [
      'http://host:1',
      'https://u:p@host.example.com:65535',
      'socks://h:1080',
      'socks4://h:1080',
      'socks5://u@h:1080',
      'SOCKS5://u:p@h:1080',
      `http://${'u'.repeat(PROXY_URL_MAX_LENGTH - 'http://@h:1'.length)}@h:1`,
    ])
      expect({ url, problem: proxyUrlProblem(url) }).toEqual({ url, problem: undefined });
    expect(parseProxyUrl('socks5://u:p@[2001:db8::1]:1080')).toEqual({
      ok: true,
      parts: { scheme: 'socks5', hasCredentials: true, host: '[2001:db8::1]', port: 1080 },
    });
  });

  it.each([
    ['', /empty/],
    ['ftp://h:21', /must start with http:\/\/, https:\/\/, socks:\/\/, socks4:\/\/ or socks5:\/\//],
    ['socks5h://h:1080', /must start with/],
    ['h:8080', /must start with/],
    ['http://h', /host:port/],
    ['http://:8080', /host:port/],
    ['http://h:8080/', /nothing after the port/],
    ['http://h:8080/path', /nothing after the port/],
    ['http://h:8080?x=1', /nothing after the port/],
    ['http://h:0', /1-65535/],
    ['http://h:65536', /1-65535/],
    ['http://u:p@ss@h:1', /at most one @/],
    ['http://u:p@h:1/@x', /at most one @/],
    ['http://@h:1', /user:password/],
    ['http://u:p#@h:1', /user:password/],
    ['http://u:p,q@h:1', /comma/],
    ['http://u: p@h:1', /printable ASCII without spaces/],
    [' http://h:1', /printable ASCII without spaces/],
    ['http://u:пароль@h:1', /printable ASCII/],
    ['http://h-:1', /host:port/],
    [`http://${'u'.repeat(PROXY_URL_MAX_LENGTH)}@h:1`, new RegExp(`at most ${PROXY_URL_MAX_LENGTH}`)],
  ])('refuses %j, saying why without quoting it', (url, why) => {
    const problem = proxyUrlProblem(url);
    expect(problem).toMatch(why);
    if (url.includes('u:p')) expect(problem).not.toContain('u:p');
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 8080, {}]) expect(proxyUrlProblem(value)).toMatch(/empty/);
  });

  it('is masked to scheme, host and port; a masked URL sent back is refused', () => {
    expect(maskProxyUrl('socks5://user:secret@proxy.example.com:1080')).toBe(
      'socks5://…@proxy.example.com:1080',
    );
    expect(maskProxyUrl('http://127.0.0.1:3128')).toBe('http://127.0.0.1:3128');
    expect(maskProxyUrl('https://u@[::1]:443')).toBe('https://…@[::1]:443');
    // A stored value the API would refuse (written by hand) cannot be split safely: nothing of it is shown.
    expect(maskProxyUrl('http://user:secret@h:1/x@y')).toBe('…');
    expect(proxyUrlProblem(maskProxyUrl('socks5://user:secret@proxy.example.com:1080'))).toMatch(
      /printable ASCII/,
    );
  });
});

describe("the client's view of the account's proxy URL", () => {
  it('no proxy (absent, null, empty) is no problem; a bad one is named as the account proxy, not quoted', () => {
    for (const none of [undefined, null, '']) expect(proxyUrlProblemOf(none)).toBeUndefined();
    expect(proxyUrlProblemOf('http://u:p@127.0.0.1:9')).toBeUndefined();
    const problem = proxyUrlProblemOf('http://user:secret@h:1/x@y');
    expect(problem).toMatch(/^the account's proxy URL is not usable: .*at most one @/);
    expect(problem).not.toContain('secret');
  });

  it('redacts the URL and its credentials part wherever they turn up, without hinting at the password', () => {
    const url = 'socks5://alice:s3cr3tpassw0rd@proxy.example.com:1080';
    expect(proxySecretsOf(url)).toEqual([url, 'alice:s3cr3tpassw0rd@proxy.example.com:1080']);
    expect(proxySecretsOf(null)).toEqual([]);
    expect(proxySecretsOf('')).toEqual([]);
    const text = redactSecrets(
      `connect via ${url} failed; SOCKS auth for alice:s3cr3tpassw0rd@proxy.example.com:1080 rejected`,
      proxySecretsOf(url),
    );
    expect(text).not.toContain('alice');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('w0rd');
  });
});
