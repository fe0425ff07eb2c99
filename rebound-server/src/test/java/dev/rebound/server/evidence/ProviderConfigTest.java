package dev.rebound.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.server.config.ConfigException;
import dev.rebound.server.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** providers.* and bounces.* keys: bound into the core WebhookSettings, bad values named by key. */
class ProviderConfigTest {
    private static ConfigLoader env(Map<String, String> env) {
        return new ConfigLoader(env);
    }

    @Test
    void nothingConfigured_byDefault() {
        var c = env(Map.of()).load();
        assertThat(c.providers().webhooks().ses()).isEmpty();
        assertThat(c.providers().webhooks().sendgrid()).isEmpty();
        assertThat(c.providers().webhooks().postmark()).isEmpty();
        assertThat(c.providers().defaultStream()).isEqualTo("transactional");
        assertThat(c.providers().confirmSnsSubscriptions()).isFalse();
        assertThat(c.bounces().domain()).isEmpty();
    }

    @Test
    void fixtureSettings_bind() {
        var c = env(ProviderFixtures.env()).load();
        var w = c.providers().webhooks();
        assertThat(w.ses().orElseThrow().allowedTopicArns()).containsExactly(ProviderFixtures.TOPIC);
        assertThat(w.sendgrid().orElseThrow().publicKeys()).hasSize(2);
        assertThat(w.mailgun().orElseThrow().signingKeys()).containsExactly(ProviderFixtures.MAILGUN_KEY);
        assertThat(w.postmark().orElseThrow().user()).isEqualTo("rebound");
        assertThat(w.sparkpost()).isPresent();
    }

    @Test
    void badValues_nameTheKey() {
        assertThatThrownBy(() -> env(Map.of("REBOUND_PROVIDERS_SENDGRID_PUBLIC_KEYS", "bm90IGEga2V5")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("providers.sendgrid.public-keys").hasMessageContaining("MFkw");
        assertThatThrownBy(() -> env(Map.of("REBOUND_PROVIDERS_SES_TOPIC_ARNS", "ses-feedback")).load())
                .hasMessageContaining("providers.ses.topic-arns").hasMessageContaining("'ses-feedback'");
        assertThatThrownBy(() -> env(Map.of("REBOUND_PROVIDERS_POSTMARK_USER", "rebound")).load())
                .hasMessageContaining("providers.postmark.password");
        assertThatThrownBy(() -> env(Map.of("REBOUND_BOUNCES_DOMAIN", "not a domain")).load())
                .hasMessageContaining("bounces.domain");
        assertThatThrownBy(() -> env(Map.of("REBOUND_PROVIDERS_SES_CONFIRM_SUBSCRIPTIONS", "maybe")).load())
                .hasMessageContaining("providers.ses.confirm-subscriptions");
    }
}
