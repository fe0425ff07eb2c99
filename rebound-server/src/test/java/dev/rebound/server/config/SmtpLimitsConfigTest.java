package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code smtp.limits.*} and {@code smtp.auth.*} limit keys: defaults, overrides, and what is refused. */
class SmtpLimitsConfigTest {
    @Test
    void defaults() {
        ReboundConfig.Smtp s = new ConfigLoader(Map.of()).load().smtp();
        assertThat(s.limits()).isEqualTo(new ReboundConfig.SmtpLimits(1000, 20, 100, Duration.ofMinutes(5), 50,
                Duration.ofHours(1), Duration.ofMinutes(10), 500));
        assertThat(s.authLimits().maxFailures()).isEqualTo(5);
        assertThat(s.authLimits().failureWindow()).isEqualTo(Duration.ofMinutes(15));
        assertThat(s.authLimits().maxConcurrentChecks()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        assertThat(s.authLimits().cacheTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(s.authLimits().failureDelay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void overridesFromYamlAndEnvironment() {
        ReboundConfig.Smtp s = new ConfigLoader(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "30s", "REBOUND_SMTP_AUTH_MAX_CONCURRENT_CHECKS", "3"))
                .loadText("""
                        smtp:
                          limits: {max-connections: 50, max-connections-per-client: 5, reserved-connections: 10, min-data-rate: 0}
                          auth: {cache-ttl: 0s, failure-delay: 0s}
                        """).smtp();
        assertThat(s.limits().maxConnections()).isEqualTo(50);
        assertThat(s.limits().maxConnectionsPerClient()).isEqualTo(5);
        assertThat(s.limits().reservedConnections()).isEqualTo(10);
        assertThat(s.limits().minDataRate()).isZero();
        assertThat(s.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.authLimits().maxConcurrentChecks()).isEqualTo(3);
        assertThat(s.authLimits().cacheTtl()).isZero();
        assertThat(s.authLimits().failureDelay()).isZero();
    }

    @Test
    void reservedMustLeaveRoomForOthers_andTimesMustBePositive() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_SMTP_LIMITS_RESERVED_CONNECTIONS", "1000")).load())
                .hasMessageContaining("smtp.limits.reserved-connections").hasMessageContaining("1000")
                .hasMessageContaining("smaller than smtp.limits.max-connections");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_SMTP_LIMITS_IDLE_TIMEOUT", "0s")).load())
                .hasMessageContaining("smtp.limits.idle-timeout").hasMessageContaining("positive");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_SMTP_LIMITS_MAX_CONNECTIONS_PER_CLIENT", "0")).load())
                .hasMessageContaining("smtp.limits.max-connections-per-client");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_SMTP_AUTH_FAILURE_WINDOW", "soon")).load())
                .hasMessageContaining("smtp.auth.failure-window").hasMessageContaining("soon");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("smtp: {limits: {max-conections: 5}}"))
                .hasMessageContaining("max-conections").hasMessageContaining("max-connections");
    }
}
