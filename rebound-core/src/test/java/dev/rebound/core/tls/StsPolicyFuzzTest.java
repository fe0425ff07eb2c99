package dev.rebound.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The MTA-STS parsers take what any domain publishes (an HTTPS body, TXT records): they never throw and what they
 * accept keeps the RFC 8461 invariants. In {@code mvn verify} this replays the seeds under
 * {@code src/test/resources/dev/rebound/core/tls/StsPolicyFuzzTestInputs/<method>}; with {@code JAZZER_FUZZ=1} it
 * fuzzes for up to 10 minutes per method.
 */
class StsPolicyFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void policyParsingNeverThrows(byte[] body) {
        StsPolicy.Parse p = StsPolicy.parse(new String(body, StandardCharsets.UTF_8));
        assertThat(p).isNotNull();
        if (p instanceof StsPolicy.Valid v) {
            StsPolicy policy = v.policy();
            assertThat(policy.maxAge()).isLessThanOrEqualTo(StsPolicy.MAX_AGE_LIMIT);
            assertThat(policy.maxAge().isNegative()).isFalse();
            if (policy.mode() != StsMode.NONE) assertThat(policy.mx()).isNotEmpty();
            for (MxPattern m : policy.mx()) {
                String host = m.pattern().startsWith("*.") ? "x" + m.pattern().substring(1) : m.pattern();
                assertThat(m.matches(host)).isTrue();
                assertThat(policy.allows(host)).isTrue();
                assertThat(m.matches("a." + host + ".invalid")).isFalse(); // another pattern of the policy may match it
            }
        } else {
            assertThat(((StsPolicy.Invalid) p).problem()).isNotBlank();
        }
    }

    @FuzzTest(maxDuration = "10m")
    void recordDiscoveryNeverThrows(byte[] records) {
        List<String> txt = List.of(new String(records, StandardCharsets.ISO_8859_1).split("\0", -1));
        StsRecord r = StsRecord.discover(txt);
        assertThat(r).isNotNull();
        if (r instanceof StsRecord.Found f) assertThat(f.id()).matches("[A-Za-z0-9]{1,32}");
        else assertThat(((StsRecord.NotFound) r).why()).isNotBlank();
    }
}
