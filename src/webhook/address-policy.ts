/**
 * SSRF protection for outgoing webhook deliveries.
 *
 * Tenants choose the URLs we POST to, so without a guard they could make Outbound talk to loopback
 * services, the cloud metadata endpoint or anything else on the internal network. Every address we
 * connect to is checked against a built-in list of non-public ranges; operators can exempt specific
 * CIDRs (OUTBOUND_ALLOWED_SUBNETS), e.g. to deliver to a receiver on the same host in tests.
 *
 * Checks happen twice: statically when an endpoint is saved (checkUrlStatically, for a friendly 422),
 * and at connect time (createPinnedLookup), because DNS answers can change between the two and a name
 * can resolve to a private address (DNS rebinding).
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface AddressPolicy {
  isAllowed(ip: string): boolean;
  /** Why the address is blocked, or null when it may be connected to. */
  blockReason(ip: string): string | null;
}

export class BlockedAddressError extends Error {
  readonly address: string;
  readonly hostname: string;
  readonly reason: string;

  constructor(address: string, reason: string, hostname: string = address) {
    const target = hostname === address ? address : `${hostname} (${address})`;
    super(`Refusing to connect to ${target}: ${reason}`);
    this.name = "BlockedAddressError";
    this.address = address;
    this.hostname = hostname;
    this.reason = reason;
  }
}

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

type Family = 4 | 6;

