package dev.rebound.core.events;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Strict reading of provider JSON (RFC 8259): duplicate keys refused (a signed field must have one meaning),
 * every missing or mistyped field reported as a {@link Problem} naming its path and what was found.
 */
final class Payload {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Payload() {}

    /** A payload problem; thrown inside this package only and turned into a {@link Verification.Rejected}. */
    static final class Problem extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Problem(String message) {
            super(message, null, false, false);
        }
    }

    static JsonNode parse(byte[] bytes, String what) {
        if (bytes.length == 0) throw new Problem(what + " is empty; expected a JSON document");
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || n.isMissingNode()) throw new Problem(what + " is empty; expected a JSON document");
            return n;
        } catch (JacksonException e) {
            throw new Problem(what + " is not valid JSON (" + printable(oneLine(e.getOriginalMessage())) + "): starts with "
                    + quote(new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.UTF_8)));
        }
    }

    static JsonNode parse(String text, String what) {
        return parse(text.getBytes(StandardCharsets.UTF_8), what);
    }

    static String compact(JsonNode n) {
        return MAPPER.writeValueAsString(n);
    }

    static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) throw missing(path, field);
        if (!n.isObject()) throw wrongType(path, field, "an object", n);
        return n;
    }

    static Optional<JsonNode> optObject(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return Optional.empty();
        if (!n.isObject()) throw wrongType(path, field, "an object", n);
        return Optional.of(n);
    }

    static JsonNode array(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) throw missing(path, field);
        if (!n.isArray()) throw wrongType(path, field, "an array", n);
        return n;
    }

    static String string(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) throw missing(path, field);
        if (!n.isString()) throw wrongType(path, field, "a string", n);
        return n.stringValue();
    }

    /** A non-blank string. */
    static String text(JsonNode parent, String field, String path) {
        String s = string(parent, field, path);
        if (s.isBlank()) throw new Problem("field " + path + "." + field + " is empty");
        return s;
    }

    static String optString(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return "";
        if (!n.isString()) throw wrongType(path, field, "a string", n);
        return n.stringValue();
    }

    /** A string or a number, as text (providers disagree on codes and counters); "" when absent. */
    static String optScalar(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return "";
        if (n.isString()) return n.stringValue();
        if (n.isNumber()) return n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.decimalValue().toPlainString();
        throw wrongType(path, field, "a string or a number", n);
    }

    static boolean optBoolean(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw wrongType(path, field, "true or false", n);
        return n.booleanValue();
    }

    /** An ISO 8601 instant ({@code 2016-01-27T14:59:38.237Z}); empty when absent. */
    static Optional<Instant> optIsoInstant(JsonNode parent, String field, String path) {
        String s = optString(parent, field, path);
        if (s.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Instant.parse(s));
        } catch (DateTimeException e) {
            throw new Problem("field " + path + "." + field + " is not an ISO 8601 UTC time: " + quote(s));
        }
    }

    /** Unix seconds given as a number (possibly fractional) or a numeric string; empty when absent. */
    static Optional<Instant> optEpochSeconds(JsonNode parent, String field, String path) {
        String s = optScalar(parent, field, path);
        if (s.isEmpty()) return Optional.empty();
        return Optional.of(epochSeconds(s, path + "." + field));
    }

    static Instant epochSeconds(String s, String where) {
        try {
            BigDecimal d = new BigDecimal(s.trim());
            long secs = d.longValue();
            long nanos = d.subtract(BigDecimal.valueOf(secs)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(secs, nanos);
        } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
            throw new Problem(where + " is not a Unix time in seconds: " + quote(s));
        }
    }

    /**
     * The scalar members of an optional object, as text (custom data echoed back by providers). Best effort:
     * anything that is not an object gives an empty map, nested values are skipped; never a problem.
     */
    static java.util.Map<String, String> scalars(JsonNode parent, String field) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || !n.isObject()) return out;
        for (var e : n.properties()) {
            JsonNode v = e.getValue();
            if (v.isString()) out.put(e.getKey(), v.stringValue());
            else if (v.isNumber() || v.isBoolean()) out.put(e.getKey(), v.asString());
            else if (v.isArray() && !v.isEmpty() && v.get(0).isString()) out.put(e.getKey(), v.get(0).stringValue());
        }
        return out;
    }

    static Problem missing(String path, String field) {
        return new Problem("missing field " + path + "." + field);
    }

    static Problem wrongType(String path, String field, String expected, JsonNode found) {
        return new Problem("field " + path + "." + field + " must be " + expected + ", got " + kind(found) + " "
                + quote(found.isString() ? found.stringValue() : compact(found)));
    }

    static String kind(JsonNode n) {
        if (n.isObject()) return "an object";
        if (n.isArray()) return "an array";
        if (n.isString()) return "a string";
        if (n.isNumber()) return "a number";
        if (n.isBoolean()) return "a boolean";
        return "null";
    }

    static String quote(String s) {
        return "\"" + printable(abbreviate(s)) + "\"";
    }

    /**
     * {@code s} with every control character escaped ({@code \r}, {@code \n}, {@code \t}, else {@code \xNN}), so a
     * refusal reason quoting the sender's bytes is one printable line in a log or a JSON answer.
     */
    static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f) {
                if (sb != null) sb.append(c);
                continue;
            }
            if (sb == null) sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String oneLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
