// Webhook targets are checked against private networks (SSRF): the host is resolved at delivery
// time, every address checked (IPv4, IPv6, mapped and encoded forms), and the request connects to
// the checked address itself — so a DNS answer cannot change between check and connect.
import dns from 'node:dns/promises';
import net from 'node:net';

// Classified with ipaddr.js, which keeps the special-purpose registries (loopback, private,
// link-local, CGNAT, 6to4, Teredo, NAT64, site-local, discard, documentation, multicast…): only
// what it calls "unicast" is public. IPv4-mapped addresses are judged by their IPv4 address.
import ipaddr from 'ipaddr.js';

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated): ipaddr.js calls it unicast, but it is an IPv4 address. */
const ipv4Compatible = ipaddr.parseCIDR('::/96');

/** Whether an IP address is private, loopback, link-local, metadata or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  if (!net.isIP(address)) return true;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isPrivateAddress(v6.toIPv4Address().toString());
    if (v6.match(ipv4Compatible)) return true;
  }
  return parsed.range() !== 'unicast';
}

export class BlockedTargetError extends Error {
  constructor(host: string, address: string) {
    super(
      `refused: ${host} resolves to ${address}, a private or internal address (an operator may allow it with WAYMARK_ALLOW_PRIVATE_HOSTS)`,
    );
    this.name = 'BlockedTargetError';
  }
}

/** Resolves the host and returns an address it may connect to, or throws BlockedTargetError. */
export async function checkedAddress(
  host: string,
  allowHosts: readonly string[],
): Promise<{ address: string; family: number }> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(bare)
    ? [{ address: bare, family: net.isIP(bare) }]
    : await dns.lookup(bare, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  if (!allowHosts.includes(host.toLowerCase())) {
    for (const { address } of addresses)
      if (isPrivateAddress(address)) throw new BlockedTargetError(host, address);
  }
  return addresses[0];
}
