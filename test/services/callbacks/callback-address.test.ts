import {
  CallbackAddressError,
  checkCallbackUrl,
  type CallbackAddressRefusal,
  type HostLookup,
} from '../../../services/callbacks/callback-address';
import { isPublicAddress } from '../../../domain/public-address';

/** A resolver that answers from a table and records what it was asked; no real DNS in these tests. */
function fakeLookup(table: Record<string, string[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    asked.push(host);
    const found = table[host];
    if (found === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    }
    return found;
  };
  return Object.assign(lookup, { asked });
}

async function refusal(
  url: string,
  opts: Parameters<typeof checkCallbackUrl>[1],
): Promise<CallbackAddressError> {
  const error: unknown = await checkCallbackUrl(url, opts).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CallbackAddressError)) throw new Error(`expected a CallbackAddressError for ${url}`);
  return error;
}

describe('isPublicAddress', () => {
  it.each([
    // public
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['172.32.0.1', true], // just past 172.16/12
    ['100.128.0.1', true], // just past 100.64/10
    ['192.169.0.1', true],
    ['2606:2800:220:1:248:1893:25c8:1946', true],
    ['2a00:1450:4001:82f::200e', true],
    ['::ffff:93.184.216.34', true], // mapped public IPv4 reaches that public address
    ['2002:5db8:d822::1', true], // 6to4 of 93.184.216.34
    // loopback and unspecified
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['::1', false],
    ['::', false],
    // private
    ['10.0.0.1', false],
    ['10.255.255.255', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    // link-local, metadata
    ['169.254.169.254', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['febf::1', false],
    // CGNAT
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    // unique local, site-local
    ['fc00::1', false],
    ['fd12:3456:789a::1', false],
    ['fec0::1', false],
    // multicast, broadcast, reserved, documentation, benchmarking
    ['224.0.0.1', false],
    ['239.255.255.250', false],
    ['255.255.255.255', false],
    ['240.0.0.1', false],
    ['192.0.2.1', false],
    ['198.51.100.7', false],
    ['203.0.113.9', false],
    ['198.18.0.1', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    // IPv6 forms that carry a non-public IPv4 address
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.1.2.3', false],
    ['::ffff:169.254.169.254', false],
    ['64:ff9b::10.0.0.1', false], // NAT64
    ['2002:7f00:1::', false], // 6to4 of 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false], // Teredo hides its IPv4 address
    ['::127.0.0.1', false], // deprecated IPv4-compatible
    // not IP addresses at all
    ['', false],
    ['localhost', false],
    ['example.com', false],
    ['010.0.0.1', false],
    ['1.2.3', false],
    ['[::1]', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});

describe('checkCallbackUrl', () => {
  const strict = { allowPrivate: false };

  it.each<[string, CallbackAddressRefusal]>([
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
    const lookup = fakeLookup({ 'example.com': ['93.184.216.34'] });
    const error = await refusal(url, { ...strict, lookup });
    expect(error.reason).toBe(reason);
    expect(error.name).toBe('CallbackAddressError');
    expect(error).toBeInstanceOf(Error);
    expect(lookup.asked).toEqual([]);
  });

  it('refuses a host name that resolves to a private address', async () => {
    const lookup = fakeLookup({ 'hooks.example.com': ['10.0.0.7'] });
    const error = await refusal('https://hooks.example.com/done', { ...strict, lookup });
    expect(error.reason).toBe('non-public-address');
    expect(error.message).toBe('callback host hooks.example.com resolves to a non-public address');
    expect(lookup.asked).toEqual(['hooks.example.com']);
  });

  it('refuses a host name when any of its addresses is private, not only the first', async () => {
    const lookup = fakeLookup({
      'mixed.example.com': ['93.184.216.34', '2606:2800:220:1::1', '::ffff:127.0.0.1'],
    });
    const error = await refusal('https://mixed.example.com/', { ...strict, lookup });
    expect(error.reason).toBe('non-public-address');
  });

  it('passes a host name resolving to public addresses and returns them for the sender to pin', async () => {
    const lookup = fakeLookup({ 'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const checked = await checkCallbackUrl('https://example.com/hooks/done?token=abc', { ...strict, lookup });
    expect(checked.url).toBeInstanceOf(URL);
    expect(checked.url.href).toBe('https://example.com/hooks/done?token=abc');
    expect(checked.addresses).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
  });

  it('passes a public IP literal as its only address, without a lookup', async () => {
    const lookup = fakeLookup({});
    const checked = await checkCallbackUrl('http://93.184.216.34:8443/cb', { ...strict, lookup });
    expect(checked.addresses).toEqual(['93.184.216.34']);
    const v6 = await checkCallbackUrl('http://[2606:2800:220:1:248:1893:25c8:1946]/cb', {
      ...strict,
      lookup,
    });
    expect(v6.addresses).toEqual(['2606:2800:220:1:248:1893:25c8:1946']);
    expect(lookup.asked).toEqual([]);
  });

  it('removes duplicate answers', async () => {
    const lookup = fakeLookup({ 'example.com': ['93.184.216.34', '93.184.216.34'] });
    const checked = await checkCallbackUrl('https://example.com/', { ...strict, lookup });
    expect(checked.addresses).toEqual(['93.184.216.34']);
  });

  describe('with allowPrivate', () => {
    const relaxed = { allowPrivate: true };

    it('passes loopback and private literals', async () => {
      await expect(checkCallbackUrl('http://127.0.0.1:9/', relaxed)).resolves.toMatchObject({
        addresses: ['127.0.0.1'],
      });
      await expect(checkCallbackUrl('http://[::1]:9/', relaxed)).resolves.toMatchObject({
        addresses: ['::1'],
      });
      await expect(checkCallbackUrl('http://10.1.2.3/', relaxed)).resolves.toMatchObject({
        addresses: ['10.1.2.3'],
      });
    });

    it('resolves localhost like any other name', async () => {
      const lookup = fakeLookup({ localhost: ['127.0.0.1', '::1'] });
      const checked = await checkCallbackUrl('http://localhost:3000/cb', { ...relaxed, lookup });
      expect(checked.addresses).toEqual(['127.0.0.1', '::1']);
      expect(lookup.asked).toEqual(['localhost']);
    });

    it('still refuses other schemes and credentials', async () => {
      expect((await refusal('ftp://127.0.0.1/', relaxed)).reason).toBe('scheme');
      expect((await refusal('http://u:p@127.0.0.1/', relaxed)).reason).toBe('credentials');
    });
  });

  it('reports a failed lookup as unresolvable, with the error code and the cause', async () => {
    const lookup = fakeLookup({});
    const error = await refusal('https://nowhere.example/', { ...strict, lookup });
    expect(error.reason).toBe('unresolvable');
    expect(error.message).toBe('callback host nowhere.example did not resolve (ENOTFOUND)');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['no addresses', []],
    ['something that is not an IP address', ['example.net']],
  ])('reports a lookup answering %s as unresolvable', async (_label, answer) => {
    const lookup = fakeLookup({ 'odd.example.com': answer });
    expect((await refusal('https://odd.example.com/', { ...strict, lookup })).reason).toBe('unresolvable');
    // Even when private addresses are allowed: a non-IP answer would be resolved again when connecting.
    expect((await refusal('https://odd.example.com/', { allowPrivate: true, lookup })).reason).toBe(
      'unresolvable',
    );
  });

  it('keeps the query, the credentials and the raw input out of its messages', async () => {
    const messages = [
      (await refusal('http://admin:hunter2@example.com/x?token=s3cr3t', strict)).message,
      (await refusal('http://10.0.0.1/cb?token=s3cr3t', strict)).message,
      (await refusal('ftp://example.com/cb?token=s3cr3t', strict)).message,
      (await refusal('token=s3cr3t not a url', strict)).message,
    ];
    for (const message of messages) {
      expect(message).not.toContain('s3cr3t');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('admin');
    }
    expect(messages[0]).toBe('callback URL http://example.com/x must not carry user name or password');
  });
});
