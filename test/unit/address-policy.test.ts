import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { Agent, request } from "undici";
import {
  BlockedAddressError,
  checkUrlStatically,
  createAddressPolicy,
  createPinnedLookup,
  type LookupAll,
  resolveCheckedAddress,
  resolveCheckedAddresses,
} from "../../src/webhook/address-policy.ts";

/** A row checks either an IP literal (policy.blockReason) or a URL (checkUrlStatically). */
type Case = ({ ip: string } | { url: string }) & {
  name: string;
  allowed?: string[];
  requireHttps?: boolean;
  /** true = allowed; a RegExp = blocked with a matching reason. */
  expect: true | RegExp;
};

const cases: Case[] = [
  // IPv4 ranges
  { name: "0.0.0.0/8", ip: "0.1.2.3", expect: /'this network'/ },
  { name: "10/8", ip: "10.20.30.40", expect: /private network 10\./ },
  { name: "CGNAT 100.64/10", ip: "100.127.255.254", expect: /carrier-grade NAT/ },
  { name: "just outside CGNAT", ip: "100.128.0.1", expect: true },
  { name: "loopback 127/8", ip: "127.0.0.1", expect: /loopback/ },
  { name: "loopback 127.255.255.254", ip: "127.255.255.254", expect: /loopback/ },
  { name: "link-local 169.254/16", ip: "169.254.10.10", expect: /link-local/ },
  { name: "cloud metadata", ip: "169.254.169.254", expect: /metadata/ },
  { name: "172.16/12", ip: "172.31.255.255", expect: /private network 172\.16/ },
  { name: "just outside 172.16/12", ip: "172.32.0.1", expect: true },
  { name: "192.0.0/24", ip: "192.0.0.8", expect: /IETF protocol/ },
  { name: "TEST-NET-1", ip: "192.0.2.1", expect: /documentation/ },
  { name: "192.168/16", ip: "192.168.1.1", expect: /private network 192\.168/ },
  { name: "benchmarking 198.18/15", ip: "198.19.0.1", expect: /benchmarking/ },
  { name: "TEST-NET-2", ip: "198.51.100.7", expect: /documentation/ },
  { name: "TEST-NET-3", ip: "203.0.113.9", expect: /documentation/ },
  { name: "multicast 224/4", ip: "239.255.255.250", expect: /multicast/ },
  { name: "reserved 240/4", ip: "240.0.0.1", expect: /reserved/ },
  { name: "broadcast", ip: "255.255.255.255", expect: /broadcast/ },
  { name: "public IPv4", ip: "93.184.216.34", expect: true },
  { name: "public IPv4 8.8.8.8", ip: "8.8.8.8", expect: true },
  { name: "not an IP", ip: "example.com", expect: /not a valid IP/ },

  // IPv6 ranges
  { name: "unspecified ::", ip: "::", expect: /unspecified/ },
  { name: "loopback ::1", ip: "::1", expect: /loopback address ::1/ },
  { name: "loopback ::1 bracketed", ip: "[::1]", expect: /loopback/ },
  { name: "unique local fc00::/7", ip: "fd12:3456::1", expect: /unique local/ },
  { name: "link-local fe80::/10", ip: "fe80::1", expect: /link-local/ },
  { name: "link-local with zone id", ip: "fe80::1%eth0", expect: /link-local/ },
  { name: "site-local fec0::/10", ip: "fec0::1", expect: /site-local/ },
  { name: "multicast ff00::/8", ip: "ff02::1", expect: /multicast/ },
  { name: "documentation 2001:db8::/32", ip: "2001:db8::1", expect: /documentation/ },
  { name: "IPv4-mapped loopback (dotted)", ip: "::ffff:127.0.0.1", expect: /IPv4-mapped.*loopback/ },
  { name: "IPv4-mapped loopback (hex)", ip: "::ffff:7f00:1", expect: /IPv4-mapped.*127\.0\.0\.1/ },
  { name: "IPv4-mapped metadata", ip: "::ffff:169.254.169.254", expect: /IPv4-mapped.*link-local/ },
  { name: "IPv4-mapped public", ip: "::ffff:93.184.216.34", expect: true },
  { name: "IPv4-compatible private", ip: "::10.0.0.1", expect: /IPv4-compatible.*10\.0\.0\.1/ },
  { name: "IPv4-compatible public", ip: "::8.8.8.8", expect: true },
  { name: "NAT64 private", ip: "64:ff9b::a00:1", expect: /NAT64.*10\.0\.0\.1/ },
  { name: "NAT64 loopback (dotted)", ip: "64:ff9b::127.0.0.1", expect: /NAT64.*loopback/ },
  { name: "NAT64 public", ip: "64:ff9b::5db8:d822", expect: true },
  { name: "local-use NAT64 private", ip: "64:ff9b:1::c0a8:101", expect: /NAT64.*192\.168\.1\.1/ },
  { name: "local-use NAT64 public", ip: "64:ff9b:1::808:808", expect: true },
  { name: "6to4 private", ip: "2002:c0a8:0101::1", expect: /6to4.*192\.168\.1\.1/ },
  { name: "6to4 loopback", ip: "2002:7f00:1::", expect: /6to4.*127\.0\.0\.1/ },
  { name: "6to4 public", ip: "2002:5db8:d822::1", expect: true },
  // 2001:0:4136:e378:8000:63bf:3fff:fdd2 is RFC 4380's example; client 192.0.2.45 is documentation space.
  {
    name: "Teredo with blocked client",
    ip: "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    expect: /Teredo.*192\.0\.2\.45/,
  },
  // Client 127.0.0.1 -> ~0x7f000001 = 0x80fffffe
  { name: "Teredo with loopback client", ip: "2001:0:4136:e378::80ff:fffe", expect: /Teredo.*127\.0\.0\.1/ },
  // Client 93.184.216.34 -> ~0x5db8d822 = 0xa24727dd
  { name: "Teredo with public client", ip: "2001:0:4136:e378::a247:27dd", expect: true },
  { name: "public IPv6", ip: "2606:4700::1111", expect: true },
  { name: "public IPv6 (Google DNS)", ip: "2001:4860:4860::8888", expect: true },

  // Allowed-subnet exemptions
  { name: "allowed v4 subnet", ip: "127.0.0.1", allowed: ["127.0.0.0/8", "::1/128"], expect: true },
  { name: "allowed v6 subnet", ip: "::1", allowed: ["127.0.0.0/8", "::1/128"], expect: true },
  {
    name: "mapped address uses v4 allow list",
    ip: "::ffff:127.0.0.1",
    allowed: ["127.0.0.0/8"],
    expect: true,
  },
  {
    name: "mapped allow entry covers plain v4",
    ip: "10.1.2.3",
    allowed: ["::ffff:10.0.0.0/104"],
    expect: true,
  },
  {
    name: "allow list does not leak to other ranges",
    ip: "10.0.0.1",
    allowed: ["127.0.0.0/8"],
    expect: /10\./,
  },
  { name: "allowed v6 ULA subnet", ip: "fd00::5", allowed: ["fd00::/8"], expect: true },
  { name: "allowed single host", ip: "10.0.0.7", allowed: ["10.0.0.7"], expect: true },
  { name: "single host does not cover neighbour", ip: "10.0.0.8", allowed: ["10.0.0.7/32"], expect: /10\./ },
  { name: "host bits in allow entry are masked", ip: "127.9.9.9", allowed: ["127.0.0.1/8"], expect: true },

  // URLs: numeric host forms canonicalised by WHATWG URL
  { name: "URL dotted loopback", url: "http://127.0.0.1/hook", expect: /loopback/ },
  { name: "URL decimal host", url: "http://2130706433/", expect: /loopback/ },
  { name: "URL octal host", url: "http://0177.0.0.1/", expect: /loopback/ },
  { name: "URL hex host", url: "http://0x7f000001/", expect: /loopback/ },
  { name: "URL short host", url: "http://127.1/", expect: /loopback/ },
  { name: "URL trailing-dot host", url: "http://127.0.0.1./", expect: /loopback/ },
  { name: "URL 0 host", url: "http://0/", expect: /'this network'/ },
  { name: "URL userinfo trick", url: "http://good.com@127.0.0.1/", expect: /loopback/ },
  { name: "URL metadata", url: "http://169.254.169.254/latest/meta-data/", expect: /metadata/ },
  { name: "URL bracketed IPv6 loopback", url: "http://[::1]:8080/", expect: /loopback address ::1/ },
  { name: "URL bracketed mapped", url: "http://[::ffff:127.0.0.1]/", expect: /IPv4-mapped/ },
  {
    name: "URL localhost names the setting that exempts it",
    url: "http://localhost:3000/",
    expect:
      /loopback name; to deliver to it, add it to OUTBOUND_ALLOWED_SUBNETS \(e\.g\. 127\.0\.0\.0\/8,::1\/128\)$/,
  },
  {
    name: "URL private IP names the setting that exempts it",
    url: "http://10.1.2.3:8080/",
    expect: /10\.1\.2\.3 is not allowed: .*add it to OUTBOUND_ALLOWED_SUBNETS \(e\.g\. 10\.1\.2\.3\/32\)$/,
  },
  { name: "URL subdomain of localhost", url: "http://api.LOCALHOST./", expect: /loopback name/ },
  {
    name: "URL localhost when loopback allowed",
    url: "http://localhost/",
    allowed: ["127.0.0.0/8"],
    expect: true,
  },
  { name: "URL allowed loopback", url: "http://127.0.0.1:9000/", allowed: ["127.0.0.0/8"], expect: true },
  { name: "URL allowed v6 loopback", url: "http://[::1]:9000/", allowed: ["::1/128"], expect: true },
  { name: "URL public IPv4", url: "http://93.184.216.34/", expect: true },
  { name: "URL public IPv6", url: "https://[2606:4700::1111]/", expect: true },
  { name: "URL hostname passes static check", url: "https://example.com/webhooks", expect: true },

  // URLs: schemes and parsing
  { name: "file scheme", url: "file:///etc/passwd", expect: /scheme "file"/ },
  { name: "ftp scheme", url: "ftp://example.com/", expect: /scheme "ftp"/ },
  { name: "gopher scheme", url: "gopher://example.com:70/", expect: /scheme "gopher"/ },
  { name: "javascript scheme", url: "javascript:alert(1)", expect: /scheme "javascript"/ },
  { name: "data scheme", url: "data:text/plain,hi", expect: /scheme "data"/ },
  { name: "unparseable", url: "http://", expect: /not valid/ },
  { name: "not a URL", url: "not a url", expect: /not valid/ },
  { name: "http when https required", url: "http://example.com/", requireHttps: true, expect: /https/ },
  { name: "https when https required", url: "https://example.com/", requireHttps: true, expect: true },
];

