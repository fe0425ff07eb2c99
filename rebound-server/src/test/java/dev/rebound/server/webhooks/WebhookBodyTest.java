package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.server.store.WebhookStore;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link WebhookBody} writes, in one pass over the outbox payload, exactly the bytes the Jackson tree gave
 * ({@link WebhookBodyReference}): for the payloads the store writes, for JSON text in any form RFC 8259 allows
 * (white space, escapes, number forms, repeated names, non-object roots) and, for damaged payloads, it refuses what
 * Jackson refuses.
 */
class WebhookBodyTest {
    /** The store's way of writing payloads (store.Outbox: a default mapper's {@code writeValueAsString}). */
    private static final JsonMapper STORE = JsonMapper.builder().build();
    private static final Instant T = Instant.parse("2026-05-01T10:00:00.123Z");

    record Case(WebhookStore.OutboxEvent event, String type) {
        @Override
        public String toString() {
            return "type=" + type + " event=" + event;
        }
    }

    @Property(tries = 1500, seed = "1105")
    void equalsTheTreeReference(@ForAll("events") Case c) {
        Statistics.label("payloads").collect(assertSameAsReference(c.event(), c.type()) ? "written" : "refused");
        Statistics.label("payloads").coverage(k -> k.check("written").percentage(p -> p > 70));
    }

    @Property(tries = 1500, seed = "2026")
    void damagedPayloads_refusedOrWrittenLikeTheReference(@ForAll("damaged") Case c) {
        Statistics.label("payloads").collect(assertSameAsReference(c.event(), c.type()) ? "written" : "refused");
        Statistics.label("payloads").coverage(k -> {
            k.check("refused").percentage(p -> p > 40);
            k.check("written").percentage(p -> p > 15);
        });
    }

    @Provide
    Arbitrary<Case> events() {
        return Arbitraries.randomValue(r -> new Gen(r).event(false));
    }

    @Provide
    Arbitrary<Case> damaged() {
        return Arbitraries.randomValue(r -> new Gen(r).event(true));
    }

    /** True when written (the same bytes), false when refused (by both). */
    static boolean assertSameAsReference(WebhookStore.OutboxEvent e, String type) {
        byte[] want;
        try {
            want = WebhookBodyReference.bytes(e, type);
        } catch (RuntimeException refused) {
            IllegalArgumentException ours = null;
            try {
                WebhookBody.bytes(e, type);
            } catch (IllegalArgumentException x) {
                ours = x;
            }
            assertThat(ours).as("refused by the reference (%s), so by WebhookBody too", refused.getMessage()).isNotNull();
            assertThat(ours).hasMessageContaining("outbox event " + e.id());
            return false;
        }
        byte[] got = WebhookBody.bytes(e, type);
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo(new String(want, StandardCharsets.UTF_8));
        assertThat(got).isEqualTo(want);
        return true;
    }

    // ---- the store's payload shapes (store.MessageTables, EvidenceTables, SuppressionTables) -----------------

    private static ObjectNode suppression(boolean expires) {
        ObjectNode n = STORE.createObjectNode().put("address", "bob@example.test").put("stream", "transactional")
                .put("state", "SUPPRESSED").put("reason", "userunknown").put("rule_id", "suppress.hard-bounce")
                .put("created_at", "2026-05-01T10:00:00.120Z").put("evidence_ref", "01JTATTEMPT0000000000000001");
        if (expires) n.put("expires_at", "2026-08-01T10:00:00Z");
        else n.putNull("expires_at");
        return n;
    }

    private static WebhookStore.OutboxEvent event(String messageId, String recipientId, String address, String stream, ObjectNode payload) {
        return new WebhookStore.OutboxEvent(41, "01JTEVENT00000000000000001", T, "recipient.bounced_hard", messageId, recipientId,
                address, stream, STORE.writeValueAsString(payload));
    }

