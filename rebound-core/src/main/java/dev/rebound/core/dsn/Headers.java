package dev.rebound.core.dsn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;

/**
 * An ordered list of header fields (RFC 5322 §2.2), names compared case-insensitively, values unfolded.
 * Also parses the "Name: value" blocks of a {@code message/delivery-status} body (RFC 3464 §2.1), which use
 * the same syntax, and {@code text/rfc822-headers} parts.
 */
record Headers(List<String[]> fields) {
    static final Headers EMPTY = new Headers(List.of());

    /** The first value of {@code name}, unfolded and trimmed, or "". */
    String get(String name) {
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) return f[1];
        }
        return "";
    }

    boolean has(String name) {
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) return true;
        }
        return false;
    }

    /** The value with RFC 2047 encoded words decoded (never throws). */
    String decoded(String name) {
        String v = get(name);
        if (v.indexOf("=?") < 0) return v;
        try {
            return DecoderUtil.decodeEncodedWords(v, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            return v;
        }
    }

    boolean isEmpty() {
        return fields.isEmpty();
    }

    static final class Builder {
        private final List<String[]> fields = new ArrayList<>();

        Builder add(String name, String value) {
            if (name == null) return this;
            fields.add(new String[] {name.trim(), unfold(value == null ? "" : value)});
            return this;
        }

        Headers build() {
            return new Headers(List.copyOf(fields));
        }
    }

    static String unfold(String v) {
        if (v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v.trim();
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n') {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ' ') sb.append(' ');
                while (i + 1 < v.length() && (v.charAt(i + 1) == ' ' || v.charAt(i + 1) == '\t'
                        || v.charAt(i + 1) == '\r' || v.charAt(i + 1) == '\n')) i++;
            } else {
                sb.append(c);
            }
        }
        return sb.toString().trim();
    }

    /**
     * Splits text into header blocks separated by blank lines; continuation lines (starting with white space)
     * are unfolded into the previous field. Lines without a colon are ignored.
     */
    static List<Headers> blocks(String text) {
        List<Headers> out = new ArrayList<>();
        List<String[]> cur = new ArrayList<>();
        for (String line : Lines.split(text)) {
            if (line.isBlank()) {
                if (!cur.isEmpty()) {
                    out.add(new Headers(List.copyOf(cur)));
                    cur = new ArrayList<>();
                }
                continue;
            }
            char c0 = line.charAt(0);
            if ((c0 == ' ' || c0 == '\t') && !cur.isEmpty()) {
                String[] last = cur.get(cur.size() - 1);
                last[1] = (last[1] + " " + line.trim()).trim();
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String name = line.substring(0, colon).trim();
            if (name.isEmpty() || name.indexOf(' ') >= 0) continue;
            // A second recipient without the blank line between the blocks (seen in the wild): start a new block.
            if ((name.equalsIgnoreCase("Final-Recipient") || name.equalsIgnoreCase("Original-Recipient"))
                    && hasField(cur, name)) {
                out.add(new Headers(List.copyOf(cur)));
                cur = new ArrayList<>();
            }
            cur.add(new String[] {name, line.substring(colon + 1).trim()});
        }
        if (!cur.isEmpty()) out.add(new Headers(List.copyOf(cur)));
        return out;
    }

    private static boolean hasField(List<String[]> fields, String name) {
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) return true;
        }
        return false;
    }

    /** All values of {@code name}, in order. */
    List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) out.add(f[1]);
        }
        return out;
    }

    /** Parses a single header block (e.g. a text/rfc822-headers part); stops at the first blank line. */
    static Headers parse(String text) {
        List<Headers> b = blocks(text);
        return b.isEmpty() ? EMPTY : b.get(0);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
