import { BlockList, isIP } from 'node:net';

/*
 * Which addresses are the public internet, and which must never be reached even in development. Pure (no DNS):
 * services/outbound/outbound-address-policy.ts applies them to every address a URL's host is or resolves to.
 */

/**
 * Whether connecting to `ip` leaves our network for the public internet. Not an IP literal → false: only
 * what is known to be public passes.
 */
export function isPublicAddress(ip: string): boolean {
  switch (isIP(ip)) {
    case 4:
      return !V4_NOT_PUBLIC.check(ip, 'ipv4');
    case 6:
      return isPublicV6(withoutZone(ip));
    default:
      return false;
  }
}

// IANA's special-purpose IPv4 registry: none of these ranges can hold a legitimate public receiver.
const V4_NOT_PUBLIC = blockList('ipv4', [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT, inside the provider's network
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, home of cloud metadata services (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast, deprecated
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
]);

// IPv6 is checked the other way round: only global unicast (2000::/3) can be public, which already excludes
// ::, ::1, fe80::/10 link-local, fc00::/7 unique local, fec0::/10 site-local, ff00::/8 multicast and
// everything unassigned. These are the non-public ranges inside 2000::/3.
const V6_GLOBAL_UNICAST = blockList('ipv6', [['2000::', 3]]);
const V6_NOT_PUBLIC = blockList('ipv6', [
  ['2001::', 23], // IETF protocol assignments: Teredo (hides an IPv4 address we cannot check), ORCHID...
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
]);

function isPublicV6(ip: string): boolean {
  const groups = ipv6Groups(ip);
  // Forms that carry an IPv4 address reach that address: judge them by it, or ::ffff:127.0.0.1 would pass.
  const embedded = embeddedIpv4(groups);
  if (embedded !== null) return isPublicAddress(embedded);
  return V6_GLOBAL_UNICAST.check(ip, 'ipv6') && !V6_NOT_PUBLIC.check(ip, 'ipv6');
}

/**
 * Whether `ip` is link-local or a cloud metadata service: refused even where loopback and private networks are
 * allowed (development), because a developer's machine is often a cloud VM whose metadata service hands out
 * its credentials to anything that asks. Not an IP literal → false.
 */
export function isLinkLocalOrMetadataAddress(ip: string): boolean {
  switch (isIP(ip)) {
    case 4:
      return V4_LINK_LOCAL_OR_METADATA.check(ip, 'ipv4');
    case 6: {
      const bare = withoutZone(ip);
      const embedded = embeddedIpv4(ipv6Groups(bare));
      if (embedded !== null) return isLinkLocalOrMetadataAddress(embedded);
      return V6_LINK_LOCAL_OR_METADATA.check(bare, 'ipv6');
    }
    default:
      return false;
  }
}

const V4_LINK_LOCAL_OR_METADATA = blockList('ipv4', [
  ['169.254.0.0', 16], // link-local: AWS, GCP, Azure and Oracle metadata at 169.254.169.254
  ['100.100.100.200', 32], // Alibaba Cloud's metadata service, inside carrier-grade NAT space
]);
const V6_LINK_LOCAL_OR_METADATA = blockList('ipv6', [
  ['fe80::', 10], // link-local
  ['fd00:ec2::254', 128], // AWS's IPv6 metadata endpoint, inside unique-local space
]);

function embeddedIpv4(groups: readonly number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroMiddle = g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d, IPv4-mapped: a dual-stack socket connects to the IPv4 address itself.
  if (g0 === 0 && g1 === 0 && zeroMiddle && g5 === 0xffff) return ipv4Of(g6, g7);
  // 64:ff9b::a.b.c.d, NAT64: the translator connects to the IPv4 address on our behalf.
  if (g0 === 0x64 && g1 === 0xff9b && zeroMiddle && g5 === 0) return ipv4Of(g6, g7);
  // 2002:aabb:ccdd::/48, 6to4: tunnelled to a.b.c.d.
  if (g0 === 0x2002) return ipv4Of(g1, g2);
  return null;
}

/** The eight 16-bit groups of a valid IPv6 address (callers check isIP first). */
function ipv6Groups(ip: string): number[] {
  const parse = (side: string): number[] =>
    side === ''
      ? []
      : side.split(':').flatMap((part) => {
          if (!part.includes('.')) return [parseInt(part, 16)];
          const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = ip.indexOf('::');
  if (gap === -1) return parse(ip);
  const head = parse(ip.slice(0, gap));
  const tail = parse(ip.slice(gap + 2));
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

// A zone (fe80::1%eth0) names an interface, not part of the address.
function withoutZone(ip: string): string {
  const zone = ip.indexOf('%');
  return zone === -1 ? ip : ip.slice(0, zone);
}

function blockList(type: 'ipv4' | 'ipv6', subnets: readonly (readonly [string, number])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets) list.addSubnet(network, prefix, type);
  return list;
}

// RFC 6761: resolvers may answer any *.localhost with loopback, whatever DNS says.
export function isLocalHostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}
