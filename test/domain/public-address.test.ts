import { isLinkLocalOrMetadataAddress, isPublicAddress } from '../../domain/public-address';

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

describe('isLinkLocalOrMetadataAddress', () => {
  it.each([
    // link-local, where most clouds answer metadata requests
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.254.255.255', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf:ffff::1', true],
    // metadata services outside link-local space
    ['100.100.100.200', true], // Alibaba Cloud
    ['fd00:ec2::254', true], // AWS over IPv6
    // IPv6 forms that carry one of them
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['64:ff9b::169.254.169.254', true],
    ['2002:a9fe:a9fe::1', true],
    ['::ffff:100.100.100.200', true],
    // the neighbours, and the private and loopback ranges development may reach
    ['169.253.255.255', false],
    ['169.255.0.1', false],
    ['100.100.100.201', false],
    ['100.64.0.1', false],
    ['fec0::1', false],
    ['fd00:ec2::253', false],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['192.168.1.1', false],
    ['::1', false],
    ['fd12:3456:789a::1', false],
    ['::ffff:127.0.0.1', false],
    ['93.184.216.34', false],
    // not IP addresses
    ['', false],
    ['metadata.google.internal', false],
    ['[fe80::1]', false],
  ])('%s → %s', (ip, expected) => {
    expect(isLinkLocalOrMetadataAddress(ip)).toBe(expected);
  });
});