function blockReasonFor(row: Case): string | null {
  const policy = createAddressPolicy(row.allowed ?? []);
  if ("ip" in row) {
    const reason = policy.blockReason(row.ip);
    assert.equal(policy.isAllowed(row.ip), reason === null, "isAllowed must agree with blockReason");
    return reason;
  }
  const result = checkUrlStatically(row.url, { requireHttps: row.requireHttps ?? false, policy });
  return result.ok ? null : result.reason;
}

test("address policy table", async (t) => {
  for (const row of cases) {
    await t.test(row.name, () => {
      const reason = blockReasonFor(row);
      if (row.expect === true) assert.equal(reason, null);
      else assert.match(reason ?? "<allowed>", row.expect);
    });
  }
});

test("checkUrlStatically returns the parsed URL", () => {
  const result = checkUrlStatically("https://user:pw@Example.COM:8443/a?b=1", {
    requireHttps: true,
    policy: createAddressPolicy([]),
  });
  assert.ok(result.ok);
  assert.equal(result.url.hostname, "example.com");
  assert.equal(result.url.port, "8443");
});

test("createAddressPolicy rejects malformed CIDRs with a clear message", () => {
  for (const entry of [
    "",
    "not-a-cidr",
    "10.0.0.0/33",
    "10.0.0/8",
    "10.0.0.0/",
    "/8",
    "10.0.0.0/8/8",
    "10.0.0.0/08",
    "10.0.0.0/-1",
    "::1/129",
    "fe80::/10%eth0",
    "example.com/32",
  ]) {
    assert.throws(
      () => createAddressPolicy(["127.0.0.0/8", entry]),
      (error: unknown) => error instanceof Error && error.message.includes(`Invalid subnet "${entry}"`),
      `expected ${JSON.stringify(entry)} to be rejected`,
    );
  }
  assert.doesNotThrow(() =>
    createAddressPolicy(["127.0.0.0/8", "::1/128", " 10.0.0.0/8 ", "0.0.0.0/0", "::/0"]),
  );
});

