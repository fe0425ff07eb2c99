package dev.rebound.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP network in CIDR notation ({@code 127.0.0.1/32}, {@code ::1/128}); a bare address means a single host. */
public record IpNetwork(byte[] address, int prefix, String text) {

    public static IpNetwork parseOrNull(String text) {
        if (text == null) return null;
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        // Literal addresses only: never resolve a name here.
        if (addr.isEmpty() || !(addr.matches("[0-9.]+") || addr.contains(":"))) return null;
        try {
            byte[] bytes = InetAddress.getByName(addr).getAddress();
            int max = bytes.length * 8;
            int prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
            if (prefix < 0 || prefix > max) return null;
            return new IpNetwork(bytes, prefix, t);
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    public boolean contains(InetAddress candidate) {
        byte[] c = candidate.getAddress();
        if (c.length != address.length) return false;
        int full = prefix / 8, rest = prefix % 8;
        for (int i = 0; i < full; i++) if (c[i] != address[i]) return false;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (c[full] & mask) == (address[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
