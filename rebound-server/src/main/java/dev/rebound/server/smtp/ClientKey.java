package dev.rebound.server.smtp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;

/**
 * Who a client is for the per-client limits: its IPv4 address, or the /64 of its IPv6 address (a host usually
 * holds a whole /64, RFC 6177 §2, so counting single IPv6 addresses would let one host pass as billions of clients).
 */
record ClientKey(String text) {
    static ClientKey of(InetAddress address) {
        if (address instanceof Inet4Address) return new ClientKey(address.getHostAddress());
        byte[] a = address.getAddress();
        HexFormat hex = HexFormat.of();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i += 2) s.append(hex.toHexDigits(a[i])).append(hex.toHexDigits(a[i + 1])).append(':');
        return new ClientKey(s.append(":/64").toString());
    }

    @Override
    public String toString() {
        return text;
    }
}
