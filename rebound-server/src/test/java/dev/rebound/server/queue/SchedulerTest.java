package dev.rebound.server.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler against the real store with a scripted agent and a hand-moved clock. */
class SchedulerTest {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    final ScriptedAgent agent = new ScriptedAgent(clock);
    ServiceHarness h;

    @AfterEach
    void stop() {
        if (h != null) h.close();
    }

    private String post(String to) throws Exception {
        var r = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":" + to + ",\"text\":\"x\"}");
        assertThat(r.status()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    private RecipientState state(String messageId, String address) {
        return h.service.store().message(messageId).orElseThrow().recipients().stream()
                .filter(r -> r.address().equals(address)).findFirst().orElseThrow().state();
    }

    @Test
    void runOnce_groupsRecipientsByMessageAndDomain() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        post("[\"a@one.test\",\"b@one.test\",\"c@two.test\"]");
        assertThat(h.service.scheduler().runOnce()).isEqualTo(3);
        assertThat(agent.requests).hasSize(2);
        assertThat(agent.requests).anySatisfy(r -> {
            assertThat(r.domain()).isEqualTo("one.test");
            assertThat(r.recipients()).containsExactly("a@one.test", "b@one.test");
        });
        assertThat(h.service.store().queueStats().depth()).isZero();
    }

    @Test
    void transientFailures_giveUpAfterMaxAttempts() throws Exception {
        agent.on("slow@one.test", SmtpReply.of(451, "4.3.0 later"));
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        String id = post("[\"slow@one.test\"]");
        for (int i = 0; i < 10 && !state(id, "slow@one.test").isFinal(); i++) {
            assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
            var rec = h.service.store().message(id).orElseThrow().recipients().getFirst();
            rec.nextAttemptAt().ifPresent(next -> clock.advance(Duration.between(clock.instant(), next)));
        }
        var r = h.service.store().message(id).orElseThrow().recipients().getFirst();
        assertThat(r.state()).isEqualTo(RecipientState.BOUNCED_SOFT);
        assertThat(r.attemptCount()).isEqualTo(5);
        assertThat(r.lastRule()).isEqualTo("retry.max-attempts");
        assertThat(r.attempts()).hasSize(5).allSatisfy(a -> assertThat(a.smtpCode()).isEqualTo(451));
        // A soft failure never suppresses.
        assertThat(h.service.store().suppression("slow@one.test", "transactional")).isEmpty();
    }

    @Test
    void expiredLeaseOfAnotherOwner_isTakenOver_andOwnLeasesAreReleasedAtStart() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        String id = post("[\"a@one.test\"]");
        // Another node leased it and died.
        assertThat(h.service.store().claimDue("dead-node", 10, Duration.ofMinutes(10))).hasSize(1);
        assertThat(h.service.scheduler().runOnce()).isZero();
        clock.advance(Duration.ofMinutes(11));
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        assertThat(state(id, "a@one.test")).isEqualTo(RecipientState.DELIVERED);

        // This node crashed holding a lease: the next start releases it at once, without waiting for expiry.
        String id2 = post("[\"b@one.test\"]");
        assertThat(h.service.store().claimDue("test-node", 10, Duration.ofMinutes(10))).hasSize(1);
        h.close();
        h = new ServiceHarness(dir, clock, agent, false, Map.of());
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        assertThat(state(id2, "b@one.test")).isEqualTo(RecipientState.DELIVERED);
    }

    @Test
    void loop_isWokenByIntake() throws Exception {
        h = new ServiceHarness(dir, clock, agent, true, Map.of("REBOUND_SCHEDULER_POLL_INTERVAL", "1h"));
        String id = post("[\"a@one.test\"]");
        // With a one-hour poll interval only the wake-up from intake can deliver it.
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id, "a@one.test") == RecipientState.DELIVERED);
    }

    @Test
    void domainOverItsMessageRate_isPostponedWithoutSpendingAnAttempt() throws Exception {
        h = new ServiceHarness(dir, clock, agent, false, Map.of("REBOUND_THROTTLE_MESSAGES_PER_SECOND", "1", "REBOUND_THROTTLE_BURST", "1"));
        String a = post("[\"a@one.test\"]"), b = post("[\"b@one.test\"]"), c = post("[\"c@one.test\"]");
        String other = post("[\"x@two.test\"]");
        Instant t0 = clock.instant();
        assertThat(h.service.scheduler().runOnce()).isEqualTo(4);
        // One message per domain per second: one.test got one transaction, two.test its own.
        assertThat(agent.requests).extracting(r -> r.domain()).containsExactlyInAnyOrder("one.test", "two.test");
        assertThat(state(other, "x@two.test")).isEqualTo(RecipientState.DELIVERED);
        var waiting = java.util.stream.Stream.of(a, b, c)
                .map(id -> h.service.store().message(id).orElseThrow().recipients().getFirst())
                .filter(r -> r.state() != RecipientState.DELIVERED).toList();
        assertThat(waiting).hasSize(2).allSatisfy(r -> {
            assertThat(r.attemptCount()).as("no attempt spent").isZero();
            assertThat(r.attempts()).isEmpty();
        });
        assertThat(waiting).extracting(r -> r.nextAttemptAt().orElseThrow()).containsExactlyInAnyOrder(t0.plusSeconds(1), t0.plusSeconds(2));
        // Nothing is due before the next token.
        assertThat(h.service.scheduler().runOnce()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(h.service.scheduler().runOnce()).isEqualTo(1);
        assertThat(java.util.stream.Stream.of(a, b, c).map(id -> state(id, id.equals(a) ? "a@one.test" : id.equals(b) ? "b@one.test" : "c@one.test")))
                .containsOnly(RecipientState.DELIVERED);
        assertThat(agent.requests).hasSize(4);
    }
}
