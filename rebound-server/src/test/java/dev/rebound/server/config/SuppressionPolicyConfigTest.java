package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.policy.SuppressionConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code suppression.policy.*}: the core suppression policy's thresholds from the file and the environment. */
class SuppressionPolicyConfigTest {
    @Test
    void defaults_areTheCorePolicyDefaults() {
        assertThat(new ConfigLoader(Map.of()).load().suppressionPolicy()).isEqualTo(SuppressionConfig.defaults());
    }

    @Test
    void fileAndEnvironment_setThresholds() {
        ReboundConfig c = new ConfigLoader(Map.of("REBOUND_SUPPRESSION_POLICY_BREAKER_MIN_RECIPIENTS", "50")).loadText("""
                suppression:
                  policy:
                    soft-suppress-messages: 3
                    soft-suppress-span: 7d
                    breaker-failure-share: 0.8
                """);
        assertThat(c.suppressionPolicy().softSuppressMessages()).isEqualTo(3);
        assertThat(c.suppressionPolicy().softSuppressSpan()).isEqualTo(Duration.ofDays(7));
        assertThat(c.suppressionPolicy().breakerFailureShare()).isEqualTo(0.8);
        assertThat(c.suppressionPolicy().breakerMinRecipients()).isEqualTo(50);
        assertThat(c.suppressionPolicy().softReviewMessages()).isEqualTo(3);
    }

    @Test
    void badValues_nameTheKeyAndSayWhatIsAllowed() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("suppression: {policy: {soft-review-messages: 1}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("suppression.policy.soft-review-messages")
                .hasMessageContaining("one soft bounce never suppresses");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("suppression: {policy: {breaker-failure-share: 1.5}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("suppression.policy.breaker-failure-share").hasMessageContaining("1.5");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("suppression: {policy: {complaint-expiry: 0s}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("suppression.policy.complaint-expiry");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("suppression: {policy: {soft-bounces: 3}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config key 'suppression.policy.soft-bounces'");
    }
}
