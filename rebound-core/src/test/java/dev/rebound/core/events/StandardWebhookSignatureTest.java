package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The Standard Webhooks spec's own test vector (fixtures/provider-events/standard-webhooks/test-vectors.json). */
class StandardWebhookSignatureTest {
    private static final JsonNode V = Fixtures.json("standard-webhooks/test-vectors.json");
    private static final byte[] PAYLOAD = V.get("payload").stringValue().getBytes(StandardCharsets.UTF_8);
    private static final long TS = V.get("timestamp").longValue();
    private static final String ID = V.get("msg_id").stringValue();
    private static final Duration TOLERANCE = Duration.ofSeconds(V.get("tolerance_seconds").longValue());
    private static final Clock AT_VECTOR = Clock.fixed(Instant.ofEpochSecond(TS + 10), ZoneOffset.UTC);

    @Test
    void signsTheVector() {
        assertThat(new StandardWebhookSignature(V.get("secret").stringValue()).sign(ID, TS, PAYLOAD))
                .isEqualTo(V.get("expected_signature").stringValue());
    }

    @Test
    void verifiesTheRotationHeaderWithEitherSecret() {
        String header = V.get("rotation_example").get("webhook-signature").stringValue();
        for (String secret : new String[] {V.get("secret").stringValue(), V.get("rotation_example").get("old_secret").stringValue()}) {
            assertThat(new StandardWebhookSignature(secret).verify(ID, Long.toString(TS), header, PAYLOAD, AT_VECTOR, TOLERANCE))
                    .isEqualTo(new Verification.Verified("standard-webhooks-v1"));
        }
        assertThat(new StandardWebhookSignature("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]))
                .verify(ID, Long.toString(TS), header, PAYLOAD, AT_VECTOR, TOLERANCE))
                .isInstanceOf(Verification.Rejected.class);
    }

    @Test
    void changedPayloadOrStaleTimestampFails() {
        var s = new StandardWebhookSignature(V.get("secret").stringValue());
        String sig = V.get("expected_signature").stringValue();
        assertThat(s.verify(ID, Long.toString(TS), sig, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), AT_VECTOR, TOLERANCE))
                .isInstanceOfSatisfying(Verification.Rejected.class, r -> assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC));
        assertThat(s.verify(ID, Long.toString(TS), sig, PAYLOAD, Clock.systemUTC(), TOLERANCE))
                .isInstanceOfSatisfying(Verification.Rejected.class, r -> assertThat(r.problem()).isEqualTo(Verification.Problem.STALE));
    }
}
