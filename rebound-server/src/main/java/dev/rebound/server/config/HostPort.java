package dev.rebound.server.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A host (name, IPv4, or bracketed IPv6) and a TCP port, written {@code host:port}. */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }

    /** Parses {@code host:port} or {@code [v6]:port}; null when the text is not of that shape. */
    public static HostPort parseOrNull(String text) {
        if (text == null) return null;
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) return null;
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty() || host.contains(" ")) return null;
        try {
            int port = Integer.parseInt(t.substring(colon + 1));
            if (port < 0 || port > 65535) return null;
            return new HostPort(host, port);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
