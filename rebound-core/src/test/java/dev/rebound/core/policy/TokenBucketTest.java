package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private final TokenBucket bucket = new TokenBucket(10, 3); // 100 ms per token, 3 at most

    @Test
    void burstThenOnePerInterval() {
        TokenBucket.State s = bucket.full(T0);
        for (int i = 0; i < 3; i++) {
            TokenBucket.Take t = bucket.tryTake(s, T0);
            assertThat(t.allowed()).isTrue();
            assertThat(t.waitUntil()).isEqualTo(T0);
            s = t.newState();
        }
        TokenBucket.Take denied = bucket.tryTake(s, T0);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.waitUntil()).isEqualTo(T0.plusMillis(100));
        assertThat(bucket.tryTake(denied.newState(), T0.plusMillis(99)).allowed()).isFalse();
        TokenBucket.Take later = bucket.tryTake(denied.newState(), T0.plusMillis(100));
        assertThat(later.allowed()).isTrue();
        assertThat(bucket.tryTake(later.newState(), T0.plusMillis(100)).allowed()).isFalse();
    }

    @Test
    void refillStopsAtTheBurst() {
        TokenBucket.State s = bucket.full(T0);
        s = bucket.tryTake(s, T0).newState();
        // a year later the bucket holds 3, not 315 million
        var later = T0.plus(Duration.ofDays(365));
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            TokenBucket.Take t = bucket.tryTake(s, later);
            if (t.allowed()) allowed++;
            s = t.newState();
        }
        assertThat(allowed).isEqualTo(3);
    }

    @Test
    void aClockGoingBackwardsGivesNothingExtra() {
        TokenBucket.State s = bucket.full(T0.plusSeconds(10));
        for (int i = 0; i < 3; i++) s = bucket.tryTake(s, T0.plusSeconds(10)).newState();
        assertThat(bucket.tryTake(s, T0).allowed()).isFalse();
    }

    @Test
    void invalidBucketsAreRejected() {
        assertThatThrownBy(() -> new TokenBucket(-1, 3)).hasMessageContaining("ratePerSecond").hasMessageContaining("-1");
        assertThatThrownBy(() -> new TokenBucket(1, 0)).hasMessageContaining("burst").hasMessageContaining("0");
    }
}
