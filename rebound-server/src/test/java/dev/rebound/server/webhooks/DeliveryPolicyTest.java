package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.store.WebhookStore.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeliveryPolicyTest {
    private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    private final DeliveryPolicy policy = new DeliveryPolicy(DeliveryPolicy.DEFAULT_SCHEDULE, Duration.ofDays(5));

    @Test
    void twoHundreds_areDelivered_andNothingElseIs() {
        assertThat(policy.decide(1, 204, "", Optional.empty(), T0).state()).isEqualTo(DeliveryState.DELIVERED);
        for (int status : new int[] {0, 199, 301, 400, 410, 500, 503})
            assertThat(policy.decide(1, status, status == 0 ? "timeout" : "", Optional.empty(), T0).state()).as("HTTP %d", status)
                    .isEqualTo(DeliveryState.PENDING);
    }

    @Test
    void schedule_5s_5m_30m_2h_5h_10h_10h_thenFailed() {
        List<Duration> gaps = new ArrayList<>();
        Instant at = T0;
        for (int attempt = 1; ; attempt++) {
            DeliveryPolicy.Decision d = policy.decide(attempt, 500, "", Optional.of(T0), at);
            if (d.state() == DeliveryState.FAILED) {
                assertThat(attempt).isEqualTo(8);
                assertThat(d.next()).isEmpty();
                assertThat(d.rule()).isEqualTo("webhook.schedule-spent");
                break;
            }
            gaps.add(Duration.between(at, d.next().orElseThrow()));
            at = d.next().get();
        }
        assertThat(gaps).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
    }

    @Test
    void endpointFailingForTheWholePeriod_isDisabledWithTheReason() {
        DeliveryPolicy.Decision before = policy.decide(2, 503, "", Optional.of(T0), T0.plus(Duration.ofDays(5)).minusSeconds(1));
        assertThat(before.disableReason()).isEmpty();
        DeliveryPolicy.Decision at = policy.decide(2, 503, "", Optional.of(T0), T0.plus(Duration.ofDays(5)));
        assertThat(at.disableReason()).hasValueSatisfying(r -> assertThat(r).contains("every delivery failed since " + T0).contains("HTTP 503"));
        assertThat(at.state()).isEqualTo(DeliveryState.PENDING);
        DeliveryPolicy.Decision timeout = policy.decide(2, 0, "no response within webhooks.timeout PT10S", Optional.of(T0), T0.plus(Duration.ofDays(6)));
        assertThat(timeout.disableReason()).hasValueSatisfying(r -> assertThat(r).contains("no response within"));
        // a first failure never disables (failing_since is set by it)
        assertThat(policy.decide(1, 500, "", Optional.empty(), T0.plus(Duration.ofDays(9))).disableReason()).isEmpty();
        // a success never does
        assertThat(policy.decide(1, 200, "", Optional.of(T0), T0.plus(Duration.ofDays(9))).disableReason()).isEmpty();
    }
}
