package dev.rebound.server.webhooks;

import dev.rebound.server.store.WebhookStore.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What an attempt leads to (pure; the clock's instant is passed in). Retries follow a fixed schedule counted from
 * each failed attempt (default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about 28 hours,
 * the shape Svix and the Standard Webhooks spec recommend), then the delivery is FAILED and stays visible for
 * redelivery. Only a 2xx counts as delivered (a redirect is not followed). An endpoint that has failed every
 * attempt since {@code failingSince} for at least {@code disableAfter} is disabled, with the reason shown; its
 * events stay stored.
 */
public record DeliveryPolicy(List<Duration> schedule, Duration disableAfter) {
    public static final List<Duration> DEFAULT_SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));

    public DeliveryPolicy {
        schedule = List.copyOf(schedule);
        if (schedule.isEmpty()) throw new IllegalArgumentException("the retry schedule needs at least one delay");
    }

    /** The decision: the delivery's next state, its next attempt (PENDING only) and whether to disable the endpoint. */
    public record Decision(DeliveryState state, Optional<Instant> next, Optional<String> disableReason, String rule) {}

    /**
     * @param attempt      the number of this attempt (1 = first)
     * @param status       the HTTP status, 0 when no response came
     * @param error        why no response came ("" when one did)
     * @param failingSince when the endpoint's current run of failures began (empty: its last attempt succeeded)
     */
    public Decision decide(int attempt, int status, String error, Optional<Instant> failingSince, Instant now) {
        if (status >= 200 && status < 300) return new Decision(DeliveryState.DELIVERED, Optional.empty(), Optional.empty(), "webhook.2xx");
        Optional<String> disable = Optional.empty();
        if (failingSince.isPresent() && Duration.between(failingSince.get(), now).compareTo(disableAfter) >= 0) {
            disable = Optional.of("every delivery failed since " + failingSince.get() + " (webhooks.disable-after "
                    + disableAfter + "); last attempt: " + (status > 0 ? "HTTP " + status : error)
                    + ". Fix the endpoint, then PATCH it with {\"enabled\": true} and replay the outage's time range");
        }
        if (attempt <= schedule.size()) {
            return new Decision(DeliveryState.PENDING, Optional.of(now.plus(schedule.get(attempt - 1))), disable,
                    disable.isPresent() ? "webhook.retry+disable" : "webhook.retry");
        }
        return new Decision(DeliveryState.FAILED, Optional.empty(), disable,
                disable.isPresent() ? "webhook.schedule-spent+disable" : "webhook.schedule-spent");
    }
}
