package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir Path dir;

    @Test
    void load_noFile_builtInDefaults() {
        ReboundConfig c = new ConfigLoader(Map.of()).load(dir.resolve("rebound.yaml"), false);
        assertThat(c.http().listen()).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(c.smtp().listen()).isEqualTo(new HostPort("127.0.0.1", 2587));
        assertThat(c.store().url()).isEqualTo("jdbc:sqlite:./data/rebound.db");
        assertThat(c.dns().servers()).isEmpty();
        assertThat(c.delivery().relay()).isEmpty();
        assertThat(c.retry().schedule()).containsExactly(Duration.ZERO, Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(6));
        assertThat(c.api().keys()).isEmpty();
        assertThat(c.node().id()).isNotBlank();
    }

    @Test
    void load_exampleFile_isValid() {
        Path file = Path.of("..", "rebound.example.yaml");
        assertThat(file).exists();
        ReboundConfig c = new ConfigLoader(Map.of()).load(file, true);
        assertThat(c.delivery().routes()).containsKey("soft.bench.test");
    }

    @Test
    void load_fileThenEnvironment_envWins() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, """
                http:
                  listen: 127.0.0.1:9000
                delivery:
                  routes:
                    Example.TEST: 127.0.0.1:2525
                dns:
                  servers: [127.0.0.1:5353]
                """);
        ReboundConfig c = new ConfigLoader(Map.of("REBOUND_HTTP_LISTEN", "0.0.0.0:9100",
                "REBOUND_API_KEYS", "0123456789abcdef0123,fedcba9876543210fedc")).load(f, true);
        assertThat(c.http().listen()).isEqualTo(new HostPort("0.0.0.0", 9100));
        assertThat(c.delivery().routes()).containsEntry("example.test", new HostPort("127.0.0.1", 2525));
        assertThat(c.dns().servers()).containsExactly(new HostPort("127.0.0.1", 5353));
        assertThat(c.api().keys()).hasSize(2);
    }

    @Test
    void load_routesFromEnvironment() {
        ReboundConfig c = new ConfigLoader(Map.of("REBOUND_DELIVERY_ROUTES", "a.test=127.0.0.1:1,b.test=127.0.0.1:2")).load();
        assertThat(c.delivery().routes()).containsOnlyKeys("a.test", "b.test");
    }

    @Test
    void load_badValue_namesKeyValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_HTTP_LISTEN", "localhost")).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'http.listen'").hasMessageContaining("'localhost'").hasMessageContaining("host:port");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("retry:\n  schedule: [0s, soon]\n"))
                .hasMessageContaining("'retry.schedule'").hasMessageContaining("'soon'").hasMessageContaining("5m");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("smtp:\n  relay-networks: [\"10.0.0.0/33\"]\n"))
                .hasMessageContaining("'smtp.relay-networks'").hasMessageContaining("10.0.0.0/33").hasMessageContaining("CIDR");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("store:\n  url: mysql://x\n"))
                .hasMessageContaining("'store.url'").hasMessageContaining("jdbc:sqlite:");
    }

    @Test
    void load_postgresqlUrl_withUserAndPasswordFromTheEnvironment_passwordNeverPrinted() {
        ReboundConfig c = new ConfigLoader(Map.of("REBOUND_STORE_URL", "jdbc:postgresql://db.example:5432/rebound",
                "REBOUND_STORE_USER", "rebound", "REBOUND_STORE_PASSWORD", "s3cret")).load();
        assertThat(c.store().postgres()).isTrue();
        assertThat(c.store().url()).isEqualTo("jdbc:postgresql://db.example:5432/rebound");
        assertThat(c.store().user()).isEqualTo("rebound");
        assertThat(c.store().password()).isEqualTo("s3cret");
        assertThat(c.store().toString()).contains("user=rebound").doesNotContain("s3cret");
        assertThat(new ConfigLoader(Map.of()).load().store().postgres()).as("the default is a SQLite file").isFalse();
    }

    @Test
    void load_storeLoginWithASqliteUrl_isRefused() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_STORE_USER", "rebound")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("'store.user'").hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_STORE_URL", "jdbc:postgresql:")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("'store.url'").hasMessageContaining("jdbc:postgresql://<host>");
    }

    @Test
    void deliveryTls_defaultPerDomainAndMtaSts() {
        ReboundConfig d = new ConfigLoader(Map.of()).load();
        assertThat(d.delivery().tls()).isEqualTo(dev.rebound.core.tls.TlsMode.OPPORTUNISTIC);
        assertThat(d.delivery().tlsPolicies()).isEmpty();
        assertThat(d.delivery().mtaSts()).isTrue();
        assertThat(d.delivery().mtaStsTimeout()).isEqualTo(Duration.ofSeconds(10));
        // the old values keep working; require is new
        for (String v : List.of("none", "opportunistic", "verify", "require", "VERIFY")) {
            assertThat(new ConfigLoader(Map.of("REBOUND_DELIVERY_TLS", v)).load().delivery().tls().id()).isEqualTo(v.toLowerCase(java.util.Locale.ROOT));
        }
        ReboundConfig c = new ConfigLoader(Map.of()).loadText("""
                delivery:
                  tls: none
                  tls-policies:
                    Bank.Example: verify
                    partner.example: require
                  mta-sts:
                    enabled: false
                    timeout: 3s
                """);
        assertThat(c.delivery().tls()).isEqualTo(dev.rebound.core.tls.TlsMode.NONE);
        assertThat(c.delivery().tlsPolicies()).containsEntry("bank.example", dev.rebound.core.tls.TlsMode.VERIFY)
                .containsEntry("partner.example", dev.rebound.core.tls.TlsMode.REQUIRE);
        assertThat(c.delivery().mtaSts()).isFalse();
        assertThat(c.delivery().mtaStsTimeout()).isEqualTo(Duration.ofSeconds(3));
        var dc = dev.rebound.server.service.DeliveryAgents.deliveryConfig(c);
        assertThat(dc.tlsFor("BANK.example")).isEqualTo(dev.rebound.core.tls.TlsMode.VERIFY);
        assertThat(dc.tlsFor("other.example")).isEqualTo(dev.rebound.core.tls.TlsMode.NONE);
        assertThat(dc.mtaSts().enabled()).isFalse();
        assertThat(new ConfigLoader(Map.of("REBOUND_DELIVERY_TLS_POLICIES", "a.example=verify,b.example=none")).load().delivery().tlsPolicies())
                .containsOnlyKeys("a.example", "b.example");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_DELIVERY_TLS", "dane")).load())
                .hasMessageContaining("'delivery.tls'").hasMessageContaining("'dane'").hasMessageContaining("require");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("delivery:\n  tls-policies:\n    a.example: always\n"))
                .hasMessageContaining("'delivery.tls-policies.a.example'").hasMessageContaining("'always'");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("delivery:\n  tls-policies:\n    \"not a domain\": verify\n"))
                .hasMessageContaining("domain name");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("delivery:\n  mta-sts:\n    timeout: 0s\n"))
                .hasMessageContaining("'delivery.mta-sts.timeout'");
    }

    @Test
    void load_unknownKey_listsKnownKeys() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("http:\n  port: 80\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'http.port'").hasMessageContaining("listen");
    }

    @Test
    void load_missingExplicitFile_isAnError() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yaml"), true))
                .hasMessageContaining("nope.yaml").hasMessageContaining("does not exist");
    }

    @Test
    void ipNetwork_contains() throws Exception {
        IpNetwork n = IpNetwork.parseOrNull("10.1.0.0/16");
        assertThat(n.contains(java.net.InetAddress.getByName("10.1.200.3"))).isTrue();
        assertThat(n.contains(java.net.InetAddress.getByName("10.2.0.1"))).isFalse();
        assertThat(IpNetwork.parseOrNull("example.com")).isNull();
        assertThat(List.of(ConfigLoader.envName("smtp.relay-networks"))).containsExactly("REBOUND_SMTP_RELAY_NETWORKS");
    }

    @Test
    void smtpAuth_usersFromYaml_needTls_andHashesNotPasswords() throws Exception {
        String hash = PasswordHash.create("pw".toCharArray(), 1000, new java.security.SecureRandom()).text();
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("smtp: {auth: {users: {app: \"" + hash + "\"}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp.auth.users").hasMessageContaining("smtp.tls.cert");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("smtp: {tls: {cert: a.pem, key: b.pem}, auth: {users: {app: hunter2hunter2}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp.auth.users.app").hasMessageContaining("hash-password")
                .hasMessageNotContaining("hunter2hunter2");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("smtp: {tls: {cert: a.pem}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp.tls.key");
        ReboundConfig c = new ConfigLoader(Map.of("REBOUND_SMTP_AUTH_USERS", "app=" + hash))
                .loadText("smtp: {tls: {cert: a.pem, key: b.pem}}");
        assertThat(c.smtp().tls()).contains(new ReboundConfig.Tls(Path.of("a.pem"), Path.of("b.pem")));
        assertThat(c.smtp().authUsers()).containsOnlyKeys("app");
        assertThat(c.smtp().authUsers().get("app").matches("pw")).isTrue();
        assertThat(c.smtp().authUsers().get("app").matches("pW")).isFalse();
        assertThat(new ConfigLoader(Map.of()).load().smtp().tls()).isEmpty();
    }

    @Test
    void passwordHash_roundTrip_andRejectsGarbage() {
        PasswordHash h = PasswordHash.create("é pass".toCharArray(), 1000, new java.security.SecureRandom());
        PasswordHash parsed = PasswordHash.parseOrNull(h.text());
        assertThat(parsed).isNotNull();
        assertThat(parsed.iterations()).isEqualTo(1000);
        assertThat(parsed.matches("é pass")).isTrue();
        assertThat(parsed.matches("e pass")).isFalse();
        assertThat(h.text()).doesNotContain("=").doesNotContain(",");
        assertThat(PasswordHash.parseOrNull("pbkdf2-sha256$999$AAAAAAAAAAAAAAAAAAAAAA$" + "A".repeat(43))).as("too few iterations").isNull();
        assertThat(PasswordHash.parseOrNull("secret")).isNull();
    }

    @Test
    void webhooks_endpointsFromTheFile_andDefaults() {
        ReboundConfig d = new ConfigLoader(Map.of()).load();
        assertThat(d.webhooks().endpoints()).isEmpty();
        assertThat(d.webhooks().retrySchedule()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
                Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
        assertThat(d.webhooks().disableAfter()).isEqualTo(Duration.ofDays(5));
        ReboundConfig c = new ConfigLoader(Map.of()).loadText("""
                webhooks:
                  endpoints:
                    - id: app
                      url: https://app.example.com/hook
                      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
                      final-only: false
                      streams: [transactional]
                """);
        var e = c.webhooks().endpoints().getFirst();
        assertThat(e.id()).isEqualTo("app");
        assertThat(e.finalOnly()).isFalse();
        assertThat(e.enabled()).isTrue();
        assertThat(e.streams()).containsExactly("transactional");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).loadText("""
                webhooks:
                  endpoints:
                    - id: app
                      url: https://app.example.com/hook
                      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
                      finalonly: false
                """)).hasMessageContaining("webhooks.endpoints[0].finalonly").hasMessageContaining("final-only");
    }
}