interface IpAddress {
  family: Family;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

interface Cidr {
  family: Family;
  /** Network address with the host bits cleared. */
  base: bigint;
  prefix: number;
}

const FAMILY_BITS: Record<Family, number> = { 4: 32, 6: 128 };
const LOW_32_BITS = 0xffff_ffffn;

// ---------------------------------------------------------------------------------------------------
// Parsing

/** `[::1]` is how IPv6 hosts appear in URLs; everything else in this module wants the bare form. */
function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function parseIPv4(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Expects text already validated by isIP(); handles `::` compression and a dotted-quad tail. */
function parseIPv6(text: string): bigint {
  const toGroups = (part: string): number[] => {
    if (part === "") return [];
    return part.split(":").flatMap((group) => {
      if (!group.includes(".")) return [Number.parseInt(group, 16)];
      const v4 = Number(parseIPv4(group));
      return [v4 >>> 16, v4 & 0xffff];
    });
  };
  const [headText = "", tailText] = text.split("::");
  const head = toGroups(headText);
  const tail = tailText === undefined ? [] : toGroups(tailText);
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Parses an IPv4 or IPv6 literal (brackets and zone ids tolerated); null when it is not one. */
function parseIp(text: string): IpAddress | null {
  const bare = stripBrackets(text);
  switch (isIP(bare)) {
    case 4:
      return { family: 4, value: parseIPv4(bare) };
    case 6: {
      // The zone (`fe80::1%eth0`) picks an interface; it does not change which address it is.
      const withoutZone = bare.split("%")[0] ?? bare;
      return { family: 6, value: parseIPv6(withoutZone) };
    }
    default:
      return null;
  }
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

function maskToPrefix(value: bigint, family: Family, prefix: number): bigint {
  const hostBits = BigInt(FAMILY_BITS[family] - prefix);
  return (value >> hostBits) << hostBits;
}

function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return (
    cidr.family === address.family && maskToPrefix(address.value, cidr.family, cidr.prefix) === cidr.base
  );
}

const MAPPED_V4: Cidr = { family: 6, base: 0xffff_0000_0000n, prefix: 96 };

/** `::ffff:a.b.c.d` is the same host as `a.b.c.d` to the socket layer, so it is judged as such. */
function unmapIPv4(address: IpAddress): IpAddress {
  return cidrContains(MAPPED_V4, address) ? { family: 4, value: address.value & LOW_32_BITS } : address;
}

/**
 * Parses `addr/prefix` (a bare address means a single host). Host bits are cleared rather than
 * rejected, so `127.0.0.1/8` means 127.0.0.0/8 as most network tools read it. Returns null when
 * malformed.
 */
function parseCidr(text: string): Cidr | null {
  const parts = text.trim().split("/");
  if (parts.length > 2) return null;
  const [addressText = "", prefixText] = parts;
  const address = parseIp(addressText);
  if (!address || addressText.includes("%")) return null;
  const bits = FAMILY_BITS[address.family];
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  // An IPv4-mapped IPv6 subnet is really an IPv4 subnet; storing it as one lets it match plain v4.
  if (address.family === 6 && prefix >= 96 && cidrContains(MAPPED_V4, address)) {
    const v4 = address.value & LOW_32_BITS;
    return { family: 4, base: maskToPrefix(v4, 4, prefix - 96), prefix: prefix - 96 };
  }
  return { family: address.family, base: maskToPrefix(address.value, address.family, prefix), prefix };
}

/** For the built-in tables, where a typo is a programming error. */
function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`Invalid built-in CIDR ${text}`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------------
// Built-in rules

interface Rule {
  range: Cidr;
  reason: string;
}

const rules = (entries: Array<[string, string]>): Rule[] =>
  entries.map(([range, reason]) => ({ range: cidr(range), reason }));

const IPV4_RULES = rules([
  ["0.0.0.0/8", "'this network' range 0.0.0.0/8"],
  ["10.0.0.0/8", "private network 10.0.0.0/8"],
  ["100.64.0.0/10", "carrier-grade NAT range 100.64.0.0/10"],
  ["127.0.0.0/8", "loopback range 127.0.0.0/8"],
  ["169.254.0.0/16", "link-local range 169.254.0.0/16 (includes cloud metadata endpoints)"],
  ["172.16.0.0/12", "private network 172.16.0.0/12"],
  ["192.0.0.0/24", "IETF protocol assignments range 192.0.0.0/24"],
  ["192.0.2.0/24", "documentation range 192.0.2.0/24"],
  ["192.168.0.0/16", "private network 192.168.0.0/16"],
  ["198.18.0.0/15", "benchmarking range 198.18.0.0/15"],
  ["198.51.100.0/24", "documentation range 198.51.100.0/24"],
  ["203.0.113.0/24", "documentation range 203.0.113.0/24"],
  ["224.0.0.0/4", "multicast range 224.0.0.0/4"],
  // 240/4 contains the limited broadcast address; it gets its own, more specific message.
  ["255.255.255.255/32", "broadcast address"],
  ["240.0.0.0/4", "reserved range 240.0.0.0/4"],
]);

const IPV6_RULES = rules([
  ["::/128", "unspecified address ::"],
  ["::1/128", "loopback address ::1"],
  ["fc00::/7", "unique local range fc00::/7"],
  ["fe80::/10", "link-local range fe80::/10"],
  // Deprecated, but still routed as site-internal by some networks.
  ["fec0::/10", "site-local range fec0::/10"],
  ["ff00::/8", "multicast range ff00::/8"],
  ["2001:db8::/32", "documentation range 2001:db8::/32"],
]);

interface EmbeddingRule {
  range: Cidr;
  name: string;
  /** Extracts the IPv4 address the packet would effectively reach. */
  embedded: (value: bigint) => bigint;
}

const low32 = (value: bigint): bigint => value & LOW_32_BITS;

/**
 * IPv6 ranges that carry an IPv4 address. Traffic to them ends up at (or is translated to) that IPv4
 * host, so they are exactly as dangerous as the embedded address. Checked after IPV6_RULES so that
 * `::` and `::1` (inside ::/96) report their own reason.
 */
const EMBEDDING_RULES: EmbeddingRule[] = [
  { range: MAPPED_V4, name: "IPv4-mapped", embedded: low32 },
  { range: cidr("::/96"), name: "IPv4-compatible", embedded: low32 },
  { range: cidr("64:ff9b::/96"), name: "NAT64", embedded: low32 },
  // RFC 8215 local-use NAT64; the translator's prefix length is operator-chosen, we assume the usual /96.
  { range: cidr("64:ff9b:1::/48"), name: "NAT64", embedded: low32 },
  { range: cidr("2002::/16"), name: "6to4", embedded: (value) => (value >> 80n) & LOW_32_BITS },
  // Teredo stores the client's IPv4 address bit-inverted in the last 32 bits.
  { range: cidr("2001::/32"), name: "Teredo", embedded: (value) => low32(value) ^ LOW_32_BITS },
];

function firstMatch(rulesToCheck: Rule[], address: IpAddress): string | null {
  return rulesToCheck.find((rule) => cidrContains(rule.range, address))?.reason ?? null;
}

function ipv4BlockReason(value: bigint): string | null {
  return firstMatch(IPV4_RULES, { family: 4, value });
}

function ipv6BlockReason(address: IpAddress): string | null {
  const direct = firstMatch(IPV6_RULES, address);
  if (direct) return direct;
  const embedding = EMBEDDING_RULES.find((rule) => cidrContains(rule.range, address));
  if (!embedding) return null;
  const v4 = embedding.embedded(address.value);
  const reason = ipv4BlockReason(v4);
  return reason ? `${embedding.name} address embedding ${formatIPv4(v4)}, ${reason}` : null;
}

function builtInBlockReason(address: IpAddress): string | null {
  return address.family === 4 ? ipv4BlockReason(address.value) : ipv6BlockReason(address);
}

// ---------------------------------------------------------------------------------------------------
// Policy

/**
 * Builds the policy from the operator's exemptions (OUTBOUND_ALLOWED_SUBNETS). Throws on a malformed
 * entry so that a typo fails at startup instead of silently blocking (or allowing) deliveries.
 */
export function createAddressPolicy(allowedSubnets: string[]): AddressPolicy {
  const allowed = allowedSubnets.map((entry) => {
    const parsed = parseCidr(entry);
    if (!parsed) {
      throw new Error(
        `Invalid subnet "${entry}" in allowed subnets: expected CIDR notation such as 10.0.0.0/8 or fd00::/8`,
      );
    }
    return parsed;
  });

  const isExempt = (address: IpAddress): boolean => {
    const candidates = [address, unmapIPv4(address)];
    return allowed.some((range) => candidates.some((candidate) => cidrContains(range, candidate)));
  };

  const blockReason = (ip: string): string | null => {
    const address = parseIp(ip);
    if (!address) return `"${ip}" is not a valid IP address`;
    if (isExempt(address)) return null;
    return builtInBlockReason(address);
  };

  return { blockReason, isAllowed: (ip) => blockReason(ip) === null };
}

/**
 * RFC 6761 reserves `localhost` and `*.localhost` for loopback, whatever a resolver might answer, so
 * they are judged as loopback without a lookup. Returns the block reason, or null.
 */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

function localhostBlockReason(hostname: string, policy: AddressPolicy): string | null {
  if (!isLocalhostName(hostname)) return null;
  if (policy.isAllowed("127.0.0.1") || policy.isAllowed("::1")) return null;
  return `"${hostname}" is a loopback name`;
}

// ---------------------------------------------------------------------------------------------------
// URL and DNS checks

export function checkUrlStatically(
  url: string,
  options: { requireHttps: boolean; policy: AddressPolicy },
): { ok: true; url: URL } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail("URL is not valid");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return fail(`URL scheme "${parsed.protocol.slice(0, -1)}" is not allowed; use http or https`);
  }
  if (options.requireHttps && parsed.protocol !== "https:") {
    return fail("URL must use https");
  }
  // new URL() has already canonicalised numeric hosts (2130706433, 0x7f000001, 127.1, ...) to dotted quads.
  const host = stripBrackets(parsed.hostname);
  if (host === "") return fail("URL has no host");
  // The fix is the operator's: say which setting exempts the address (a local receiver in development, say).
  const exempt = (example: string) =>
    `; to deliver to it, add it to OUTBOUND_ALLOWED_SUBNETS (e.g. ${example})`;
  if (isIP(host)) {
    const reason = options.policy.blockReason(host);
    const cidr = isIP(host) === 4 ? `${host}/32` : `${host}/128`;
    if (reason) return fail(`URL host ${host} is not allowed: ${reason}${exempt(cidr)}`);
  } else {
    const reason = localhostBlockReason(host, options.policy);
    if (reason) return fail(`URL host is not allowed: ${reason}${exempt("127.0.0.0/8,::1/128")}`);
  }
  return { ok: true, url: parsed };
}

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true });

