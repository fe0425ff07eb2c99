package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The request body of one event (pure: the same outbox row gives the same bytes on every attempt and replay),
 * in the Standard Webhooks payload shape {@code {"type", "timestamp", "data"}} plus the event id (also sent as
 * {@code webhook-id}). {@code data} holds the evidence the outbox row was written with, under fixed names (null
 * when the event has no such field, is null or is the empty string); the rest of the row's evidence (attempt id,
 * MX host, evidence id, ...) goes to {@code data.details} under its own names, in the payload's order. The schema
 * is {@code WebhookEvent} in {@code /openapi.json}.
 *
 * <p>Written in one pass over the outbox payload's JSON text (RFC 8259), straight into the UTF-8 bytes of the
 * body, without a tree: every value is written as the package's {@link #JSON} mapper writes the value it reads
 * (its defaults in Jackson 3): no white space; strings with {@code \"}, {@code \\}, {@code \b \t \n \f \r}, other
 * control characters and unpaired surrogates as upper-case {@code \}{@code uXXXX}, everything else (also {@code /}
 * and non-ASCII) as UTF-8; integers as their digits ({@code -0} as {@code 0}); other numbers as the
 * {@code double} they round to ({@link Double#toString}, out of range as the strings {@code "Infinity"} and
 * {@code "-Infinity"}); of two members with one name the last value at the place of the first. Input outside
 * RFC 8259 (and deeper or longer numbers than Jackson's default {@link StreamReadConstraints}) is refused with an
 * {@link IllegalArgumentException} quoting where. The test suite checks byte equality with Jackson's tree.
 */
final class WebhookBody {
    /** The webhooks package's one JSON mapper. */
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The documented fields of {@code data}, in order. */
    static final List<String> FIELDS = List.of("message_id", "recipient_id", "recipient", "recipient_domain", "stream",
            "outcome", "reason", "rule_id", "smtp_code", "enhanced_code", "raw_reason", "provider", "provider_event",
            "source", "attempt", "decision", "decision_rule", "occurred_at", "next_attempt_at", "suppression");

    /** Fields filled from the event's own columns (their payload members are ignored). */
    private static final int MESSAGE_ID = 0;
    private static final int RECIPIENT_ID = 1;
    private static final int RECIPIENT = 2;
    private static final int STREAM = 4;

    /**
     * A payload member's place: the index of its field, or {@link #IGNORED} for a member that is neither copied nor a
     * detail (the column-filled fields, and {@code address}, which {@code recipient} carries); names absent are details.
     */
    private static final Map<String, Integer> PLACES;
    private static final int IGNORED = -1;
    /** {@code "name":} of each field, with the comma before all but the first. */
    private static final byte[][] HEADS = new byte[FIELDS.size()][];

    static {
        Map<String, Integer> places = new HashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            boolean fromColumns = i == MESSAGE_ID || i == RECIPIENT_ID || i == RECIPIENT || i == STREAM;
            places.put(FIELDS.get(i), fromColumns ? IGNORED : i);
            HEADS[i] = ((i == 0 ? "" : ",") + '"' + FIELDS.get(i) + "\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        places.put("address", IGNORED);
        PLACES = Map.copyOf(places);
    }

    private static final int MAX_DEPTH = StreamReadConstraints.defaults().getMaxNestingDepth();
    private static final int MAX_NUMBER = StreamReadConstraints.defaults().getMaxNumberLength();

    private WebhookBody() {}

    /** The webhook id of an event: {@code evt_} + the outbox id (stable across retries, redeliveries and replays). */
    public static String webhookId(WebhookStore.OutboxEvent e) {
        return "evt_" + e.id();
    }

    /** The body as a JSON tree (read back from {@link #bytes}). */
    public static ObjectNode json(WebhookStore.OutboxEvent e, String type) {
        return (ObjectNode) JSON.readTree(bytes(e, type));
    }

    /** The body's bytes: UTF-8 JSON, written in one pass over the outbox payload (see the class comment). */
    public static byte[] bytes(WebhookStore.OutboxEvent e, String type) {
        return new Writer(e).body(type);
    }

    /** One body: the payload text with a read position, and the bytes written so far. */
    private static final class Writer {
        private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        private final WebhookStore.OutboxEvent event;
        private final String in;
        private final int end;
        private int pos;
        private int depth;
        private byte[] out;
        private int len;

        Writer(WebhookStore.OutboxEvent event) {
            this.event = event;
            this.in = event.payload();
            this.end = in.length();
            // the payload's members and the fixed names, without growing for the usual evidence
            this.out = new byte[end + event.address().length() + event.messageId().length() + 448];
        }

        byte[] body(String type) {
            int[] fields = new int[FIELDS.size()]; // where each field's value starts in the payload, -1: absent
            Arrays.fill(fields, -1);
            Members details = null;
            whiteSpace();
            if (pos < end) {
                if (in.charAt(pos) == '{') {
                    Members payload = members();
                    details = new Members();
                    for (int k = 0; k < payload.count; k++) {
                        Integer place = PLACES.get(payload.names[k]);
                        if (place == null) details.add(payload.names[k], payload.values[k]);
                        else if (place != IGNORED) fields[place] = payload.values[k];
                    }
                } else {
                    value(false); // an array or a scalar: no fields, no details
                }
                whiteSpace();
                if (pos < end) throw refused("the end of the payload after its one value");
            }
            ascii("{\"id\":\"evt_");
            chars(event.id(), 0, event.id().length());
            ascii("\",\"type\":");
            string(type);
            ascii(",\"timestamp\":");
            string(event.createdAt().toString());
            ascii(",\"data\":{");
            for (int i = 0; i < HEADS.length; i++) {
                raw(HEADS[i]);
                switch (i) {
                    case MESSAGE_ID -> column(event.messageId());
                    case RECIPIENT_ID -> column(event.recipientId());
                    case RECIPIENT -> column(event.address());
                    case STREAM -> column(event.stream());
                    default -> {
                        int at = fields[i];
                        if (at < 0 || in.charAt(at) == 'n' || (in.charAt(at) == '"' && in.charAt(at + 1) == '"')) {
                            ascii("null");
                        } else {
                            pos = at;
                            value(true);
                        }
                    }
                }
            }
            ascii(",\"details\":{");
            if (details != null) writeMembers(details);
            ascii("}}}");
            return Arrays.copyOf(out, len);
        }

        private void column(String v) {
            if (v.isEmpty()) ascii("null");
            else string(v);
        }

        // ---- reading (RFC 8259), writing when emit ----------------------------------------------------------

        /** One value at {@link #pos}, checked; written when {@code emit}. Leaves {@link #pos} after it. */
        private void value(boolean emit) {
            if (pos >= end) throw refused("a value");
            char c = in.charAt(pos);
            switch (c) {
                case '{' -> object(emit);
                case '[' -> array(emit);
                case '"' -> {
                    int from = ++pos;
                    boolean escaped = skipString(false);
                    if (emit) {
                        if (escaped) string(unescape(from, pos - 1));
                        else string(in, from, pos - 1);
                    }
                }
                case 't' -> literal("true", emit);
                case 'f' -> literal("false", emit);
                case 'n' -> literal("null", emit);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) number(emit);
                    else throw refused("a value");
                }
            }
        }

        private void object(boolean emit) {
            Members m = members();
            if (!emit) return;
            int after = pos;
            ensure(1);
            out[len++] = '{';
            writeMembers(m);
            ensure(1);
            out[len++] = '}';
            pos = after;
        }

        /** The members of the object at {@link #pos} (checked), the last value of a repeated name at its first place. */
        private Members members() {
            enter();
            pos++;
            whiteSpace();
            Members m = new Members();
            if (pos < end && in.charAt(pos) == '}') {
                pos++;
                depth--;
                return m;
            }
            while (true) {
                if (pos >= end || in.charAt(pos) != '"') throw refused("a member name");
                int from = ++pos;
                String name = skipString(true) ? unescape(from, pos - 1) : in.substring(from, pos - 1);
                whiteSpace();
                expect(':');
                whiteSpace();
                int at = pos;
                value(false);
                m.put(name, at);
                whiteSpace();
                if (pos < end && in.charAt(pos) == ',') {
                    pos++;
                    whiteSpace();
                } else {
                    expect('}');
                    depth--;
                    return m;
                }
            }
        }

        private void writeMembers(Members m) {
            for (int k = 0; k < m.count; k++) {
                if (k > 0) {
                    ensure(1);
                    out[len++] = ',';
                }
                string(m.names[k]);
                ensure(1);
                out[len++] = ':';
                pos = m.values[k];
                value(true);
            }
        }

        private void array(boolean emit) {
            enter();
            pos++;
            if (emit) {
                ensure(1);
                out[len++] = '[';
            }
            whiteSpace();
            if (pos < end && in.charAt(pos) == ']') {
                pos++;
            } else {
                while (true) {
                    value(emit);
                    whiteSpace();
                    if (pos < end && in.charAt(pos) == ',') {
                        pos++;
                        whiteSpace();
                        if (emit) {
                            ensure(1);
                            out[len++] = ',';
                        }
                    } else {
                        expect(']');
                        break;
                    }
                }
            }
            if (emit) {
                ensure(1);
                out[len++] = ']';
            }
            depth--;
        }

        /**
         * Skips a string's content after its opening quote, checked; true when it has escapes. In a member name, as
         * Jackson reads names, an escaped high surrogate must be followed by an escaped low one, and an escaped low
         * surrogate must follow an escaped high one.
         */
        private boolean skipString(boolean name) {
            boolean escaped = false;
            while (true) {
                if (pos >= end) throw refused("the end of a string");
                char c = in.charAt(pos++);
                if (c == '"') return escaped;
                if (c < 0x20) {
                    pos--;
                    throw refused("a control character escaped (RFC 8259 §7)");
                }
                if (c == '\\') {
                    escaped = true;
                    char x = skipEscape();
                    if (name && Character.isSurrogate(x)) {
                        if (Character.isLowSurrogate(x)) throw refused("an escaped high surrogate before this low one in a member name");
                        if (pos >= end || in.charAt(pos) != '\\') throw refused("an escaped low surrogate after a high one in a member name");
                        pos++;
                        if (!Character.isLowSurrogate(skipEscape())) throw refused("a low surrogate after a high one in a member name");
                    }
                }
            }
        }

        /** Skips one escape after its backslash, checked, and returns the character it stands for. */
        private char skipEscape() {
            if (pos >= end) throw refused("an escape");
            char x = in.charAt(pos++);
            return switch (x) {
                case '"', '\\', '/' -> x;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    int v = 0;
                    for (int i = 0; i < 4; i++, pos++) {
                        char h = pos < end ? in.charAt(pos) : 0;
                        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                        if (d < 0) throw refused("four hex digits");
                        v = v << 4 | d;
                    }
                    yield (char) v;
                }
                default -> {
                    pos--;
                    throw refused("an escape (RFC 8259 §7)");
                }
            };
        }

        /** The text of a checked string's content {@code in[from, to)}. */
        private String unescape(int from, int to) {
            int after = pos;
            StringBuilder sb = new StringBuilder(to - from);
            pos = from;
            while (pos < to) {
                char c = in.charAt(pos++);
                sb.append(c == '\\' ? skipEscape() : c);
            }
            pos = after;
            return sb.toString();
        }

        private void literal(String word, boolean emit) {
            if (!in.startsWith(word, pos)) throw refused("a value");
            pos += word.length();
            if (emit) ascii(word);
        }

        private void number(boolean emit) {
            int from = pos;
            if (in.charAt(pos) == '-') pos++;
            int intFrom = pos;
            if (pos < end && in.charAt(pos) == '0') pos++;
            else if (digits() == 0) throw refused("a digit");
            int intDigits = pos - intFrom;
            boolean integer = true;
            if (pos < end && in.charAt(pos) == '.') {
                integer = false;
                pos++;
                if (digits() == 0) throw refused("a digit after the decimal point");
            }
            if (pos < end && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
                integer = false;
                pos++;
                if (pos < end && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) pos++;
                if (digits() == 0) throw refused("a digit of the exponent");
            }
            int size = integer ? intDigits : pos - intFrom;
            if (size > MAX_NUMBER) throw refused("a number of at most " + MAX_NUMBER + " digits");
            if (!emit) return;
            if (integer) {
                if (pos - from == 2 && in.charAt(from) == '-' && in.charAt(from + 1) == '0') ascii("0");
                else ascii(in, from, pos);
            } else {
                double d = Double.parseDouble(in.substring(from, pos));
                if (Double.isInfinite(d)) ascii(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
                else ascii(Double.toString(d));
            }
        }

        private int digits() {
            int from = pos;
            while (pos < end && in.charAt(pos) >= '0' && in.charAt(pos) <= '9') pos++;
            return pos - from;
        }

        private void whiteSpace() {
            while (pos < end) {
                char c = in.charAt(pos);
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
                pos++;
            }
        }

        private void expect(char c) {
            if (pos >= end || in.charAt(pos) != c) throw refused("'" + c + "'");
            pos++;
        }

        private void enter() {
            if (++depth > MAX_DEPTH) throw refused("at most " + MAX_DEPTH + " nested objects and arrays");
        }

        private IllegalArgumentException refused(String expected) {
            int from = Math.max(0, pos - 40);
            int to = Math.min(end, pos + 40);
            String around = in.substring(from, to).replaceAll("[^\\x20-\\x7e]", "?");
            return new IllegalArgumentException("the payload of outbox event " + event.id() + " is not the JSON the store writes: "
                    + expected + " expected at offset " + pos + " of " + end + ", near \"" + around
                    + "\"; the event cannot be sent until its row is repaired");
        }

        // ---- writing -----------------------------------------------------------------------------------

        private void string(String s) {
            string(s, 0, s.length());
        }

        /** {@code s[from, to)} as a JSON string. */
        private void string(String s, int from, int to) {
            ensure(1);
            out[len++] = '"';
            chars(s, from, to);
            ensure(1);
            out[len++] = '"';
        }

        /** {@code s[from, to)} as the content of a JSON string (see the class comment). */
        private void chars(String s, int from, int to) {
            ensure(to - from);
            for (int i = from; i < to; i++) {
                if (len > out.length - 6) ensure(6);
                char c = s.charAt(i);
                if (c < 0x80) {
                    if (c >= 0x20 && c != '"' && c != '\\') {
                        out[len++] = (byte) c;
                        continue;
                    }
                    out[len++] = '\\';
                    switch (c) {
                        case '"' -> out[len++] = '"';
                        case '\\' -> out[len++] = '\\';
                        case '\b' -> out[len++] = 'b';
                        case '\t' -> out[len++] = 't';
                        case '\n' -> out[len++] = 'n';
                        case '\f' -> out[len++] = 'f';
                        case '\r' -> out[len++] = 'r';
                        default -> hex(c);
                    }
                } else if (c < 0x800) {
                    out[len++] = (byte) (0xc0 | (c >> 6));
                    out[len++] = (byte) (0x80 | (c & 0x3f));
                } else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                        int cp = Character.toCodePoint(c, s.charAt(++i));
                        out[len++] = (byte) (0xf0 | (cp >> 18));
                        out[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                        out[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                        out[len++] = (byte) (0x80 | (cp & 0x3f));
                    } else {
                        out[len++] = '\\';
                        hex(c);
                    }
                } else {
                    out[len++] = (byte) (0xe0 | (c >> 12));
                    out[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                    out[len++] = (byte) (0x80 | (c & 0x3f));
                }
            }
        }

        /** {@code uXXXX} (after a backslash). */
        private void hex(char c) {
            out[len++] = 'u';
            out[len++] = HEX[c >> 12];
            out[len++] = HEX[(c >> 8) & 0xf];
            out[len++] = HEX[(c >> 4) & 0xf];
            out[len++] = HEX[c & 0xf];
        }

        private void ascii(String s) {
            ascii(s, 0, s.length());
        }

        private void ascii(String s, int from, int to) {
            ensure(to - from);
            for (int i = from; i < to; i++) out[len++] = (byte) s.charAt(i);
        }

        private void raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, out, len, b.length);
            len += b.length;
        }

        private void ensure(int more) {
            if (len + more > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, len + more));
        }
    }

    /** An object's members in order: names and where their values start in the payload. */
    private static final class Members {
        String[] names = new String[16];
        int[] values = new int[16];
        int count;

        /** A new name at the end; a repeated one keeps its place and takes the new value (as Jackson's ObjectNode). */
        void put(String name, int value) {
            for (int k = 0; k < count; k++) {
                if (names[k].equals(name)) {
                    values[k] = value;
                    return;
                }
            }
            add(name, value);
        }

        void add(String name, int value) {
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            values[count++] = value;
        }
    }
}
