package dev.rebound.server.api;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The API's one {@link JsonMapper} (Javalin's too) and the small conventions every JSON shape of the API follows. */
final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    /**
     * A request body as JSON, after a strict UTF-8 check (RFC 8259 §8.1: JSON text is UTF-8; RFC 3629 §3: overlong
     * forms such as {@code C0 AF} for "/", surrogates and bytes above {@code F4} are invalid). Jackson decodes an
     * overlong sequence as the character it spells, so a body is checked first. Empty body: null.
     */
    static JsonNode read(byte[] body) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(Math.min(body.length, 8192) + 1);
        while (true) {
            CoderResult r = d.decode(in, out, true);
            if (r.isError()) {
                int at = in.position();
                byte[] bad = java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + Math.max(4, r.length())));
                throw ApiError.invalid("body", null, "the body is not valid UTF-8: an invalid or overlong sequence at byte " + at
                        + " (the bytes from there: " + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bad) + "; RFC 3629); send UTF-8 text");
            }
            if (r.isUnderflow()) break;
            out.clear(); // only the check matters, not the characters
        }
        if (body.length == 0) return null;
        try {
            return MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalid("body", null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** An instant as ISO-8601 text, or JSON null when absent. */
    static void putInstant(ObjectNode n, String name, Optional<Instant> at) {
        if (at.isPresent()) n.put(name, at.get().toString());
        else n.putNull(name);
    }

    /** "" as JSON null. */
    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Quoted input is cut at 200 characters in error answers. */
    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
