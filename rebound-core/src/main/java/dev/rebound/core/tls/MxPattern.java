package dev.rebound.core.tls;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One {@code mx} pattern of an MTA-STS policy (RFC 8461 §3.2 {@code sts-policy-mx-value = ["*."] Domain},
 * Domain as in RFC 5321 §4.1.2), matched as RFC 8461 §4.1 says: case-insensitively, the wildcard {@code *.}
 * standing for exactly one leftmost label ({@code *.example.com} matches {@code mx1.example.com}, not
 * {@code example.com} nor {@code a.b.example.com}).
 *
 * @param pattern the pattern in lower case, e.g. {@code mail.example.com} or {@code *.example.net}
 */
public record MxPattern(String pattern) {
    private static final Pattern SYNTAX = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public MxPattern {
        pattern = pattern == null ? "" : pattern.toLowerCase(Locale.ROOT);
        if (pattern.length() > 253 || !SYNTAX.matcher(pattern).matches()) {
            throw new IllegalArgumentException("not an MTA-STS mx pattern ([\"*.\"] domain, RFC 8461 §3.2): \""
                    + pattern + "\"");
        }
    }

    /** Whether {@code mxHost} (a host name; a trailing dot is ignored) matches this pattern. */
    public boolean matches(String mxHost) {
        String h = mxHost == null ? "" : mxHost.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (!pattern.startsWith("*.")) return h.equals(pattern);
        String suffix = pattern.substring(1); // ".example.net"
        if (!h.endsWith(suffix)) return false;
        String label = h.substring(0, h.length() - suffix.length());
        return !label.isEmpty() && label.indexOf('.') < 0;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