    private static ObjectNode attempt(boolean retry) {
        ObjectNode p = STORE.createObjectNode().put("message_id", "01JTMSG").put("recipient_id", "01JTRCPT")
                .put("state", retry ? "DEFERRED" : "BOUNCED_HARD").put("smtp_code", retry ? 451 : 550)
                .put("enhanced_code", retry ? "4.7.0" : "5.1.1").put("reason", retry ? "greylisted" : "userunknown")
                .put("rule_id", "gmail.5.1.1").put("attempt_id", "01JTATTEMPT0000000000000001").put("source", "attempt")
                .put("outcome", retry ? "TRANSIENT" : "HARD").put("raw_reason",
                        "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
                                + "550 5.1.1 \"double-checking\" the recipient's <email> address \\ https://support.google.com/mail/?p=NoSuchUser")
                .put("recipient_domain", "example.test").put("attempt", 3).put("phase", "RCPT").put("mx_host", "mx.example.test")
                .put("mx_ip", "192.0.2.25").put("decision", retry ? "DEFERRED" : "BOUNCED_HARD").put("decision_reason", "")
                .put("decision_rule", "retry.schedule").put("occurred_at", "2026-05-01T09:59:58.001Z");
        if (retry) p.put("next_attempt_at", "2026-05-01T10:15:00Z");
        return p;
    }

    @Test
    void attemptEvent_theExactBody() {
        var e = event("01JTMSG", "01JTRCPT", "bob@example.test", "transactional", attempt(false));
        assertThat(new String(WebhookBody.bytes(e, "bounced"), StandardCharsets.UTF_8)).isEqualTo("""
                {"id":"evt_01JTEVENT00000000000000001","type":"bounced","timestamp":"2026-05-01T10:00:00.123Z","data":{\
                "message_id":"01JTMSG","recipient_id":"01JTRCPT","recipient":"bob@example.test","recipient_domain":"example.test",\
                "stream":"transactional","outcome":"HARD","reason":"userunknown","rule_id":"gmail.5.1.1","smtp_code":550,\
                "enhanced_code":"5.1.1","raw_reason":"550-5.1.1 The email account that you tried to reach does not exist. Please try\\r\\n\
                550 5.1.1 \\"double-checking\\" the recipient's <email> address \\\\ https://support.google.com/mail/?p=NoSuchUser",\
                "provider":null,"provider_event":null,"source":"attempt","attempt":3,"decision":"BOUNCED_HARD",\
                "decision_rule":"retry.schedule","occurred_at":"2026-05-01T09:59:58.001Z","next_attempt_at":null,"suppression":null,\
                "details":{"state":"BOUNCED_HARD","attempt_id":"01JTATTEMPT0000000000000001","phase":"RCPT","mx_host":"mx.example.test",\
                "mx_ip":"192.0.2.25","decision_reason":""}}}""");
        assertSameAsReference(e, "bounced");
    }

