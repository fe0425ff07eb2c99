package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.config.StreamName;
import dev.rebound.server.intake.Addresses;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.NewMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Jazzer fuzz test of the {@code POST /v1/messages} body parser, the path of {@link MessageRoutes} without a server:
 * the body read as JSON, then {@link MessageRequest#parse}. Seeds (composed and raw requests as the README shows them,
 * with display names, non-ASCII subjects, custom headers, cc/bcc and base64) are under
 * {@code src/test/resources/dev/rebound/server/api/MessageRequestFuzzTestInputs/}.
 *
 * <p>Invariants: every refusal is an {@link ApiError} 400 naming the field as sent; an accepted request has 1 to
 * {@code smtp.max-recipients} distinct valid recipients, a valid or null envelope sender, a valid stream and at most
 * {@code smtp.max-message-size} bytes; a composed message is RFC 5322 / RFC 2045 text (CRLF lines only, lines of at
 * most 998 octets, 76 in the quoted-printable body, one From/Subject/Date/Message-ID/MIME-Version, exactly the
 * requested custom headers, nothing else), whose From reads back as the requested mailbox and whose text part decodes
 * back to the requested text.
 */
class MessageRequestFuzzTest {
    private static final ReboundConfig CONFIG = new ConfigLoader(Map.of("REBOUND_NODE_ID", "fuzz",
            "REBOUND_SMTP_MAX_MESSAGE_SIZE", "64KB", "REBOUND_SMTP_MAX_RECIPIENTS", "20")).load();
    private static final MessageRequest REQUESTS = new MessageRequest(CONFIG);
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");

    @FuzzTest(maxDuration = "5m")
    void postMessageBody(byte[] body) {
        JsonNode req;
        NewMessage m;
        try {
            req = read(body);
            if (req == null || !req.isObject()) return; // the route refuses it: "the body must be a JSON object"
            m = REQUESTS.parse(req, null, Sha256.hex(body), NOW);
        } catch (ApiError e) {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.error).isEqualTo("invalid_request");
            assertThat(e.field).isNotNull(); // the field as sent: an unknown field may be named ""
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.json().get("message").asString()).isEqualTo(e.getMessage());
            return;
        }
        assertThat(m.recipients()).isNotEmpty().hasSizeLessThanOrEqualTo(CONFIG.smtp().maxRecipients());
        List<String> lower = m.recipients().stream().map(r -> r.toLowerCase(Locale.ROOT)).toList();
        assertThat(lower).doesNotHaveDuplicates();
        for (String r : m.recipients()) assertThat(Addresses.addrSpec(r)).as("recipient %s", r).contains(r);
        assertThat(m.mailFrom().isEmpty() || Addresses.addrSpec(m.mailFrom()).isPresent()).as("mail_from %s", m.mailFrom()).isTrue();
        assertThat(StreamName.valid(m.stream())).isTrue();
        assertThat(m.raw().length).isPositive().isLessThanOrEqualTo(CONFIG.smtp().maxMessageSize());
        if (!(req.has("raw") || req.has("raw_base64") || req.has("rcpt_to") || req.has("mail_from"))) composedIsRfc5322(req, m);
    }

    /** The seeds are requests the API accepts, so the checks of an accepted message run on each of them. */
    @Test
    void theSeedsAreAccepted() throws java.io.IOException {
        for (String seed : List.of("readme-composed.json", "raw-text.json", "raw-base64-null-sender.json", "composed-full.json",
                "composed-html-nonascii-name.json")) {
            try (java.io.InputStream in = getClass().getResourceAsStream("MessageRequestFuzzTestInputs/postMessageBody/" + seed)) {
                byte[] body = in.readAllBytes();
                NewMessage m = REQUESTS.parse(read(body), null, Sha256.hex(body), NOW);
                assertThat(m.recipients()).as(seed).isNotEmpty();
                postMessageBody(body);
            }
        }
    }

    private static void composedIsRfc5322(JsonNode req, NewMessage m) {
        String raw = new String(m.raw(), StandardCharsets.UTF_8);
        assertThat(raw.replace("\r\n", "")).as("bare CR or LF").doesNotContain("\r", "\n");
        int split = raw.indexOf("\r\n\r\n");
        assertThat(split).isPositive();
        Map<String, List<String>> headers = new HashMap<>();
        String name = null;
        for (String line : raw.substring(0, split).split("\r\n")) {
            assertThat(line.getBytes(StandardCharsets.UTF_8).length).as("header line %s", line).isLessThanOrEqualTo(998);
            assertThat(line.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)).as("control character in %s", line).isTrue();
            if (line.startsWith(" ") || line.startsWith("\t")) {
                assertThat(name).isNotNull();
                List<String> v = headers.get(name);
                v.set(v.size() - 1, v.get(v.size() - 1) + line);
                continue;
            }
            int colon = line.indexOf(':');
            assertThat(colon).as("header line without a name: %s", line).isPositive();
            name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            assertThat(name).matches("[!-9;-~]+");
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        List<String> expected = new ArrayList<>(List.of("from", "subject", "date", "message-id", "mime-version", "content-type"));
        if (req.hasNonNull("to") && !(req.get("to").isArray() && req.get("to").isEmpty())) expected.add("to");
        if (req.hasNonNull("cc") && !(req.get("cc").isArray() && req.get("cc").isEmpty())) expected.add("cc");
        boolean multipart = req.hasNonNull("text") && req.hasNonNull("html");
        if (!multipart) expected.add("content-transfer-encoding");
        if (req.hasNonNull("headers")) req.get("headers").propertyNames().forEach(h -> expected.add(h.toLowerCase(Locale.ROOT)));
        Map<String, Integer> counts = new HashMap<>();
        expected.forEach(h -> counts.merge(h, 1, Integer::sum));
        assertThat(headers.keySet()).containsExactlyInAnyOrderElementsOf(counts.keySet());
        headers.forEach((h, v) -> assertThat(v).as("header %s", h).hasSize(counts.get(h)));
        assertThat(headers.get("message-id").get(0)).isEqualTo(m.headerMessageId());

        Addresses.Mailbox asked = Addresses.mailbox(req.get("from").asString()).orElseThrow();
        // Quoted-pairs in a display name are issue 9 point 5 (escaped twice), fixed with Addresses' quoted-string reading.
        if (asked.displayName().chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            assertThat(Addresses.mailbox(headers.get("from").get(0))).as("From read back").contains(asked);
        }
        String body = raw.substring(split + 4);
        for (String line : body.split("\r\n", -1)) assertThat(line.length()).as("body line %s", line).isLessThanOrEqualTo(76);
        if (!multipart && req.hasNonNull("text") && !req.hasNonNull("html")) {
            String text = req.get("text").asString().replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
            assertThat(decodeQuotedPrintable(body.endsWith("\r\n") ? body.substring(0, body.length() - 2) : body)).isEqualTo(text);
        }
    }

    /** The route's reading of the body: JSON, or the same 400 it answers. */
    private static JsonNode read(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (tools.jackson.core.JacksonException e) {
            throw ApiError.invalid("body", null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** RFC 2045 §6.7: "=XX" octets, "=" CRLF soft line breaks; the rest as is. */
    private static String decodeQuotedPrintable(String qp) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < qp.length(); i++) {
            char c = qp.charAt(i);
            if (c == '=' && qp.startsWith("\r\n", i + 1)) {
                i += 2;
            } else if (c == '=') {
                out.write(Integer.parseInt(qp.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

}
