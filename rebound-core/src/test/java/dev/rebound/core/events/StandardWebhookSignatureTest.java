package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
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

    /** The signed content is exactly {@code id.timestamp.payload} (UTF-8 ids, any timestamp), checked against a plain HMAC. */
    @Property(tries = 300, seed = "20261205")
    void signsIdDotTimestampDotPayload(@ForAll @StringLength(min = 1, max = 40) String id, @ForAll long ts, @ForAll byte[] payload)
            throws Exception {
        net.jqwik.api.Assume.that(id.indexOf('.') < 0);
        String secret = V.get("secret").stringValue();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        byte[] head = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[head.length + payload.length];
        System.arraycopy(head, 0, content, 0, head.length);
        System.arraycopy(payload, 0, content, head.length, payload.length);
        String want = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(content));
        assertThat(new StandardWebhookSignature(secret).sign(id, ts, payload)).isEqualTo(want);
    }

    /** One signer used by many threads at once gives every caller the vector's signature (no shared Mac state). */
    @Test
    void oneSignerOnManyThreads() throws Exception {
        var s = new StandardWebhookSignature(V.get("secret").stringValue());
        String want = V.get("expected_signature").stringValue();
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int t = 0; t < 4; t++) results.add(pool.submit(() -> {
                boolean all = true;
                for (int i = 0; i < 2000; i++) all &= s.sign(ID, TS, PAYLOAD).equals(want);
                return all;
            }));
            for (Future<Boolean> r : results) assertThat(r.get()).isTrue();
        }
    }
}
