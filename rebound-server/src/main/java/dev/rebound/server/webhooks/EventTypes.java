package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public event types of Rebound's outbound webhooks and the subscription rule (pure). Outbox rows are named
 * after what changed inside Rebound ({@code recipient.bounced_hard}, {@code message.accepted}, ...); an
 * application sees one of eleven types. Final outcomes: {@code delivered}, {@code bounced} (hard or soft),
 * {@code blocked} (policy), {@code complained}, {@code suppressed} (a recipient refused at intake, {@code source}
 * {@code intake}; or an address put on the suppression list by a policy, the API or an approved review),
 * {@code unsuppressed} (an entry removed or its review rejected), {@code review} (an entry put in REVIEW for a human), and the operator's {@code alert.opened} / {@code alert.resolved} (a rate
 * alert, see {@code monitor.AlertMonitor}; sent whatever final-only says, they are not per-recipient progress);
 * with final-only off also {@code accepted} (one per message) and {@code deferred} (each
 * temporary failure, from an attempt or a delay notice).
 */
public final class EventTypes {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static final List<String> FINAL = List.of("delivered", "bounced", "blocked", "complained", "suppressed", "unsuppressed",
            "review", "alert.opened", "alert.resolved");
    public static final List<String> ALL = List.of("accepted", "deferred", "delivered", "bounced", "blocked", "complained",
            "suppressed", "unsuppressed", "review", "alert.opened", "alert.resolved");
    private static final Set<String> FINAL_SET = Set.copyOf(FINAL);

    private EventTypes() {}

    /** The public type of an outbox row; empty for rows no application is told about (evidence that changed nothing). */
    public static Optional<String> publicType(WebhookStore.OutboxEvent e) {
        return switch (e.type()) {
            case "message.accepted" -> Optional.of("accepted");
            case "recipient.deferred" -> Optional.of("deferred");
            case "recipient.delivered" -> Optional.of("delivered");
            case "recipient.bounced_hard", "recipient.bounced_soft" -> Optional.of("bounced");
            case "recipient.blocked_policy" -> Optional.of("blocked");
            case "recipient.complaint" -> Optional.of("complained");
            case "recipient.suppressed" -> Optional.of("suppressed");
            case "suppression.created" -> Optional.of("suppressed");
            case "suppression.review" -> Optional.of("review");
            case "suppression.removed" -> Optional.of("unsuppressed");
            case "alert.opened", "alert.resolved" -> Optional.of(e.type());
            case "evidence.recorded" -> "DEFERRED".equals(outcome(e)) ? Optional.of("deferred") : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static String outcome(WebhookStore.OutboxEvent e) {
        JsonNode p = JSON.readTree(e.payload());
        return p.path("outcome").asString("");
    }

    public static boolean isFinal(String type) {
        return FINAL_SET.contains(type);
    }

    /** The subscription rule: a known type, final unless final-only is off, in the type and stream filters. */
    public static boolean wants(WebhookStore.Endpoint endpoint, WebhookStore.OutboxEvent event) {
        Optional<String> type = publicType(event);
        if (type.isEmpty()) return false;
        if (endpoint.finalOnly() && !isFinal(type.get())) return false;
        if (!endpoint.eventTypes().isEmpty() && !endpoint.eventTypes().contains(type.get())) return false;
        return endpoint.streams().isEmpty() || endpoint.streams().contains(event.stream());
    }
}