    @Test
    void storePayloadShapes_equalTheReference() {
        ObjectNode withSuppression = attempt(false);
        withSuppression.set("suppression", suppression(false));
        ObjectNode evidence = STORE.createObjectNode().put("evidence_id", "01JTEVID").put("source", "provider").put("provider", "ses")
                .put("provider_event", "Bounce/Permanent/General").put("address", "Bob@Example.test").put("stream", "transactional")
                .put("matched_by", "message_id").put("outcome", "HARD").put("reason", "userunknown").put("rule_id", "event.ses.bounce")
                .put("state", "BOUNCED_HARD").put("decision_rule", "dsn.hard").put("suppression_rule", "").put("smtp_code", 550)
                .put("enhanced_code", "5.1.1").put("raw_reason", "smtp; 550 5.1.1 user unknown").put("recipient_domain", "example.test")
                .put("decision", "").put("occurred_at", "2026-05-01T09:00:00Z");
        evidence.set("suppression", suppression(true));
        ObjectNode unmatched = evidence.deepCopy().put("outcome", "").put("state", "");
        ObjectNode suppressionEvent = STORE.createObjectNode().put("source", "api").put("address", "bob@example.test")
                .put("stream", "transactional").put("recipient_domain", "example.test").put("reason", "manual").put("rule_id", "manual")
                .put("actor", "key:ops").put("note", "asked by the customer — ticket #42").put("occurred_at", "2026-05-01T10:00:00Z")
                .put("released", 2);
        suppressionEvent.set("suppression", suppression(false));
        ObjectNode accepted = STORE.createObjectNode().put("message_id", "01JTMSG").put("stream", "transactional").put("recipients", 3);
        for (WebhookStore.OutboxEvent e : List.of(
                event("01JTMSG", "01JTRCPT", "bob@example.test", "transactional", attempt(true)),
                event("01JTMSG", "01JTRCPT", "bob@example.test", "transactional", withSuppression),
                event("01JTMSG", "01JTRCPT", "bob@example.test", "transactional", evidence),
                event("", "", "bob@example.test", "transactional", unmatched), // evidence matched to no message
                event("", "", "bob@example.test", "transactional", suppressionEvent),
                event("01JTMSG", "", "", "transactional", accepted))) { // a message event: no recipient
            for (String type : List.of("bounced", "deferred", "suppressed", "accepted")) {
                assertSameAsReference(e, type);
                assertThat(WebhookBody.json(e, type)).isEqualTo(WebhookBodyReference.json(e, type));
            }
        }
    }

    @Test
    void messageEventWithoutRecipient_hasNullRecipientAndItsOwnDetails() {
        ObjectNode accepted = STORE.createObjectNode().put("message_id", "01JTMSG").put("stream", "bulk").put("recipients", 3);
        var e = event("01JTMSG", "", "", "bulk", accepted);
        assertThat(new String(WebhookBody.bytes(e, "accepted"), StandardCharsets.UTF_8))
                .contains("\"recipient_id\":null,\"recipient\":null,\"recipient_domain\":null,\"stream\":\"bulk\"")
                .endsWith("\"suppression\":null,\"details\":{\"recipients\":3}}}");
    }

    @Test
    void escapesAndNumbers_asJacksonWritesThem() {
        String payload = " { \"reason\" : \"a\\u00e9\\/\\u0001\\ud83d\\ude00\\ud800x\\t\" , \"attempt\":-0, \"smtp_code\": 5.5e2,"
                + " \"x\\\"y\":[1E400, -1e400, 1e-400, 123456789012345678901234567890], \"source\":\"\", \"x\\\"y\":{\"k\":1,\"k\":2} } ";
        var e = new WebhookStore.OutboxEvent(1, "e\u2028\"1", T, "recipient.deferred", "m", "r", "\u00e9@example.test", "s", payload);
        String body = new String(WebhookBody.bytes(e, "deferred"), StandardCharsets.UTF_8);
        assertThat(body).startsWith("{\"id\":\"evt_e\u2028\\\"1\"")
                .contains("\"reason\":\"a\u00e9/\\u0001\uD83D\uDE00\\uD800x\\t\"")
                .contains("\"smtp_code\":550.0").contains("\"attempt\":0").contains("\"source\":null")
                .contains("\"details\":{\"x\\\"y\":{\"k\":2}}");
        assertSameAsReference(e, "deferred");
    }

