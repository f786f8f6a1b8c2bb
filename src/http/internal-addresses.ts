// Addresses inside the machine or its network: loopback, link-local (169.254/16 holds the cloud
// metadata service), RFC 1918, carrier-grade NAT (100.64/10), IPv6 unique-local and link-local,
// "this host" (0.0.0.0 and :: connect to loopback), site-local and local-use NAT64, and the NAT64,
// 6to4, IPv4-compatible and SIIT forms of any of those. A peer on the internet must not steer
// tocsin to them (a redirect to the metadata service, to a database on the LAN): see
// src/chat/matrix/matrix-fetch.ts.
import { BlockList, isIP } from "node:net";

const internal = new BlockList();
internal.addSubnet("0.0.0.0", 8, "ipv4");
internal.addSubnet("127.0.0.0", 8, "ipv4");
internal.addSubnet("10.0.0.0", 8, "ipv4");
internal.addSubnet("172.16.0.0", 12, "ipv4");
internal.addSubnet("192.168.0.0", 16, "ipv4");
internal.addSubnet("169.254.0.0", 16, "ipv4");
// Shared address space (RFC 6598): carrier-grade NAT, and the pod/service networks of some clouds.
internal.addSubnet("100.64.0.0", 10, "ipv4");
// Not a peer on the internet either: IETF protocol assignments (192.0.0.0/24), the benchmarking
// range some internal networks use (198.18.0.0/15), multicast, and the reserved 240/4 with the
// broadcast address in it.
internal.addSubnet("192.0.0.0", 24, "ipv4");
internal.addSubnet("198.18.0.0", 15, "ipv4");
internal.addSubnet("224.0.0.0", 4, "ipv4");
internal.addSubnet("240.0.0.0", 4, "ipv4");
internal.addSubnet("ff00::", 8, "ipv6");
internal.addAddress("::", "ipv6");
internal.addAddress("::1", "ipv6");
internal.addSubnet("fc00::", 7, "ipv6");
internal.addSubnet("fe80::", 10, "ipv6");
// Site-local (deprecated, RFC 3879, still routed inside some networks).
internal.addSubnet("fec0::", 10, "ipv6");
// Local-use NAT64 (RFC 8215): a translator of the operator's own network, never a peer on the
// internet, and its IPv4 part sits where the prefix length puts it: the whole prefix is refused.
internal.addSubnet("64:ff9b:1::", 48, "ipv6");

/**
 * True for an address in those ranges (IPv4-mapped IPv6 ones too: BlockList checks ::ffff:a.b.c.d
 * against the IPv4 ranges), and for anything that is not an address at all (refused, never guessed).
 */
export function isInternalAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return internal.check(bare, "ipv4");
  if (family === 6) {
    if (internal.check(bare, "ipv6")) return true;
    const embedded = embeddedIpv4(bare);
    return embedded !== undefined && internal.check(embedded, "ipv4");
  }
  return true;
}

// IPv6 forms that carry an IPv4 address a gateway or the host itself connects to: NAT64
// (64:ff9b::/96, RFC 6052), 6to4 (2002::/16, RFC 3056), IPv4-compatible (::/96, deprecated: a host
// with a sit tunnel sends it to the IPv4 address) and SIIT-translated (::ffff:0:0/96, RFC 2765).
// Such an address reaches whatever its IPv4 part names, so it is internal when that part is.
function embeddedIpv4(ipv6: string): string | undefined {
  const words = ipv6Words(ipv6);
  if (words === undefined) return undefined;
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words;
  const zeroes = w1 === 0 && w2 === 0 && w3 === 0;
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return dotted(w6, w7);
  if (w0 === 0 && zeroes && w4 === 0 && w5 === 0) return dotted(w6, w7);
  if (w0 === 0 && zeroes && w4 === 0xffff && w5 === 0) return dotted(w6, w7);
  if (w0 === 0x2002) return dotted(w1, w2);
  return undefined;
}

type Words = [number, number, number, number, number, number, number, number];

/** The eight 16-bit words of a valid IPv6 address (isIP said so), its "::" and dotted tail expanded. */
function ipv6Words(ipv6: string): Words | undefined {
  let text = ipv6.split("%")[0] ?? "";
  const dottedTail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dottedTail) {
    const [a = 0, b = 0, c = 0, d = 0] = dottedTail.slice(1).map(Number);
    text = `${text.slice(0, dottedTail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const gap = text.indexOf("::");
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? "" : text.slice(gap + 2);
  const headWords = head ? head.split(":") : [];
  const tailWords = tail ? tail.split(":") : [];
  const missing = 8 - headWords.length - tailWords.length;
  if (gap < 0 ? missing !== 0 : missing < 0) return undefined;
  const words = [...headWords, ...new Array<string>(missing).fill("0"), ...tailWords].map((word) =>
    Number.parseInt(word, 16),
  );
  const valid = words.length === 8 && words.every((word) => word >= 0 && word <= 0xffff);
  return valid ? (words as Words) : undefined;
}

function dotted(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
