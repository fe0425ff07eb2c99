package dev.rebound.server.api;

import dev.rebound.server.store.EvidenceView;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.Suppression;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/addresses/{address}}: an address's suppression entries in every stream and its evidence. */
final class AddressRoutes {
    private final Store store;

    AddressRoutes(Store store) {
        this.store = store;
    }

    List<Route> routes() {
        return List.of(Route.get("/v1/addresses/{address}", this::address));
    }

    private void address(Context ctx) {
        String address = ctx.pathParam("address").strip();
        ObjectNode n = Json.object().put("address", address.toLowerCase(Locale.ROOT));
        ArrayNode sup = n.putArray("suppressions");
        for (Suppression s : store.suppressions(Optional.empty(), Optional.of(address), Optional.empty(), 1000)) {
            ObjectNode o = sup.addObject().put("stream", s.stream()).put("state", s.state().name()).put("reason", s.reason())
                    .put("rule", s.ruleId()).put("created_at", s.createdAt().toString()).put("evidence_ref", s.evidenceRef());
            Json.putInstant(o, "expires_at", s.expiresAt());
        }
        ArrayNode ev = n.putArray("evidence");
        for (EvidenceView e : store.evidenceOfAddress(address, 500)) ev.add(Views.evidence(e));
        ctx.json(n);
    }
}
