import ipaddr from 'ipaddr.js';

/** Why an address is not a webhook target unless the allow-list names it. */
export type RefusedRange = 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'reserved';

/** Cloud metadata services answer on these (AWS/GCP/Azure 169.254.169.254, AWS IPv6, Alibaba 100.100.100.200). */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

const RANGE_VERDICT: Record<string, RefusedRange | undefined> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  broadcast: 'reserved',
  reserved: 'reserved',
  multicast: 'reserved',
};

/** The range that makes an IP address an inside target, or undefined for a public address. */
export function refusedRange(address: string): RefusedRange | undefined {
  if (!ipaddr.isValid(address)) return 'reserved';
  let ip = ipaddr.parse(address);
  // ::ffff:127.0.0.1 is 127.0.0.1.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return 'metadata';
  return RANGE_VERDICT[ip.range()];
}

/**
 * Whether the allow-list (TELLTALE_WEBHOOK_ALLOW: addresses, CIDR ranges or host names) lets a
 * request to `host` resolved to `address` through.
 */
export function allowListed(allow: readonly string[], host: string, address: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const entry of allow) {
    const e = entry.trim().toLowerCase();
    if (!e) continue;
    if (e === name) return true;
    if (e.includes('/')) {
      try {
        const [range, bits] = ipaddr.parseCIDR(e);
        const ip = ipaddr.parse(address);
        if (ip.kind() === range.kind() && ip.match(range, bits)) return true;
      } catch {
        continue;
      }
    } else if (ipaddr.isValid(e) && ipaddr.isValid(address) && ipaddr.parse(e).toNormalizedString() === ipaddr.parse(address).toNormalizedString()) {
      return true;
    }
  }
  return false;
}

/** The refusal for a target, or undefined when it may be posted to. */
export function webhookTargetRefusal(allow: readonly string[], host: string, address: string): RefusedRange | undefined {
  const range = refusedRange(address);
  if (range === undefined || allowListed(allow, host, address)) return undefined;
  return range;
}