/**
 * Resolves a host name and checks every address: any refused address blocks the name (a name that also points
 * inside the network is not trusted), except for `localhost` names, whose loopback addresses are filtered down to
 * the allowed ones (a resolver may answer both ::1 and 127.0.0.1 while only one is exempt). Returns the addresses
 * to connect to, in resolver order.
 */
export async function resolveCheckedAddresses(
  hostname: string,
  policy: AddressPolicy,
  lookup: LookupAll = defaultLookup,
): Promise<Array<{ address: string; family: 4 | 6 }>> {
  const host = stripBrackets(hostname);
  const literalFamily = isIP(host);
  if (literalFamily === 4 || literalFamily === 6) {
    const reason = policy.blockReason(host);
    if (reason) throw new BlockedAddressError(host, reason);
    return [{ address: host, family: literalFamily }];
  }

  const localhostReason = localhostBlockReason(host, policy);
  if (localhostReason) throw new BlockedAddressError(host, localhostReason);
  const loopbackName = isLocalhostName(host);

  const results = await lookup(host);
  if (results.length === 0) throw new Error(`DNS lookup for ${host} returned no addresses`);
  const allowed: Array<{ address: string; family: 4 | 6 }> = [];
  for (const { address } of results) {
    const reason = policy.blockReason(address);
    if (reason && !loopbackName) throw new BlockedAddressError(address, reason, host);
    // blockReason() accepted it, so it is a valid literal; trust isIP over the resolver's family field.
    if (!reason) allowed.push({ address, family: isIP(address) === 6 ? 6 : 4 });
  }
  const first = results[0];
  if (allowed.length === 0 && first) {
    throw new BlockedAddressError(first.address, policy.blockReason(first.address) ?? "not allowed", host);
  }
  return allowed;
}

