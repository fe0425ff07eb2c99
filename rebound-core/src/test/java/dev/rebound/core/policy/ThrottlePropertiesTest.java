package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ThrottlePropertiesTest {

    @Provide
    Arbitrary<List<ThrottleEvent>> events() {
        // offsets may go backwards a little (late events) as well as far forward
        return Combinators.combine(Arbitraries.longs().between(-5_000, 120_000), Arbitraries.of(ThrottleEvent.Kind.class))
                .as((ms, k) -> new ThrottleEvent(T0.plusMillis(ms), k, ""))
                .list().ofMaxSize(300)
                .map(l -> {
                    // turn offsets into a mostly increasing timeline
                    List<ThrottleEvent> out = new ArrayList<>();
                    Instant t = T0;
                    for (ThrottleEvent e : l) {
                        t = t.plusMillis(Duration.between(T0, e.at()).toMillis());
                        out.add(new ThrottleEvent(t, e.kind(), ""));
                    }
                    return out;
                });
    }

    @Provide
    Arbitrary<ThrottleConfig> configs() {
        return Combinators.combine(Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 10),
                        Arbitraries.integers().between(0, 30), Arbitraries.integers().between(1, 5),
                        Arbitraries.integers().between(1, 12), Arbitraries.integers().between(1, 8))
                .as((min, up, extra, defs, k, dead) -> new ThrottleConfig(min + up, min + up + extra, min, defs, 1,
                        Duration.ofSeconds(60), Duration.ofSeconds(30), k, Duration.ofSeconds(1), Duration.ofMinutes(5),
                        dead, Duration.ofMinutes(5), Duration.ofHours(1), 10, 20));
    }

    @Property
    void throttleConcurrencyStaysWithinFloorAndMax(@ForAll("events") List<ThrottleEvent> es,
                                                   @ForAll("configs") ThrottleConfig c) {
        ThrottleController ctl = ThrottleController.standard();
        ThrottleState s = ThrottleState.initial("example.com", c, T0);
        for (ThrottleEvent e : es) {
            ThrottleDecision d = ctl.apply(s, e, c);
            assertThat(d.concurrencyLimit()).isBetween(Math.max(1, c.minConcurrency()), c.maxConcurrency());
            assertThat(d.minDelayBetweenConnections()).isBetween(Duration.ZERO, c.backoffMax());
            assertThat(d.dead()).isEqualTo(d.deadUntil().isPresent());
            assertThat(d.ruleId()).startsWith("throttle.");
            // increases are +1 at most, decreases at least halve-or-floor, and only via their rules
            if (d.concurrencyLimit() > s.concurrency()) {
                assertThat(d.concurrencyLimit()).isEqualTo(s.concurrency() + 1);
                assertThat(d.ruleId()).isEqualTo("throttle.aimd.increase");
            }
            s = d.state();
        }
    }

    @Provide
    Arbitrary<List<Long>> gaps() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 50_000_000L), Arbitraries.longs().between(0, 3_000_000_000L))
                .list().ofMinSize(1).ofMaxSize(200);
    }

    @Property
    void tokenBucketNeverAllowsMoreThanRateTimesTPlusBurst(@ForAll("gaps") List<Long> gapsNanos,
                                                           @ForAll("rates") double rate,
                                                           @ForAll("bursts") int burst) {
        TokenBucket b = new TokenBucket(rate, burst);
        TokenBucket.State s = b.full(T0);
        List<Instant> times = new ArrayList<>();
        List<Boolean> allowed = new ArrayList<>();
        Instant t = T0;
        for (long g : gapsNanos) {
            t = t.plusNanos(g);
            TokenBucket.Take take = b.tryTake(s, t);
            times.add(t);
            allowed.add(take.allowed());
            if (!take.allowed()) assertThat(take.waitUntil()).isAfter(t);
            s = take.newState();
        }
        // every window [times[i], times[j]]: allowed count <= rate * length + burst
        for (int i = 0; i < times.size(); i++) {
            int count = 0;
            for (int j = i; j < times.size(); j++) {
                if (allowed.get(j)) count++;
                double seconds = Duration.between(times.get(i), times.get(j)).toNanos() / 1e9;
                assertThat((double) count).isLessThanOrEqualTo(rate * seconds + burst + 1e-9);
            }
        }
    }

    @Provide
    Arbitrary<Double> rates() {
        return Arbitraries.of(0.5, 1.0, 3.0, 7.0, 10.0, 33.3, 100.0, 1000.0);
    }

    @Provide
    Arbitrary<Integer> bursts() {
        return Arbitraries.integers().between(1, 25);
    }
}