    @Test
    void notJson_isRefusedQuotingTheEventAndWhere() {
        var e = new WebhookStore.OutboxEvent(1, "e9", T, "recipient.deferred", "m", "r", "a@example.test", "s", "{\"reason\":\"x\",}");
        assertThatThrownBy(() -> WebhookBody.bytes(e, "deferred")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outbox event e9").hasMessageContaining("a member name expected at offset 14");
        assertSameAsReference(e, "deferred");
    }

    // ---- payload generator --------------------------------------------------------------------------

    /** Random events and payload texts; {@code canonical} payloads are written as the store writes them. */
    static final class Gen {
        private static final List<String> NAMES = new ArrayList<>(WebhookBody.FIELDS);
        private static final List<String> DETAILS = List.of("address", "attempt_id", "state", "phase", "mx_host", "mx_ip",
                "evidence_id", "matched_by", "released", "actor", "note", "recipients", "decision_reason", "suppression_rule",
                "recipient ", "Recipient", "details");
        private static final List<String> TEXTS = List.of("userunknown", "550 5.1.1 <bob@example.test>: Recipient address rejected",
                "421-4.7.0 try again later\r\n421 4.7.0 (greylisted)", "C:\\path\\\"quoted\"", "https://example.test/a?b=c&d=e",
                "Müller — 東京 \u2028 \u007f", "2026-05-01T10:00:00Z", "0", "null", "{\"not\":\"json\"}", " ");

        static {
            NAMES.add("address");
        }

        private final Random r;
        private final boolean canonical;
        private final boolean spaces;

        Gen(Random r) {
            this.r = r;
            this.canonical = r.nextInt(3) == 0;
            this.spaces = !canonical && r.nextBoolean();
        }

        Case event(boolean damage) {
            String payload = r.nextInt(30) == 0 ? root() : object(0, true);
            if (damage) payload = damage(payload);
            var e = new WebhookStore.OutboxEvent(r.nextInt(1000), r.nextInt(10) == 0 ? text() : "01JT" + r.nextInt(1_000_000),
                    Instant.ofEpochSecond(r.nextLong(0, 4_102_444_800L), r.nextInt(4) == 0 ? r.nextInt(1_000_000_000) : 0),
                    "recipient.deferred", column(), column(), column(), column(), payload);
            return new Case(e, r.nextInt(10) == 0 ? text() : List.of("delivered", "bounced", "deferred", "suppressed").get(r.nextInt(4)));
        }

        private String column() {
            return switch (r.nextInt(4)) {
                case 0 -> "";
                case 1 -> text();
                default -> "bob" + r.nextInt(100) + "@example.test";
            };
        }

        private String root() {
            return switch (r.nextInt(6)) {
                case 0 -> "";
                case 1 -> ws();
                case 2 -> "null";
                case 3 -> ws() + array(1) + ws();
                default -> value(1);
            };
        }

        private String object(int depth, boolean top) {
            List<String> names = new ArrayList<>();
            int n = r.nextInt(top ? 18 : 5);
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(10);
                names.add(top && k < 6 ? NAMES.get(r.nextInt(NAMES.size())) : top && k < 9 ? DETAILS.get(r.nextInt(DETAILS.size())) : text());
            }
            if (!names.isEmpty() && r.nextInt(6) == 0) names.add(r.nextInt(names.size()), names.get(r.nextInt(names.size())));
            StringBuilder sb = new StringBuilder(ws()).append('{').append(ws());
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) sb.append(',').append(ws());
                sb.append(string(names.get(i))).append(ws()).append(':').append(ws()).append(value(depth + 1)).append(ws());
            }
            return sb.append('}').append(ws()).toString();
        }

        private String array(int depth) {
            StringBuilder sb = new StringBuilder("[").append(ws());
            int n = r.nextInt(4);
            for (int i = 0; i < n; i++) {
                if (i > 0) sb.append(',').append(ws());
                sb.append(value(depth + 1)).append(ws());
            }
            return sb.append(']').toString();
        }

        private String value(int depth) {
            return switch (r.nextInt(depth < 4 ? 14 : 12)) {
                case 0, 1 -> "null";
                case 2 -> string("");
                case 3, 4, 5 -> string(text());
                case 6 -> string(TEXTS.get(r.nextInt(TEXTS.size())));
                case 7, 8 -> integer();
                case 9 -> decimal();
                case 10 -> r.nextBoolean() ? "true" : "false";
                case 11 -> string("2026-05-0" + (1 + r.nextInt(9)) + "T10:00:00Z");
                case 12 -> object(depth + 1, false);
                default -> array(depth + 1);
            };
        }

        private String ws() {
            if (!spaces || r.nextInt(3) > 0) return "";
            return List.of(" ", "\n", "\t", "\r\n  ", "  ").get(r.nextInt(5));
        }

        private String integer() {
            return switch (r.nextInt(8)) {
                case 0 -> "-0";
                case 1 -> Long.toString(r.nextLong());
                case 2 -> List.of("2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807",
                        "9223372036854775808", "-9223372036854775808", "-9223372036854775809").get(r.nextInt(8));
                case 3 -> new BigInteger(70 + r.nextInt(60), r).negate().toString();
                case 4 -> new BigInteger(70 + r.nextInt(60), r).toString();
                default -> Integer.toString(r.nextInt(2000) - 1000);
            };
        }

        private String decimal() {
            return switch (r.nextInt(6)) {
                case 0 -> Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
                case 1 -> List.of("1.50", "1e2", "1E+2", "-0.0", "0.0", "1e400", "-1e400", "1e-400", "4.9e-324", "0.1e1",
                        "2.2250738585072014E-308", "1.7976931348623157e308", "123.4500e-02").get(r.nextInt(13));
                case 2 -> Double.toString(r.nextGaussian() * 1e6);
                default -> (r.nextBoolean() ? "-" : "") + r.nextInt(1000) + (r.nextBoolean() ? "." + r.nextInt(100000) : "")
                        + (r.nextBoolean() ? (r.nextBoolean() ? "e" : "E") + List.of("", "+", "-").get(r.nextInt(3)) + r.nextInt(330) : "");
            };
        }

        /** Text of mixed kinds: ASCII, controls, quotes and backslashes, 2-, 3- and 4-byte UTF-8, lone surrogates. */
        private String text() {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(12);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(12)) {
                    case 0 -> sb.append((char) r.nextInt(0x20));
                    case 1 -> sb.append("\"\\/\u007f".charAt(r.nextInt(4)));
                    case 2 -> sb.append((char) (0x80 + r.nextInt(0x780)));
                    case 3 -> sb.append((char) (0x800 + r.nextInt(0xD800 - 0x800)));
                    case 4 -> sb.append((char) (0xE000 + r.nextInt(0x2000)));
                    case 5 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
                    case 6 -> sb.append((char) (0xD800 + r.nextInt(0x800))); // an unpaired surrogate
                    case 7 -> sb.append(TEXTS.get(r.nextInt(TEXTS.size())));
                    default -> sb.append((char) (0x20 + r.nextInt(0x5f)));
                }
            }
            return sb.toString();
        }

        /** A JSON string of {@code s}: as the store writes it, or in any form RFC 8259 allows. */
        private String string(String s) {
            if (canonical) return STORE.writeValueAsString(s);
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                int how = r.nextInt(8);
                String shortForm = switch (c) {
                    case '"' -> "\\\"";
                    case '\\' -> "\\\\";
                    case '/' -> how < 3 ? "\\/" : null;
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> null;
                };
                if ((c < 0x20 || c == '"' || c == '\\') && (shortForm == null || how == 0) || how == 1) {
                    String hex = String.format("%04x", (int) c);
                    sb.append("\\u").append(r.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
                } else if (shortForm != null) {
                    sb.append(shortForm);
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        /** The payload with one character cut, added or replaced, or cut short. */
        private String damage(String p) {
            int at = p.isEmpty() ? 0 : r.nextInt(p.length());
            String chars = ",:{}[]\"\\x0-.e \u0001\u00a0tnu";
            char c = chars.charAt(r.nextInt(chars.length()));
            return switch (r.nextInt(4)) {
                case 0 -> p.substring(0, at);
                case 1 -> p.substring(0, at) + c + p.substring(at);
                case 2 -> p.isEmpty() ? p : p.substring(0, at) + p.substring(at + 1);
                default -> p.isEmpty() ? p : p.substring(0, at) + c + p.substring(at + 1);
            };
        }
    }
}
