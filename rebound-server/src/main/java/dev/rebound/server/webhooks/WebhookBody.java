package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The request body of one event (pure: the same outbox row gives the same bytes on every attempt and replay),
 * in the Standard Webhooks payload shape {@code {"type", "timestamp", "data"}} plus the event id (also sent as
 * {@code webhook-id}). {@code data} holds the evidence the outbox row was written with, under fixed names (null
 * when the event has no such field, or it is null or the empty string); the rest of the row's evidence (attempt
 * id, MX host, evidence id, ...) goes to {@code data.details} under its own names, in the payload's order. The
 * schema is {@code WebhookEvent} in {@code /openapi.json}.
 *
 * <p>Written in one pass over the outbox payload's JSON text (RFC 8259) without a tree: each piece (the id, the
 * type, the time, the columns, each payload member's name and value) is written once in its final UTF-8 form into
 * one buffer, then the body is put together from those pieces in the documented order, in an array of its exact
 * size. Every value is written as the package's {@link #JSON} mapper writes the value it reads (Jackson 3's
 * defaults): no white space; in strings {@code \"}, {@code \\}, {@code \b \t \n \f \r}, other control characters
 * and unpaired surrogates as upper-case {@code \}{@code uXXXX}, everything else (also {@code /} and non-ASCII) as
 * UTF-8; integers as their digits ({@code -0} as {@code 0}); other numbers as the {@code double} they round to
 * ({@link Double#toString}; out of its range as the strings {@code "Infinity"} and {@code "-Infinity"}); of
 * repeated names in an object the last value at the place of the first. Text outside RFC 8259, a member name with
 * an escaped surrogate that is not an escaped pair (which Jackson refuses), or more nesting or longer numbers than
 * Jackson's default {@link StreamReadConstraints} is refused with an {@link IllegalArgumentException} saying
 * where. {@code WebhookBodyTest} checks byte equality with the Jackson tree this replaced.
 */
final class WebhookBody {
    /** The webhooks package's one JSON mapper. */
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The documented fields of {@code data}, in order. */
    static final List<String> FIELDS = List.of("message_id", "recipient_id", "recipient", "recipient_domain", "stream",
            "outcome", "reason", "rule_id", "smtp_code", "enhanced_code", "raw_reason", "provider", "provider_event",
            "source", "attempt", "decision", "decision_rule", "occurred_at", "next_attempt_at", "suppression");

    /** Fields filled from the event's own columns (their payload members are neither copied nor details). */
    private static final int MESSAGE_ID = 0;
    private static final int RECIPIENT_ID = 1;
    private static final int RECIPIENT = 2;
    private static final int STREAM = 4;

    private WebhookBody() {}

    /** The webhook id of an event: {@code evt_} + the outbox id (stable across retries, redeliveries and replays). */
    public static String webhookId(WebhookStore.OutboxEvent e) {
        return "evt_" + e.id();
    }

    /** The body as a JSON tree ({@link #bytes} read back). */
    public static ObjectNode json(WebhookStore.OutboxEvent e, String type) {
        return (ObjectNode) JSON.readTree(bytes(e, type));
    }

    /** The body's bytes: UTF-8 JSON (see the class comment). */
    public static byte[] bytes(WebhookStore.OutboxEvent e, String type) {
        return new Writer(e.id(), e.payload()).body(e, type);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** One body: the payload's characters with a read position, and the pieces written so far. */
    private static final class Writer {
        private static final int MAX_DEPTH = StreamReadConstraints.defaults().getMaxNestingDepth();
        private static final int MAX_NUMBER = StreamReadConstraints.defaults().getMaxNumberLength();
        /** The last second written by the fast path for times: 9999-12-31T23:59:59Z (four-digit years). */
        private static final long LAST_FAST_SECOND = 253_402_300_799L;
        private static final byte[] HEX = ascii("0123456789ABCDEF");
        /** Per ASCII character: 0 written as it is, else the letter of its escape ({@code u}: {@code \}{@code u00XX}). */
        private static final byte[] ESCAPES = new byte[128];
        private static final byte[] ID = ascii("{\"id\":");
        private static final byte[] TYPE = ascii(",\"type\":");
        private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
        private static final byte[] DATA = ascii(",\"data\":{");
        private static final byte[] DETAILS = ascii(",\"details\":{");
        private static final byte[] NULL = ascii("null");
        private static final byte[] END = ascii("}}}");
        private static final byte[] COMMA = ascii(",");
        private static final byte[] COLON = ascii(":");
        /** {@code "name":} of each field, with the comma before all but the first. */
        private static final byte[][] HEADS = new byte[FIELDS.size()][];
        /**
         * The quoted names a payload member is looked up by, in an open-addressing table ({@link #slot}): each
         * documented field (its index; {@link #IGNORED} for those filled from the columns) and {@code address}
         * ({@link #IGNORED}: {@code recipient} carries it). Any other name is a detail.
         */
        private static final byte[][] NAMES = new byte[64][];
        private static final int[] NAME_PLACES = new int[64];
        private static final int IGNORED = -1;
        private static final int DETAIL = -2;
        /** A member is six ints: where its written name and value start and end, its place and its name's hash. */
        private static final int NAME_FROM = 0;
        private static final int NAME_TO = 1;
        private static final int VALUE_FROM = 2;
        private static final int VALUE_TO = 3;
        private static final int PLACE = 4;
        private static final int HASH = 5;
        private static final int MEMBER = 6;

        static {
            for (int c = 0; c < 0x20; c++) ESCAPES[c] = 'u';
            ESCAPES['\b'] = 'b';
            ESCAPES['\t'] = 't';
            ESCAPES['\n'] = 'n';
            ESCAPES['\f'] = 'f';
            ESCAPES['\r'] = 'r';
            ESCAPES['"'] = '"';
            ESCAPES['\\'] = '\\';
            for (int i = 0; i < FIELDS.size(); i++) {
                HEADS[i] = ascii((i == 0 ? "" : ",") + '"' + FIELDS.get(i) + "\":");
                boolean fromColumns = i == MESSAGE_ID || i == RECIPIENT_ID || i == RECIPIENT || i == STREAM;
                name(FIELDS.get(i), fromColumns ? IGNORED : i);
            }
            name("address", IGNORED);
        }

        private static void name(String name, int place) {
            byte[] quoted = ascii('"' + name + '"');
            int i = slot(quoted, 0, quoted.length);
            while (NAMES[i] != null) i = (i + 1) & 63;
            NAMES[i] = quoted;
            NAME_PLACES[i] = place;
        }

        private static int slot(byte[] b, int from, int to) {
            return (b[from + 1] * 31 + b[to - 2] * 7 + to - from) & 63;
        }

        private final String eventId;
        private final char[] in;
        private final int end;
        private int pos;
        private int depth;
        /** The pieces written so far. */
        private byte[] buf;
        private int len;

        Writer(String eventId, String payload) {
            this.eventId = eventId;
            this.in = payload.toCharArray();
            this.end = in.length;
            this.buf = new byte[end + 200];
        }

        byte[] body(WebhookStore.OutboxEvent e, String type) {
            int idFrom = len;
            ensure(5);
            buf[len++] = '"';
            buf[len++] = 'e';
            buf[len++] = 'v';
            buf[len++] = 't';
            buf[len++] = '_';
            chars(e.id());
            put('"');
            int typeFrom = len;
            text(type);
            int timeFrom = len;
            instant(e.createdAt());
            int timeTo = len;
            int[] fields = new int[2 * FIELDS.size()]; // where each field's value starts and ends; empty: null
            column(fields, MESSAGE_ID, e.messageId());
            column(fields, RECIPIENT_ID, e.recipientId());
            column(fields, RECIPIENT, e.address());
            column(fields, STREAM, e.stream());
            Members top = null;
            whiteSpace();
            if (pos < end) {
                if (in[pos] == '{') {
                    top = object(true);
                    for (int k = 0; k < top.count * MEMBER; k += MEMBER) {
                        int place = top.at[k + PLACE];
                        if (place < 0) continue;
                        int from = top.at[k + VALUE_FROM];
                        int to = top.at[k + VALUE_TO];
                        boolean nullOrEmpty = to - from == 2 && buf[from] == '"' || to - from == 4 && buf[from] == 'n';
                        fields[2 * place] = nullOrEmpty ? 0 : from; // of a repeated name, the last value
                        fields[2 * place + 1] = nullOrEmpty ? 0 : to;
                    }
                } else {
                    value(); // an array or a scalar: no fields, no details
                }
                whiteSpace();
                if (pos < end) throw refused("the end of the payload after its one value");
            }
            // the first pass measures, the second copies into an array of that size
            byte[] out = null;
            for (int pass = 0; pass < 2; pass++) {
                int at = copy(out, 0, ID, 0, ID.length);
                at = copy(out, at, buf, idFrom, typeFrom);
                at = copy(out, at, TYPE, 0, TYPE.length);
                at = copy(out, at, buf, typeFrom, timeFrom);
                at = copy(out, at, TIMESTAMP, 0, TIMESTAMP.length);
                at = copy(out, at, buf, timeFrom, timeTo);
                at = copy(out, at, DATA, 0, DATA.length);
                for (int i = 0; i < HEADS.length; i++) {
                    at = copy(out, at, HEADS[i], 0, HEADS[i].length);
                    if (fields[2 * i + 1] == 0) at = copy(out, at, NULL, 0, NULL.length);
                    else at = copy(out, at, buf, fields[2 * i], fields[2 * i + 1]);
                }
                at = copy(out, at, DETAILS, 0, DETAILS.length);
                boolean first = true;
                for (int k = 0; top != null && k < top.count * MEMBER; k += MEMBER) {
                    if (top.at[k + PLACE] != DETAIL || (top.repeated && top.earlier(buf, k))) continue;
                    int last = top.repeated ? top.last(buf, k) : k;
                    if (!first) at = copy(out, at, COMMA, 0, 1);
                    first = false;
                    at = copy(out, at, buf, top.at[k + NAME_FROM], top.at[k + NAME_TO]);
                    at = copy(out, at, COLON, 0, 1);
                    at = copy(out, at, buf, top.at[last + VALUE_FROM], top.at[last + VALUE_TO]);
                }
                at = copy(out, at, END, 0, END.length);
                if (out == null) out = new byte[at];
            }
            return out;
        }

        /** Copies {@code src[from, to)} to {@code out} at {@code at} (only counts when {@code out} is null); the end. */
        private static int copy(byte[] out, int at, byte[] src, int from, int to) {
            if (out != null) System.arraycopy(src, from, out, at, to - from);
            return at + to - from;
        }

        private void column(int[] fields, int field, String v) {
            if (v.isEmpty()) return;
            fields[2 * field] = len;
            text(v);
            fields[2 * field + 1] = len;
        }

        // ---- reading the payload (RFC 8259), writing each value as it is read ----------------------------

        /** The value at {@link #pos}, checked and written; {@link #pos} after it. */
        private void value() {
            if (pos >= end) throw refused("a value");
            char c = in[pos];
            switch (c) {
                case '{' -> object(false);
                case '[' -> array();
                case '"' -> {
                    pos++;
                    string(false);
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) number();
                    else throw refused("a value");
                }
            }
        }

        /** An object's members in order and where their pieces are (six ints each, see {@link #MEMBER}). */
        private static final class Members {
            int[] at = new int[16 * MEMBER];
            int count;
            boolean repeated;
            /** One bit per name hash modulo 64: a name whose bit is clear is not repeated. */
            long seen;

            /** True when the name of member {@code k} is also the name of an earlier one. */
            boolean earlier(byte[] buf, int k) {
                for (int j = 0; j < k; j += MEMBER) if (sameName(buf, j, k)) return true;
                return false;
            }

            /** The last member with the name of member {@code k}. */
            int last(byte[] buf, int k) {
                int last = k;
                for (int j = k + MEMBER; j < count * MEMBER; j += MEMBER) if (sameName(buf, j, k)) last = j;
                return last;
            }

            /** Names are compared as written: the writing maps distinct names to distinct bytes. */
            boolean sameName(byte[] buf, int j, int k) {
                return at[j + HASH] == at[k + HASH]
                        && Arrays.equals(buf, at[j + NAME_FROM], at[j + NAME_TO], buf, at[k + NAME_FROM], at[k + NAME_TO]);
            }
        }

        /**
         * The object at {@link #pos}, checked and written with its members as read. With a repeated name it is
         * written again in place as Jackson's {@code ObjectNode} holds it (each name once, at its first place, with
         * its last value), except at the top, where {@link #body} takes its members from the returned table.
         */
        private Members object(boolean top) {
            if (++depth > MAX_DEPTH) throw refused("at most " + MAX_DEPTH + " nested objects and arrays");
            int objectFrom = len;
            put('{');
            pos++;
            whiteSpace();
            Members m = new Members();
            if (pos < end && in[pos] == '}') {
                pos++;
            } else {
                while (true) {
                    if (pos >= end || in[pos] != '"') throw refused("a member name");
                    pos++;
                    if (m.count * MEMBER == m.at.length) m.at = Arrays.copyOf(m.at, m.at.length * 2);
                    int k = m.count++ * MEMBER;
                    m.at[k + NAME_FROM] = len;
                    string(true);
                    m.at[k + NAME_TO] = len;
                    whiteSpace();
                    if (pos >= end || in[pos] != ':') throw refused("':'");
                    pos++;
                    put(':');
                    whiteSpace();
                    m.at[k + VALUE_FROM] = len;
                    value();
                    m.at[k + VALUE_TO] = len;
                    m.at[k + PLACE] = top ? place(m.at[k + NAME_FROM], m.at[k + NAME_TO]) : DETAIL;
                    int hash = 0;
                    for (int i = m.at[k + NAME_FROM]; i < m.at[k + NAME_TO]; i++) hash = 31 * hash + buf[i];
                    m.at[k + HASH] = hash;
                    if ((m.seen & 1L << hash) != 0 && !m.repeated && m.earlier(buf, k)) m.repeated = true;
                    m.seen |= 1L << hash;
                    whiteSpace();
                    if (pos < end && in[pos] == ',') {
                        pos++;
                        put(',');
                        whiteSpace();
                    } else if (pos < end && in[pos] == '}') {
                        pos++;
                        break;
                    } else {
                        throw refused("',' or '}'");
                    }
                }
            }
            put('}');
            if (m.repeated && !top) rewrite(objectFrom, m);
            depth--;
            return m;
        }

        /** Writes the object of {@code m} again from {@code from}: each name once, at its first place, its last value. */
        private void rewrite(int from, Members m) {
            byte[] object = new byte[len - from];
            int at = 0;
            object[at++] = '{';
            for (int k = 0; k < m.count * MEMBER; k += MEMBER) {
                if (m.earlier(buf, k)) continue;
                int last = m.last(buf, k);
                if (at > 1) object[at++] = ',';
                at = copy(object, at, buf, m.at[k + NAME_FROM], m.at[k + NAME_TO]);
                object[at++] = ':';
                at = copy(object, at, buf, m.at[last + VALUE_FROM], m.at[last + VALUE_TO]);
            }
            object[at++] = '}';
            System.arraycopy(object, 0, buf, from, at);
            len = from + at;
        }

        /** The place of the written (quoted) name {@code buf[from, to)}. */
        private int place(int from, int to) {
            if (to - from < 3) return DETAIL;
            for (int i = slot(buf, from, to); NAMES[i] != null; i = (i + 1) & 63) {
                if (Arrays.equals(buf, from, to, NAMES[i], 0, NAMES[i].length)) return NAME_PLACES[i];
            }
            return DETAIL;
        }

        private void array() {
            if (++depth > MAX_DEPTH) throw refused("at most " + MAX_DEPTH + " nested objects and arrays");
            pos++;
            put('[');
            whiteSpace();
            if (pos < end && in[pos] == ']') {
                pos++;
            } else {
                while (true) {
                    value();
                    whiteSpace();
                    if (pos < end && in[pos] == ',') {
                        pos++;
                        put(',');
                        whiteSpace();
                    } else if (pos < end && in[pos] == ']') {
                        pos++;
                        break;
                    } else {
                        throw refused("',' or ']'");
                    }
                }
            }
            put(']');
            depth--;
        }

        /**
         * The string whose content starts at {@link #pos}, checked, written. In a member name, as Jackson reads
         * names, an escaped high surrogate must be followed by an escaped low one, and an escaped low surrogate
         * must be the second of such a pair.
         */
        private void string(boolean name) {
            put('"');
            while (true) {
                // a run of characters written as they are, then one that is not
                int run = Math.min(end - pos, buf.length - len);
                int i = 0;
                for (char c; i < run && (c = in[pos + i]) >= 0x20 && c < 0x80 && c != '"' && c != '\\'; i++) buf[len + i] = (byte) c;
                pos += i;
                len += i;
                if (len > buf.length - 8) ensure(8);
                if (pos >= end) throw refused("the end of a string");
                char c = in[pos++];
                if (c == '"') break;
                boolean escaped = c == '\\';
                if (escaped) {
                    c = escape();
                } else if (c < 0x20) {
                    pos--;
                    throw refused("a control character escaped (RFC 8259 §7)");
                }
                if (!Character.isSurrogate(c)) {
                    character(c);
                } else if (Character.isLowSurrogate(c)) {
                    if (name && escaped) throw refused("an escaped high surrogate before an escaped low one in a member name");
                    unicodeEscape(c);
                } else if (name && escaped) {
                    if (pos >= end || in[pos] != '\\') throw refused("an escaped low surrogate after an escaped high one in a member name");
                    pos++;
                    char low = escape();
                    if (!Character.isLowSurrogate(low)) throw refused("an escaped low surrogate after an escaped high one in a member name");
                    pair(c, low);
                } else if (pos < end && Character.isLowSurrogate(in[pos])) {
                    pair(c, in[pos++]);
                } else if (pos + 5 < end && in[pos] == '\\' && in[pos + 1] == 'u' && Character.isLowSurrogate((char) hex(pos + 2))) {
                    if (name) throw refused("no escaped low surrogate after an unescaped high one in a member name");
                    pair(c, (char) hex(pos + 2));
                    pos += 6;
                } else {
                    unicodeEscape(c);
                }
            }
            put('"');
        }

        /** The character of the escape after a backslash at {@link #pos}, checked; {@link #pos} after it. */
        private char escape() {
            if (pos >= end) throw refused("an escape");
            char x = in[pos++];
            return switch (x) {
                case '"', '\\', '/' -> x;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    int v = pos + 4 <= end ? hex(pos) : -1;
                    if (v < 0) throw refused("four hex digits after \\u");
                    pos += 4;
                    yield (char) v;
                }
                default -> {
                    pos--;
                    throw refused("an escape (RFC 8259 §7)");
                }
            };
        }

        /** The value of the four hex digits at {@code in[at]}, -1 when they are not. */
        private int hex(int at) {
            int v = 0;
            for (int i = at; i < at + 4; i++) {
                char h = in[i];
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) return -1;
                v = v << 4 | d;
            }
            return v;
        }

        private void literal(String word) {
            if (end - pos < word.length()) throw refused("a value");
            for (int i = 0; i < word.length(); i++) if (in[pos + i] != word.charAt(i)) throw refused("a value");
            pos += word.length();
            ensure(word.length());
            for (int i = 0; i < word.length(); i++) buf[len++] = (byte) word.charAt(i);
        }

        private void number() {
            int from = pos;
            if (in[pos] == '-') pos++;
            int intFrom = pos;
            if (pos < end && in[pos] == '0') pos++;
            else if (digits() == 0) throw refused("a digit");
            int intDigits = pos - intFrom;
            boolean integer = true;
            if (pos < end && in[pos] == '.') {
                integer = false;
                pos++;
                if (digits() == 0) throw refused("a digit after the decimal point");
            }
            if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
                integer = false;
                pos++;
                if (pos < end && (in[pos] == '+' || in[pos] == '-')) pos++;
                if (digits() == 0) throw refused("a digit in the exponent");
            }
            if ((integer ? intDigits : pos - intFrom) > MAX_NUMBER) throw refused("a number of at most " + MAX_NUMBER + " digits");
            if (integer) {
                if (pos - from == 2 && in[from] == '-' && in[from + 1] == '0') from++; // -0 is 0
                ensure(pos - from);
                for (int i = from; i < pos; i++) buf[len++] = (byte) in[i];
                return;
            }
            double d = Double.parseDouble(new String(in, from, pos - from));
            String written = Double.isInfinite(d) ? (d > 0 ? "\"Infinity\"" : "\"-Infinity\"") : Double.toString(d);
            ensure(written.length());
            for (int i = 0; i < written.length(); i++) buf[len++] = (byte) written.charAt(i);
        }

        private int digits() {
            int from = pos;
            while (pos < end && in[pos] >= '0' && in[pos] <= '9') pos++;
            return pos - from;
        }

        private void whiteSpace() {
            while (pos < end && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) pos++;
        }

        private IllegalArgumentException refused(String expected) {
            int from = Math.max(0, pos - 40);
            String near = new String(in, from, Math.min(end, pos + 40) - from).replaceAll("[^\\x20-\\x7e]", "?");
            return new IllegalArgumentException("the payload of outbox event " + eventId + " is not the JSON the store writes: "
                    + expected + " expected at offset " + pos + " of " + end + ", near \"" + near
                    + "\"; the event cannot be sent until its row is repaired");
        }

        // ---- writing ------------------------------------------------------------------------------------

        /** A Java string as a JSON string. */
        private void text(String s) {
            put('"');
            chars(s);
            put('"');
        }

        /** A Java string as the content of a JSON string. */
        private void chars(String s) {
            for (int i = 0, n = s.length(); i < n; i++) {
                if (len > buf.length - 8) ensure(8);
                char c = s.charAt(i);
                if (!Character.isSurrogate(c)) character(c);
                else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) pair(c, s.charAt(++i));
                else unicodeEscape(c);
            }
        }

        /** One character other than a surrogate (room for six bytes is there). */
        private void character(char c) {
            if (c < 0x80) {
                byte e = ESCAPES[c];
                if (e == 0) {
                    buf[len++] = (byte) c;
                } else if (e == 'u') {
                    unicodeEscape(c);
                } else {
                    buf[len++] = '\\';
                    buf[len++] = e;
                }
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xc0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            } else {
                buf[len++] = (byte) (0xe0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            }
        }

        private void pair(char high, char low) {
            int cp = Character.toCodePoint(high, low);
            buf[len++] = (byte) (0xf0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            buf[len++] = (byte) (0x80 | (cp & 0x3f));
        }

        private void unicodeEscape(char c) {
            buf[len++] = '\\';
            buf[len++] = 'u';
            buf[len++] = HEX[c >> 12];
            buf[len++] = HEX[(c >> 8) & 0xf];
            buf[len++] = HEX[(c >> 4) & 0xf];
            buf[len++] = HEX[c & 0xf];
        }

        /**
         * {@link Instant#toString()} as a JSON string: ISO-8601 in UTC with the seconds and as many groups of three
         * fraction digits as the nanoseconds need; written here for four-digit years, by the JDK otherwise.
         */
        private void instant(Instant t) {
            long s = t.getEpochSecond();
            if (s < 0 || s > LAST_FAST_SECOND) {
                text(t.toString());
                return;
            }
            LocalDate d = LocalDate.ofEpochDay(s / 86_400);
            int second = (int) (s % 86_400);
            ensure(32);
            buf[len++] = '"';
            digits(d.getYear(), 4);
            buf[len++] = '-';
            digits(d.getMonthValue(), 2);
            buf[len++] = '-';
            digits(d.getDayOfMonth(), 2);
            buf[len++] = 'T';
            digits(second / 3600, 2);
            buf[len++] = ':';
            digits(second / 60 % 60, 2);
            buf[len++] = ':';
            digits(second % 60, 2);
            int nano = t.getNano();
            if (nano != 0) {
                buf[len++] = '.';
                if (nano % 1_000_000 == 0) digits(nano / 1_000_000, 3);
                else if (nano % 1000 == 0) digits(nano / 1000, 6);
                else digits(nano, 9);
            }
            buf[len++] = 'Z';
            buf[len++] = '"';
        }

        /** {@code v} in {@code n} decimal digits, zeros first. */
        private void digits(int v, int n) {
            for (int i = len + n - 1; i >= len; i--, v /= 10) buf[i] = (byte) ('0' + v % 10);
            len += n;
        }

        private void put(char c) {
            ensure(1);
            buf[len++] = (byte) c;
        }

        private void ensure(int more) {
            if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
