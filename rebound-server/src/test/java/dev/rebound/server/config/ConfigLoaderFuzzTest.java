package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Jazzer fuzz tests of {@link ConfigLoader}: arbitrary YAML text (seeded with {@code rebound.example.yaml} and small
 * variants under {@code src/test/resources/dev/rebound/server/config/ConfigLoaderFuzzTestInputs/}) and arbitrary
 * environment values for every key. The loader only ever throws {@link ConfigException}, whose message quotes the key
 * (or says the text is not a YAML mapping); what it returns respects every documented range.
 */
class ConfigLoaderFuzzTest {
    /** Every leaf key of the built-in defaults (node.id excluded: blank asks the resolver for the host name). */
    private static final List<String> KEYS = leafKeys();
    private static final Set<String> SECTIONS = new TreeSet<>(KEYS.stream().map(k -> k.substring(0, k.indexOf('.'))).toList());
    private static final Pattern KEY_QUOTED = Pattern.compile("(?s)(?:unknown )?config key '([^']*)'.*");
    private static final Map<String, String> NODE = Map.of("REBOUND_NODE_ID", "fuzz");

    @FuzzTest(maxDuration = "5m")
    void yaml(byte[] text) {
        String yaml = new String(text, StandardCharsets.UTF_8);
        check(() -> new ConfigLoader(NODE).load(yaml, "config file rebound.yaml"), "config file rebound.yaml");
    }

    @FuzzTest(maxDuration = "5m")
    void environment(FuzzedDataProvider data) {
        Map<String, String> env = new HashMap<>(NODE);
        int n = data.consumeInt(1, 4);
        for (int i = 0; i < n; i++) env.put(ConfigLoader.envName(data.pickValue(KEYS)), data.consumeString(80));
        check(() -> new ConfigLoader(env).load(), "");
    }

    private static void check(java.util.function.Supplier<ReboundConfig> load, String source) {
        ReboundConfig c;
        try {
            c = load.get();
        } catch (ConfigException e) {
            String m = e.getMessage();
            Matcher k = KEY_QUOTED.matcher(m);
            if (k.matches()) {
                String key = k.group(1);
                if (!m.startsWith("unknown")) {
                    assertThat(SECTIONS).as("the key quoted by: %s", m).contains(key.contains(".") ? key.substring(0, key.indexOf('.')) : key);
                }
            } else {
                assertThat(source).as("a message that quotes no key: %s", m).isNotEmpty();
                assertThat(m).startsWith(source);
            }
            return;
        }
        assertThat(c.smtp().maxMessageSize()).isBetween(1024, 1 << 30);
        assertThat(c.smtp().maxRecipients()).isBetween(1, 100_000);
        assertThat(c.http().maxBodySize()).isPositive();
        assertThat(c.throttle().minConcurrency()).isLessThanOrEqualTo(c.throttle().initialConcurrency());
        assertThat(c.throttle().initialConcurrency()).isLessThanOrEqualTo(c.throttle().maxConcurrency());
        assertThat(c.throttle().messagesPerSecond()).isBetween(0.0, 1_000_000.0);
        assertThat(c.retry().schedule()).isNotEmpty().allMatch(d -> !d.isNegative());
        assertThat(c.retry().maxAttempts()).isBetween(1, 100);
        for (Duration d : List.of(c.retry().maxAge(), c.dns().timeout(), c.scheduler().pollInterval(), c.scheduler().lease())) {
            assertThat(d.isNegative()).as("negative %s", d).isFalse();
        }
        assertThat(c.delivery().mxPort()).isBetween(1, 65535);
        assertThat(c.delivery().tls()).isNotNull();
        assertThat(c.delivery().tlsPolicies()).doesNotContainValue(null);
        assertThat(c.delivery().mtaStsTimeout().isNegative()).isFalse();
        assertThat(c.store().url()).matches("jdbc:(sqlite|postgresql):.*");
        assertThat(c.api().keys()).allMatch(key -> key.length() >= 16);
        assertThat(c.providers().defaultStream()).matches("[a-z0-9][a-z0-9_.-]{0,63}");
        assertThat(c.smtp().authUsers().isEmpty() || c.smtp().tls().isPresent()).as("AUTH without STARTTLS").isTrue();
    }

    private static List<String> leafKeys() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            List<String> keys = new ArrayList<>();
            collect(new YAMLMapper().readTree(in), "", keys);
            keys.remove("node.id");
            return List.copyOf(keys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(JsonNode n, String prefix, List<String> out) {
        if (n.isObject() && !Set.of("delivery.routes", "smtp.auth.users").contains(prefix)) {
            for (var e : n.properties()) collect(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
        } else {
            out.add(prefix);
        }
    }
}
