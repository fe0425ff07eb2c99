package dev.rebound.core.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An MTA-STS policy body, parsed strictly (RFC 8461 §3.2). The body is lines of {@code name: value}, each ended by
 * LF or CRLF (the last one may be unterminated):
 * <pre>
 * sts-policy-field   = name ":" *WSP value *WSP         name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 * version: STSv1                                          required, exactly this (case-sensitive)
 * mode: enforce | testing | none                          required
 * max_age: 1*10DIGIT                                      required; seconds, at most 31557600 (a longer one is cut to it)
 * mx: ["*."] Domain                                       at least once unless mode is none
 * </pre>
 * Unknown fields are ignored; a duplicated field other than {@code mx} keeps its first value (RFC 8461 §3.2).
 * Anything else is refused with the line quoted: a line without a colon or with leading white space, a bad name,
 * a control character (bare CR included), a blank line between fields (blank lines at the very end are
 * tolerated), more than {@value #MAX_BYTES} characters.
 *
 * @param mode   enforce, testing or none
 * @param mx     the allowed MX patterns, in policy order (empty only with mode none)
 * @param maxAge how long the policy may be cached after it was fetched
 */
public record StsPolicy(StsMode mode, List<MxPattern> mx, Duration maxAge) {
    /** The largest policy Rebound reads (RFC 8461 §3.3 lets senders cap the size; 64 KiB as common practice). */
    public static final int MAX_BYTES = 64 * 1024;
    /** The largest max_age (RFC 8461 §3.2: 31557600 seconds, one year). */
    public static final Duration MAX_AGE_LIMIT = Duration.ofSeconds(31_557_600);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");

    public StsPolicy {
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
        if (mx.isEmpty() && mode != StsMode.NONE) throw new IllegalArgumentException("a " + mode + " policy needs an mx pattern");
    }

    /** Whether {@code mxHost} matches one of the policy's patterns (RFC 8461 §4.1). */
    public boolean allows(String mxHost) {
        for (MxPattern p : mx) if (p.matches(mxHost)) return true;
        return false;
    }

    /** The outcome of parsing a policy body. */
    public sealed interface Parse {}

    /** A valid policy. */
    public record Valid(StsPolicy policy) implements Parse {}

    /** Not a valid policy: why, quoting the offending line. */
    public record Invalid(String problem) implements Parse {}

    /** Parses a policy body (the HTTPS response body as text). Never throws. */
    public static Parse parse(String body) {
        if (body == null) return new Invalid("no policy body");
        if (body.length() > MAX_BYTES) return new Invalid("policy of " + body.length() + " characters exceeds " + MAX_BYTES);
        String version = null, mode = null, maxAge = null;
        List<MxPattern> mx = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String text = stripTrailingBlankLines(body);
        if (text.isEmpty()) return new Invalid("empty policy body");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            String where = "line " + (i + 1) + " \"" + printable(line) + "\"";
            if (line.isEmpty()) return new Invalid("blank line between fields at line " + (i + 1));
            for (int k = 0; k < line.length(); k++) {
                char c = line.charAt(k);
                if ((c < 0x20 && c != '\t') || c == 0x7f) return new Invalid(where + ": control character 0x" + Integer.toHexString(c));
            }
            int colon = line.indexOf(':');
            if (colon < 0) return new Invalid(where + ": expected name: value");
            String name = line.substring(0, colon);
            if (!NAME.matcher(name).matches()) return new Invalid(where + ": bad field name \"" + printable(name) + "\"");
            String value = line.substring(colon + 1).strip();
            if (value.isEmpty()) return new Invalid(where + ": empty value");
            boolean first = seen.add(name);
            switch (name) {
                case "version" -> { if (first) version = value; }
                case "mode" -> { if (first) mode = value; }
                case "max_age" -> { if (first) maxAge = value; }
                case "mx" -> {
                    try {
                        mx.add(new MxPattern(value));
                    } catch (IllegalArgumentException e) {
                        return new Invalid(where + ": " + e.getMessage());
                    }
                }
                default -> {
                    // an extension field (RFC 8461 §3.2: unknown fields are ignored); its value has no control characters (checked)
                }
            }
        }
        if (version == null) return new Invalid("missing field version");
        if (!version.equals("STSv1")) return new Invalid("version \"" + printable(version) + "\" is not STSv1");
        if (mode == null) return new Invalid("missing field mode");
        StsMode m = switch (mode) {
            case "enforce" -> StsMode.ENFORCE;
            case "testing" -> StsMode.TESTING;
            case "none" -> StsMode.NONE;
            default -> null;
        };
        if (m == null) return new Invalid("mode \"" + printable(mode) + "\" is not enforce, testing or none");
        if (maxAge == null) return new Invalid("missing field max_age");
        if (!MAX_AGE.matcher(maxAge).matches()) return new Invalid("max_age \"" + printable(maxAge) + "\" is not 1 to 10 digits");
        Duration age = Duration.ofSeconds(Long.parseLong(maxAge));
        if (age.compareTo(MAX_AGE_LIMIT) > 0) age = MAX_AGE_LIMIT;
        if (mx.isEmpty() && m != StsMode.NONE) return new Invalid("a " + mode + " policy without an mx field");
        return new Valid(new StsPolicy(m, mx, age));
    }

    private static String stripTrailingBlankLines(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) end--;
        return s.substring(0, end);
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
