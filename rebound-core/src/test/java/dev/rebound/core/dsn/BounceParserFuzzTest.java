package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@link BounceParser#parse(byte[])} never throws, whatever the bytes. In {@code mvn verify} this replays the seed
 * corpus (dev emails with LF, CRLF and CR line endings) under
 * {@code src/test/resources/dev/rebound/core/dsn/BounceParserFuzzTestInputs/parseNeverThrows}; with
 * {@code JAZZER_FUZZ=1} it fuzzes for up to 10 minutes.
 */
class BounceParserFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void parseNeverThrows(byte[] email) {
        BounceResult r = BounceParser.parse(email);
        assertThat(r).isNotNull();
        for (BounceRecord b : r.records()) {
            assertThat(b.recipient()).isNotNull();
            assertThat(b.classification()).isNotNull();
            assertThat(b.status()).matches("|[245]\\.\\d{1,3}\\.\\d{1,3}");
        }
    }
}
