package dev.rebound.server.api;

import java.time.Instant;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The API's one {@link JsonMapper} (Javalin's too) and the small conventions every JSON shape of the API follows. */
final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

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