/** The first address resolveCheckedAddresses() allows. */
export async function resolveCheckedAddress(
  hostname: string,
  policy: AddressPolicy,
  lookup: LookupAll = defaultLookup,
): Promise<{ address: string; family: 4 | 6 }> {
  const [first] = await resolveCheckedAddresses(hostname, policy, lookup);
  if (!first) throw new Error(`DNS lookup for ${hostname} returned no addresses`);
  return first;
}

/**
 * A `lookup` for net.connect / tls.connect (and undici's `connect` options) that answers with the one
 * address resolveCheckedAddress approved, so the socket connects to exactly the IP that was checked and
 * there is no second lookup to rebind.
 *
 * Note: Node skips `lookup` entirely when the host is already an IP literal, so callers must also run
 * checkUrlStatically (or resolveCheckedAddress) on the URL at send time to cover literal hosts.
 */
export function createPinnedLookup(
  policy: AddressPolicy,
  lookup: LookupAll = defaultLookup,
  // biome-ignore lint/suspicious/noExplicitAny: Node invokes the callback with two different shapes.
): (hostname: string, options: object, callback: (...args: any[]) => void) => void {
  return (hostname, options, callback) => {
    const wantsAll = (options as { all?: unknown }).all === true;
    // Every address handed to the socket was checked; with several (e.g. ::1 and 127.0.0.1 for localhost),
    // Node's happy-eyeballs connect tries them in turn.
    resolveCheckedAddresses(hostname, policy, lookup).then(
      (addresses) => {
        const [first] = addresses;
        if (wantsAll) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
        else callback(new Error(`no address for ${hostname}`));
      },
      (error: unknown) => callback(error),
    );
  };
}