/** A resolver backed by a fixed table; unknown names fail like a real NXDOMAIN. */
function fakeResolver(records: Record<string, string[]>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = records[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe("resolveCheckedAddress", () => {
  const policy = createAddressPolicy([]);
  const lookup = fakeResolver({
    "public.test": ["93.184.216.34", "2606:4700::1111"],
    "mixed.test": ["93.184.216.34", "10.0.0.1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "v6.test": ["2606:4700::1111"],
    "empty.test": [],
  });

  test("a name resolving only to public addresses passes with the first address", async () => {
    assert.deepEqual(await resolveCheckedAddress("public.test", policy, lookup), {
      address: "93.184.216.34",
      family: 4,
    });
    assert.deepEqual(await resolveCheckedAddress("v6.test", policy, lookup), {
      address: "2606:4700::1111",
      family: 6,
    });
  });

  test("a name with any private address is blocked", async () => {
    await assert.rejects(resolveCheckedAddress("mixed.test", policy, lookup), (error: unknown) => {
      assert.ok(error instanceof BlockedAddressError);
      assert.equal(error.address, "10.0.0.1");
      assert.equal(error.hostname, "mixed.test");
      assert.match(error.message, /mixed\.test \(10\.0\.0\.1\).*private network/);
      return true;
    });
    await assert.rejects(resolveCheckedAddress("mapped.test", policy, lookup), BlockedAddressError);
  });

  test("IP literals are checked without a lookup", async () => {
    const calls = lookup.calls.length;
    assert.deepEqual(await resolveCheckedAddress("8.8.8.8", policy, lookup), {
      address: "8.8.8.8",
      family: 4,
    });
    assert.deepEqual(await resolveCheckedAddress("[2606:4700::1111]", policy, lookup), {
      address: "2606:4700::1111",
      family: 6,
    });
    await assert.rejects(resolveCheckedAddress("169.254.169.254", policy, lookup), BlockedAddressError);
    await assert.rejects(resolveCheckedAddress("[::1]", policy, lookup), BlockedAddressError);
    assert.equal(lookup.calls.length, calls);
  });

  test("localhost names are loopback regardless of the resolver", async () => {
    const calls = lookup.calls.length;
    await assert.rejects(resolveCheckedAddress("localhost", policy, lookup), BlockedAddressError);
    await assert.rejects(resolveCheckedAddress("evil.localhost", policy, lookup), BlockedAddressError);
    assert.equal(lookup.calls.length, calls);
  });

  test("resolver failures and empty answers are errors, not blocks", async () => {
    await assert.rejects(resolveCheckedAddress("missing.test", policy, lookup), /ENOTFOUND/);
    await assert.rejects(resolveCheckedAddress("empty.test", policy, lookup), /no addresses/);
  });

  test("allowed subnets exempt resolved addresses", async () => {
    const allowing = createAddressPolicy(["10.0.0.0/8"]);
    assert.deepEqual(await resolveCheckedAddress("mixed.test", allowing, lookup), {
      address: "93.184.216.34",
      family: 4,
    });
  });
});

describe("createPinnedLookup callback shapes", () => {
  const policy = createAddressPolicy([]);
  const pinned = createPinnedLookup(
    policy,
    fakeResolver({ "public.test": ["93.184.216.34"], "private.test": ["192.168.0.1"] }),
  );
  const call = (hostname: string, options: object) =>
    new Promise<unknown[]>((resolve) => pinned(hostname, options, (...args: unknown[]) => resolve(args)));

  test("all: true gets an array with the checked address", async () => {
    assert.deepEqual(await call("public.test", { all: true }), [
      null,
      [{ address: "93.184.216.34", family: 4 }],
    ]);
  });

  test("otherwise gets (err, address, family)", async () => {
    assert.deepEqual(await call("public.test", {}), [null, "93.184.216.34", 4]);
    assert.deepEqual(await call("public.test", { family: 4 }), [null, "93.184.216.34", 4]);
  });

  test("a blocked address is passed to the callback as the only argument", async () => {
    const args = await call("private.test", { all: true });
    assert.equal(args.length, 1);
    assert.ok(args[0] instanceof BlockedAddressError);
  });
});

/** undici may wrap connection errors; look through `cause` and AggregateError members. */
function findBlockedError(error: unknown, depth = 0): BlockedAddressError | undefined {
  if (error instanceof BlockedAddressError) return error;
  if (!(error instanceof Error) || depth > 10) return undefined;
  const nested = [error.cause, ...(error instanceof AggregateError ? error.errors : [])];
  for (const inner of nested) {
    const found = findBlockedError(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

test("undici Agent with a pinned lookup connects only to approved addresses", async () => {
  let received = 0;
  const server = createServer((_req, res) => {
    received++;
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const lookup = fakeResolver({ "receiver.test": ["127.0.0.1"] });

  const allowingAgent = new Agent({
    connect: { lookup: createPinnedLookup(createAddressPolicy(["127.0.0.0/8"]), lookup) },
  });
  const blockingAgent = new Agent({
    connect: { lookup: createPinnedLookup(createAddressPolicy([]), lookup) },
  });
  try {
    const response = await request(`http://receiver.test:${port}/`, { dispatcher: allowingAgent });
    assert.equal(response.statusCode, 200);
    assert.equal(await response.body.text(), "ok");
    assert.equal(received, 1);

    await assert.rejects(
      request(`http://receiver.test:${port}/`, { dispatcher: blockingAgent }),
      (error: unknown) => {
        const blocked = findBlockedError(error);
        assert.ok(blocked, `expected a BlockedAddressError in ${String(error)}`);
        assert.equal(blocked.address, "127.0.0.1");
        assert.equal(blocked.hostname, "receiver.test");
        return true;
      },
    );
    assert.equal(received, 1, "the blocked request must not reach the server");
    assert.deepEqual(new Set(lookup.calls), new Set(["receiver.test"]));
  } finally {
    await Promise.all([allowingAgent.close(), blockingAgent.close()]);
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }
});

describe("localhost with only one loopback family exempt", () => {
  const lookup = fakeResolver({ localhost: ["::1", "127.0.0.1"] });

  test("the resolver's loopback answers are filtered to the allowed ones", async () => {
    const v4Only = createAddressPolicy(["127.0.0.0/8"]);
    assert.deepEqual(await resolveCheckedAddresses("localhost", v4Only, lookup), [
      { address: "127.0.0.1", family: 4 },
    ]);
    const both = createAddressPolicy(["127.0.0.0/8", "::1/128"]);
    assert.deepEqual(await resolveCheckedAddresses("localhost", both, lookup), [
      { address: "::1", family: 6 },
      { address: "127.0.0.1", family: 4 },
    ]);
  });

  test("the pinned lookup hands every checked address to the socket (all: true)", async () => {
    const pinned = createPinnedLookup(createAddressPolicy(["127.0.0.0/8", "::1/128"]), lookup);
    const args = await new Promise<unknown[]>((resolve) =>
      pinned("localhost", { all: true }, (...result: unknown[]) => resolve(result)),
    );
    assert.deepEqual(args, [
      null,
      [
        { address: "::1", family: 6 },
        { address: "127.0.0.1", family: 4 },
      ],
    ]);
  });
});
