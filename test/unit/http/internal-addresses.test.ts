// Which addresses a homeserver's redirect may not lead tocsin to (src/http/internal-addresses.ts).
import { describe, expect, it } from "vitest";
import { isInternalAddress } from "../../../src/http/internal-addresses.ts";

describe("isInternalAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.31.255.255",
    "192.168.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "192.0.0.170",
    "198.18.0.1",
    "198.19.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "ff02::1",
    "0.0.0.0",
    "::",
    "::1",
    "[::1]",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::10.0.0.1",
    "64:ff9b:0:0:0:0:7f00:1",
    "2002:c0a8:0101::1",
    "2002:7f00:1::",
    // IPv4-compatible (::/96, deprecated: a host with a sit tunnel still sends them to the IPv4
    // address), SIIT-translated (::ffff:0:0/96), local-use NAT64 (64:ff9b:1::/48, RFC 8215: a
    // translator of one's own network) and site-local (fec0::/10, deprecated, still routed by some).
    "::7f00:1",
    "::127.0.0.1",
    "::a9fe:a9fe",
    "::ffff:0:7f00:1",
    "::ffff:0:a9fe:a9fe",
    "64:ff9b:1::a9fe:a9fe",
    "64:ff9b:1:ffff::1",
    "fec0::1",
    "not an address",
    "",
  ])("%s is internal", (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    "93.184.216.34",
    "100.128.0.1",
    "8.8.8.8",
    "2001:db8::1",
    "2606:4700::1111",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "::808:808",
  ])("%s is not", (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });
});
