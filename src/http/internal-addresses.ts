// Addresses inside the machine or its network: loopback, link-local (169.254/16 holds the cloud
// metadata service), RFC 1918, IPv6 unique-local, and "this host" (0.0.0.0 and :: connect to
// loopback). A peer on the internet must not steer tocsin to them (a redirect to the metadata
// service, to a database on the LAN): see src/chat/matrix/matrix-fetch.ts.
import { BlockList, isIP } from "node:net";

const internal = new BlockList();
internal.addSubnet("0.0.0.0", 8, "ipv4");
internal.addSubnet("127.0.0.0", 8, "ipv4");
internal.addSubnet("10.0.0.0", 8, "ipv4");
internal.addSubnet("172.16.0.0", 12, "ipv4");
internal.addSubnet("192.168.0.0", 16, "ipv4");
internal.addSubnet("169.254.0.0", 16, "ipv4");
internal.addAddress("::", "ipv6");
internal.addAddress("::1", "ipv6");
internal.addSubnet("fc00::", 7, "ipv6");
internal.addSubnet("fe80::", 10, "ipv6");

/**
 * True for an address in those ranges (IPv4-mapped IPv6 ones too: BlockList checks ::ffff:a.b.c.d
 * against the IPv4 ranges), and for anything that is not an address at all (refused, never guessed).
 */
export function isInternalAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return internal.check(bare, "ipv4");
  if (family === 6) return internal.check(bare, "ipv6");
  return true;
}
