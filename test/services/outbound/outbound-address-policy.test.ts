import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  OutboundAddressError,
  checkOutboundUrl,
  checkRedirectTarget,
  pinnedLookup,
  requestCheckedUrl,
  type CheckedUrl,
  type HostLookup,
  type OutboundAddressPolicy,
  type OutboundAddressRefusal,
} from '../../../services/outbound/outbound-address-policy';
import { tableLookup } from '../../support/host-lookup';

async function refusal(promise: Promise<CheckedUrl>): Promise<OutboundAddressError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof OutboundAddressError)) throw new Error('expected an OutboundAddressError');
  return error;
}

const strict = { allowPrivate: false };
const relaxed = { allowPrivate: true };

describe('checkOutboundUrl', () => {
  it.each<[string, OutboundAddressRefusal]>([
    ['http://127.0.0.1:8080/', 'non-public-address'],
    ['http://2130706433/', 'non-public-address'], // 127.0.0.1 written as one number
    ['http://0x7f.0.0.1/', 'non-public-address'],
    ['http://10.1.2.3/', 'non-public-address'],
    ['http://172.20.0.5/', 'non-public-address'],
    ['http://192.168.0.10/', 'non-public-address'],
    ['http://100.64.1.1/', 'non-public-address'],
    ['http://169.254.169.254/latest/meta-data/', 'non-public-address'],
    ['http://0.0.0.0/', 'non-public-address'],
    ['http://[::1]/', 'non-public-address'],
    ['http://[::]/', 'non-public-address'],
    ['http://[fe80::1]/', 'non-public-address'],
    ['http://[fd00::1]/', 'non-public-address'],
    ['http://[::ffff:127.0.0.1]/', 'non-public-address'],
    ['http://[::ffff:a9fe:a9fe]/', 'non-public-address'], // 169.254.169.254
    ['http://224.0.0.1/', 'non-public-address'],
    ['http://localhost/', 'local-host-name'],
    ['http://LOCALHOST:3000/', 'local-host-name'],
    ['http://localhost./', 'local-host-name'],
    ['http://api.localhost/', 'local-host-name'],
    ['ftp://example.com/', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://example.com/', 'scheme'],
    ['http://user:pw@example.com/', 'credentials'],
    ['https://token@example.com/', 'credentials'],
    ['not a url', 'invalid-url'],
    ['/relative/path', 'invalid-url'],
  ])('refuses %s (%s) without resolving anything', async (url, reason) => {
    const lookup = tableLookup({ 'example.com': ['93.184.216.34'] });
    const error = await refusal(checkOutboundUrl(url, { ...strict, lookup }, 'callback'));
    expect(error.reason).toBe(reason);
    expect(error.resolved).toBe(false);
    expect(error.name).toBe('OutboundAddressError');
    expect(error).toBeInstanceOf(Error);
    expect(lookup.asked).toEqual([]);
  });

  // One address of every range that is not the public internet, as DNS could answer it for any name.
  it.each([
    ['0.0.0.0/8, this network', '0.1.2.3'],
    ['10.0.0.0/8, private', '10.0.0.5'],
    ['100.64.0.0/10, carrier-grade NAT', '100.64.0.1'],
    ['127.0.0.0/8, loopback', '127.0.0.1'],
    ['169.254.0.0/16, link-local and metadata', '169.254.169.254'],
    ['172.16.0.0/12, private', '172.31.255.255'],
    ['192.0.0.0/24, IETF protocol assignments', '192.0.0.8'],
    ['192.0.2.0/24, documentation', '192.0.2.1'],
    ['192.88.99.0/24, 6to4 relay', '192.88.99.1'],
    ['192.168.0.0/16, private', '192.168.1.1'],
    ['198.18.0.0/15, benchmarking', '198.19.0.1'],
    ['198.51.100.0/24, documentation', '198.51.100.7'],
    ['203.0.113.0/24, documentation', '203.0.113.9'],
    ['224.0.0.0/4, multicast', '239.255.255.250'],
    ['240.0.0.0/4, reserved and broadcast', '255.255.255.255'],
    ['::, unspecified', '::'],
    ['::1, loopback', '::1'],
    ['fe80::/10, link-local', 'fe80::1'],
    ['fc00::/7, unique local', 'fd12:3456:789a::1'],
    ['fec0::/10, site-local', 'fec0::1'],
    ['ff00::/8, multicast', 'ff02::1'],
    ['2001::/23, Teredo and other protocol assignments', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['2001:db8::/32, documentation', '2001:db8::1'],
    ['::ffff:0:0/96, IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['::ffff:0:0/96, IPv4-mapped metadata, hex form', '::ffff:a9fe:a9fe'],
    ['64:ff9b::/96, NAT64 of a private address', '64:ff9b::10.0.0.5'],
    ['2002::/16, 6to4 of loopback', '2002:7f00:1::'],
  ])('refuses a host name resolving into %s (%s)', async (_range, address) => {
    const lookup = tableLookup({ 'files.example.com': ['93.184.216.34', address] });
    const error = await refusal(
      checkOutboundUrl('https://files.example.com/a.png', { ...strict, lookup }, 'download'),
    );
    expect(error.reason).toBe('non-public-address');
    expect(error.resolved).toBe(true);
    expect(error.message).toBe('download host files.example.com resolves to a non-public address');
    expect(error.message).not.toContain(address);
  });

  it('refuses a host name that resolves to a private address', async () => {
    const lookup = tableLookup({ 'hooks.example.com': ['10.0.0.7'] });
    const error = await refusal(
      checkOutboundUrl('https://hooks.example.com/done', { ...strict, lookup }, 'callback'),
    );
    expect(error.reason).toBe('non-public-address');
    expect(error.message).toBe('callback host hooks.example.com resolves to a non-public address');
    expect(lookup.asked).toEqual(['hooks.example.com']);
  });

  it('refuses a host name when any of its addresses is private, not only the first', async () => {
    const lookup = tableLookup({
      'mixed.example.com': ['93.184.216.34', '2606:2800:220:1::1', '::ffff:127.0.0.1'],
    });
    const error = await refusal(
      checkOutboundUrl('https://mixed.example.com/', { ...strict, lookup }, 'callback'),
    );
    expect(error.reason).toBe('non-public-address');
  });

  it('passes a host name resolving to public IPv4 and IPv6 addresses and returns them to connect to', async () => {
    const lookup = tableLookup({ 'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const checked = await checkOutboundUrl(
      'https://example.com/hooks/done?token=abc',
      { ...strict, lookup },
      'callback',
    );
    expect(checked.url).toBeInstanceOf(URL);
    expect(checked.url.href).toBe('https://example.com/hooks/done?token=abc');
    expect(checked.addresses).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
  });

  it('passes a name resolving to the IPv4-mapped form of a public address', async () => {
    const lookup = tableLookup({ 'mapped.example.com': ['::ffff:93.184.216.34'] });
    const checked = await checkOutboundUrl('https://mapped.example.com/', { ...strict, lookup }, 'download');
    expect(checked.addresses).toEqual(['::ffff:93.184.216.34']);
  });

  it('passes a public IP literal as its only address, without a lookup', async () => {
    const lookup = tableLookup({});
    const checked = await checkOutboundUrl('http://93.184.216.34:8443/cb', { ...strict, lookup }, 'callback');
    expect(checked.addresses).toEqual(['93.184.216.34']);
    const v6 = await checkOutboundUrl(
      'http://[2606:2800:220:1:248:1893:25c8:1946]/cb',
      { ...strict, lookup },
      'callback',
    );
    expect(v6.addresses).toEqual(['2606:2800:220:1:248:1893:25c8:1946']);
    expect(lookup.asked).toEqual([]);
  });

  it('removes duplicate answers', async () => {
    const lookup = tableLookup({ 'example.com': ['93.184.216.34', '93.184.216.34'] });
    const checked = await checkOutboundUrl('https://example.com/', { ...strict, lookup }, 'callback');
    expect(checked.addresses).toEqual(['93.184.216.34']);
  });

  describe('with allowPrivate (development)', () => {
    it('passes loopback and private literals', async () => {
      for (const [url, address] of [
        ['http://127.0.0.1:9/', '127.0.0.1'],
        ['http://[::1]:9/', '::1'],
        ['http://10.1.2.3/', '10.1.2.3'],
        ['http://192.168.7.7/', '192.168.7.7'],
        ['http://[fd00::1]/', 'fd00::1'],
      ] as const) {
        await expect(checkOutboundUrl(url, relaxed, 'callback')).resolves.toMatchObject({
          addresses: [address],
        });
      }
    });

    it('resolves localhost like any other name', async () => {
      const lookup = tableLookup({ localhost: ['127.0.0.1', '::1'] });
      const checked = await checkOutboundUrl('http://localhost:3000/cb', { ...relaxed, lookup }, 'callback');
      expect(checked.addresses).toEqual(['127.0.0.1', '::1']);
      expect(lookup.asked).toEqual(['localhost']);
    });

    it.each([
      [
        'http://169.254.169.254/latest/meta-data/',
        'download address 169.254.169.254 is a link-local or cloud metadata address',
      ],
      [
        'http://100.100.100.200/latest/meta-data/',
        'download address 100.100.100.200 is a link-local or cloud metadata address',
      ],
      ['http://[fe80::1]/', 'download address fe80::1 is a link-local or cloud metadata address'],
      ['http://[fd00:ec2::254]/', 'download address fd00:ec2::254 is a link-local or cloud metadata address'],
      [
        'http://[::ffff:169.254.169.254]/',
        'download address ::ffff:a9fe:a9fe is a link-local or cloud metadata address',
      ],
    ])('still refuses the link-local or metadata literal %s', async (url, message) => {
      const error = await refusal(checkOutboundUrl(url, relaxed, 'download'));
      expect(error.reason).toBe('non-public-address');
      expect(error.message).toBe(message);
    });

    it('still refuses a host name resolving to a metadata address', async () => {
      const lookup = tableLookup({ 'metadata.google.internal': ['169.254.169.254'] });
      const error = await refusal(
        checkOutboundUrl(
          'http://metadata.google.internal/computeMetadata/v1/',
          { ...relaxed, lookup },
          'download',
        ),
      );
      expect(error.reason).toBe('non-public-address');
      expect(error.resolved).toBe(true);
      expect(error.message).toBe(
        'download host metadata.google.internal resolves to a link-local or cloud metadata address',
      );
    });

    it('still refuses other schemes and credentials', async () => {
      expect((await refusal(checkOutboundUrl('ftp://127.0.0.1/', relaxed, 'callback'))).reason).toBe(
        'scheme',
      );
      expect((await refusal(checkOutboundUrl('http://u:p@127.0.0.1/', relaxed, 'callback'))).reason).toBe(
        'credentials',
      );
    });
  });

  it('reports a failed lookup as unresolvable, with the error code and the cause', async () => {
    const lookup = tableLookup({});
    const error = await refusal(
      checkOutboundUrl('https://nowhere.example/', { ...strict, lookup }, 'callback'),
    );
    expect(error.reason).toBe('unresolvable');
    expect(error.resolved).toBe(true);
    expect(error.message).toBe('callback host nowhere.example did not resolve (ENOTFOUND)');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['no addresses', []],
    ['something that is not an IP address', ['example.net']],
  ])('reports a lookup answering %s as unresolvable', async (_label, answer) => {
    const lookup = tableLookup({ 'odd.example.com': answer });
    const url = 'https://odd.example.com/';
    expect((await refusal(checkOutboundUrl(url, { ...strict, lookup }, 'callback'))).reason).toBe(
      'unresolvable',
    );
    // Even when private addresses are allowed: a non-IP answer would be resolved again when connecting.
    expect((await refusal(checkOutboundUrl(url, { ...relaxed, lookup }, 'callback'))).reason).toBe(
      'unresolvable',
    );
  });

  it('keeps the query, the credentials and the raw input out of its messages', async () => {
    const messages = [
      (await refusal(checkOutboundUrl('http://admin:hunter2@example.com/x?token=s3cr3t', strict, 'callback')))
        .message,
      (await refusal(checkOutboundUrl('http://10.0.0.1/cb?token=s3cr3t', strict, 'callback'))).message,
      (await refusal(checkOutboundUrl('ftp://example.com/cb?token=s3cr3t', strict, 'callback'))).message,
      (await refusal(checkOutboundUrl('token=s3cr3t not a url', strict, 'callback'))).message,
    ];
    for (const message of messages) {
      expect(message).not.toContain('s3cr3t');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('admin');
    }
    expect(messages[0]).toBe('callback URL http://example.com/x must not carry user name or password');
  });
});

describe('checkRedirectTarget: every redirect hop is checked like the first URL', () => {
  const from = new URL('https://cdn.example.com/videos/a.mp4?sig=abc');
  const lookup = tableLookup({
    'cdn.example.com': ['93.184.216.34'],
    'mirror.example.com': ['2606:2800:220:1::7'],
    'internal.example.com': ['10.0.0.5'],
    'rebound.example.com': ['::ffff:10.0.0.5'],
  });
  beforeEach(() => {
    lookup.asked.length = 0;
  });

  it('resolves a relative Location against the URL it came from, and looks the host up again', async () => {
    const next = await checkRedirectTarget(from, '/videos/b.mp4', { ...strict, lookup }, 'download');
    expect(next.url.href).toBe('https://cdn.example.com/videos/b.mp4');
    expect(next.addresses).toEqual(['93.184.216.34']);
    expect(lookup.asked).toEqual(['cdn.example.com']);
  });

  it('passes a hop to another public host with that host’s addresses', async () => {
    const next = await checkRedirectTarget(
      from,
      '//mirror.example.com/b.mp4',
      { ...strict, lookup },
      'download',
    );
    expect(next.url.href).toBe('https://mirror.example.com/b.mp4');
    expect(next.addresses).toEqual(['2606:2800:220:1::7']);
  });

  it.each([
    ['a private literal', 'http://10.0.0.5/x', false],
    ['a name resolving to a private address', 'https://internal.example.com/x', true],
    ['a name resolving to a mapped private address', 'https://rebound.example.com/x', true],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/iam/', false],
    ['loopback over IPv6', 'http://[::1]:8080/', false],
  ])('refuses a hop to %s', async (_label, location, resolved) => {
    const error = await refusal(
      checkRedirectTarget(from, location, { ...strict, lookup }, 'download redirect'),
    );
    expect(error.reason).toBe('non-public-address');
    expect(error.resolved).toBe(resolved);
  });

  it('refuses a hop to another scheme or one carrying credentials', async () => {
    expect((await refusal(checkRedirectTarget(from, 'file:///etc/passwd', strict, 'download'))).reason).toBe(
      'scheme',
    );
    expect(
      (
        await refusal(
          checkRedirectTarget(from, 'https://u:p@cdn.example.com/', { ...strict, lookup }, 'download'),
        )
      ).reason,
    ).toBe('credentials');
  });

  it('refuses a hop to the metadata service even when private addresses are allowed', async () => {
    const error = await refusal(checkRedirectTarget(from, 'http://169.254.169.254/', relaxed, 'download'));
    expect(error.reason).toBe('non-public-address');
  });
});

describe('requestCheckedUrl: the connection goes to the checked address', () => {
  let server: Server;
  let port: number;
  const seen: IncomingMessage[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** First answer for the check, another for any later question: a rebinding resolver. */
  function rebindingLookup(first: string, later: string): HostLookup & { asked: string[] } {
    const asked: string[] = [];
    const lookup = async (host: string): Promise<string[]> => {
      asked.push(host);
      return [asked.length === 1 ? first : later];
    };
    return Object.assign(lookup, { asked });
  }

  it('reaches the address the check resolved, with the host name in Host, and asks DNS only once', async () => {
    // rebind.test exists in no real DNS, and the second answer leads nowhere: only the pinned address works.
    const lookup = rebindingLookup('127.0.0.1', '10.255.255.1');
    const policy: OutboundAddressPolicy = { allowPrivate: true, lookup };
    const checked = await checkOutboundUrl(`http://rebind.test:${port}/file?sig=1`, policy, 'download');
    const body = await new Promise<string>((resolve, reject) => {
      const req = requestCheckedUrl(checked, { method: 'GET' }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('ok');
    expect(lookup.asked).toEqual(['rebind.test']);
    const got = seen.at(-1);
    expect(got?.headers.host).toBe(`rebind.test:${port}`);
    expect(got?.url).toBe('/file?sig=1');
  });

  it('connects to the checked public address even if DNS would now answer loopback', async () => {
    const lookup = rebindingLookup('93.184.216.34', '127.0.0.1');
    const checked = await checkOutboundUrl(
      `http://rebind.example.com:${port}/`,
      { ...strict, lookup },
      'download',
    );
    const before = seen.length;
    // The socket reports where it is about to connect; the request is dropped there, so no network is needed.
    const target = await new Promise<string>((resolve, reject) => {
      const req = requestCheckedUrl(checked, { method: 'GET' }, () => undefined);
      req.on('socket', (socket) => {
        socket.once('lookup', (error: Error | null, address: string) => {
          req.destroy();
          if (error) reject(error);
          else resolve(address);
        });
      });
      req.on('error', () => undefined);
      req.end();
    });
    expect(target).toBe('93.184.216.34');
    expect(lookup.asked).toEqual(['rebind.example.com']);
    expect(seen.length).toBe(before);
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup(['93.184.216.34', '2606:2800:220:1::1']);
  const ask = (options: Parameters<typeof lookup>[1]) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family: unknown }>((resolve) => {
      lookup('any.example.com', options, (error, address, family) => resolve({ error, address, family }));
    });

  it('answers the first checked address, or the first of the family asked for', async () => {
    expect(await ask({})).toMatchObject({ error: null, address: '93.184.216.34', family: 4 });
    expect(await ask({ family: 6 })).toMatchObject({ error: null, address: '2606:2800:220:1::1', family: 6 });
    expect(await ask({ family: 'IPv4' })).toMatchObject({ error: null, address: '93.184.216.34' });
  });

  it('answers every checked address when asked for all (autoSelectFamily)', async () => {
    expect((await ask({ all: true })).address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it('answers ENOTFOUND for a family it has no checked address of, rather than asking DNS', async () => {
    const v4only = pinnedLookup(['93.184.216.34']);
    const answer = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      v4only('any.example.com', { family: 6 }, (error) => resolve(error));
    });
    expect(answer?.code).toBe('ENOTFOUND');
  });
});
