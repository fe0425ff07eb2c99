package dev.rebound.server.api;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.config.StreamName;
import dev.rebound.server.intake.Addresses;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.store.NewMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/messages} → a {@link NewMessage}, in one of two strict forms: composed ({@code from},
 * {@code to}/{@code cc}/{@code bcc}, {@code subject}, {@code text}/{@code html}, {@code headers}) or raw
 * ({@code mail_from}, {@code rcpt_to}, {@code raw} or {@code raw_base64}, the RFC 5322 message verbatim). Unknown
 * fields are refused; every refusal is an {@link ApiError} naming the field and quoting the value.
 */
final class MessageRequest {
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]{1,76}");
    private static final Set<String> COMPOSED_FIELDS = Set.of("from", "to", "cc", "bcc", "subject", "text", "html", "headers", "stream");
    private static final Set<String> RAW_FIELDS = Set.of("mail_from", "rcpt_to", "raw", "raw_base64", "stream");

    private final ReboundConfig config;
    private final MessageComposer composer;

    MessageRequest(ReboundConfig config) {
        this.config = config;
        this.composer = new MessageComposer(config.delivery().heloName());
    }

    /** The message a request body asks for; {@code hash} is the body's SHA-256 (the idempotency check). */
    NewMessage parse(JsonNode req, String key, String hash, Instant now) {
        return req.has("raw") || req.has("raw_base64") || req.has("rcpt_to") || req.has("mail_from")
                ? raw(req, key, hash) : composed(req, key, hash, now);
    }

    private NewMessage composed(JsonNode req, String key, String hash, Instant now) {
        onlyFields(req, COMPOSED_FIELDS, "raw messages use mail_from, rcpt_to and raw or raw_base64 instead");
        Addresses.Mailbox from = mailbox(req.get("from"), "from");
        List<Addresses.Mailbox> to = mailboxes(req, "to");
        List<Addresses.Mailbox> cc = mailboxes(req, "cc");
        List<Addresses.Mailbox> bcc = mailboxes(req, "bcc");
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) throw ApiError.invalid("to", null, "give at least one recipient in to, cc or bcc");
        String subject = optionalString(req, "subject");
        String text = optionalString(req, "text");
        String html = optionalString(req, "html");
        if (text == null && html == null) throw ApiError.invalid("text", null, "give text, html or both");
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = req.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) throw ApiError.invalid("headers", h.toString(), "expected an object of header name to string value");
            for (Map.Entry<String, JsonNode> e : h.properties()) {
                String name = e.getKey();
                if (!HEADER_NAME.matcher(name).matches()) throw ApiError.invalid("headers." + name, name, "a header name is printable ASCII without ':' or spaces");
                if (MessageComposer.RESERVED.contains(name.toLowerCase(Locale.ROOT))) throw ApiError.invalid("headers." + name, name, "this header is set by Rebound; use the matching field instead");
                if (!e.getValue().isString()) throw ApiError.invalid("headers." + name, e.getValue().toString(), "a header value must be a string");
                String v = e.getValue().asString();
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) throw ApiError.invalid("headers." + name, v, "a header value must not contain CR or LF");
                headers.put(name, v);
            }
        }
        String stream = stream(req);
        List<String> rcpts = new ArrayList<>();
        for (List<Addresses.Mailbox> l : List.of(to, cc, bcc))
            for (Addresses.Mailbox m : l) if (rcpts.stream().noneMatch(x -> x.equalsIgnoreCase(m.address()))) rcpts.add(m.address());
        MessageComposer.Composed c = composer.compose(from, to, cc, subject, text, html, headers, now);
        if (c.raw().length > config.smtp().maxMessageSize())
            throw ApiError.invalid("text", c.raw().length + " bytes", "the message is larger than " + config.smtp().maxMessageSize() + " bytes (smtp.max-message-size)");
        return new NewMessage(stream, from.address(), rcpts, c.raw(), c.messageId(), "http", Optional.ofNullable(key), hash);
    }

    private NewMessage raw(JsonNode req, String key, String hash) {
        onlyFields(req, RAW_FIELDS, "composed messages use from, to, subject, text, html instead");
        JsonNode mf = req.get("mail_from");
        if (mf == null || !mf.isString()) throw ApiError.invalid("mail_from", mf == null ? null : mf.toString(), "give the envelope sender as a string (\"\" for the null reverse-path)");
        String mailFrom = mf.asString().strip();
        if (!mailFrom.isEmpty() && Addresses.addrSpec(mailFrom).isEmpty()) throw ApiError.invalid("mail_from", mailFrom, "not an email address (local@domain)");
        JsonNode rt = req.get("rcpt_to");
        if (rt == null || !rt.isArray() || rt.isEmpty()) throw ApiError.invalid("rcpt_to", rt == null ? null : rt.toString(), "give a non-empty array of recipient addresses");
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < rt.size(); i++) {
            JsonNode n = rt.get(i);
            String a = n.isString() ? n.asString().strip() : n.toString();
            if (!n.isString() || Addresses.addrSpec(a).isEmpty()) throw ApiError.invalid("rcpt_to[" + i + "]", a, "not an email address (local@domain)");
            if (rcpts.stream().noneMatch(x -> x.equalsIgnoreCase(a))) rcpts.add(a);
        }
        if (rcpts.size() > config.smtp().maxRecipients()) throw ApiError.invalid("rcpt_to", rcpts.size() + " recipients", "at most " + config.smtp().maxRecipients() + " (smtp.max-recipients)");
        byte[] raw;
        if (req.has("raw") && req.has("raw_base64")) throw ApiError.invalid("raw", null, "give raw or raw_base64, not both");
        if (req.has("raw")) {
            JsonNode r = req.get("raw");
            if (!r.isString() || r.asString().isEmpty()) throw ApiError.invalid("raw", r.toString(), "give the RFC 5322 message as a non-empty string");
            raw = r.asString().getBytes(StandardCharsets.UTF_8);
        } else {
            JsonNode r = req.get("raw_base64");
            if (r == null || !r.isString()) throw ApiError.invalid("raw", null, "give raw (text) or raw_base64 (the message bytes in base64)");
            try {
                raw = Base64.getMimeDecoder().decode(r.asString());
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("raw_base64", Json.abbreviate(r.asString()), "not valid base64: " + e.getMessage());
            }
            if (raw.length == 0) throw ApiError.invalid("raw_base64", "", "the message is empty");
        }
        if (raw.length > config.smtp().maxMessageSize())
            throw ApiError.invalid(req.has("raw") ? "raw" : "raw_base64", raw.length + " bytes", "the message is larger than " + config.smtp().maxMessageSize() + " bytes (smtp.max-message-size)");
        return new NewMessage(stream(req), mailFrom, rcpts, raw, MessageIntake.headerMessageId(raw), "http", Optional.ofNullable(key), hash);
    }

    private static void onlyFields(JsonNode req, Set<String> allowed, String hint) {
        for (String name : req.propertyNames())
            if (!allowed.contains(name)) throw ApiError.invalid(name, null, "unknown field; allowed here: " + new TreeSet<>(allowed) + " (" + hint + ")");
    }

    private static Addresses.Mailbox mailbox(JsonNode n, String field) {
        if (n == null || n.isNull()) throw ApiError.invalid(field, null, "required: an email address, e.g. \"app@example.com\" or \"App <app@example.com>\"");
        if (!n.isString()) throw ApiError.invalid(field, n.toString(), "expected a string with an email address");
        String s = n.asString();
        Addresses.Mailbox m = Addresses.mailbox(s).orElseThrow(() -> ApiError.invalid(field, s, "not an email address; expected local@domain or Name <local@domain>"));
        // The composer writes ASCII headers (RFC 5322); an RFC 6531 address would be sent as "?" in them.
        if (!m.address().chars().allMatch(c -> c < 0x80))
            throw ApiError.invalid(field, s, "a composed message's addresses must be ASCII; send an internationalized address (RFC 6531) in a raw message");
        return m;
    }

    private static List<Addresses.Mailbox> mailboxes(JsonNode req, String field) {
        JsonNode n = req.get(field);
        List<Addresses.Mailbox> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isString()) {
            out.add(mailbox(n, field));
            return out;
        }
        if (!n.isArray()) throw ApiError.invalid(field, n.toString(), "expected an array of email addresses");
        for (int i = 0; i < n.size(); i++) out.add(mailbox(n.get(i), field + "[" + i + "]"));
        return out;
    }

    private static String optionalString(JsonNode req, String field) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isString()) throw ApiError.invalid(field, n.toString(), "expected a string");
        return n.asString();
    }

    private static String stream(JsonNode req) {
        String s = optionalString(req, "stream");
        if (s == null) return StreamName.DEFAULT;
        if (!StreamName.valid(s)) throw ApiError.invalid("stream", s, StreamName.EXPECTED);
        return s;
    }
}
