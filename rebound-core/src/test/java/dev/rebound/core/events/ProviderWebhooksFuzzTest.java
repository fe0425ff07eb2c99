package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rebound.core.classify.ReplyClassifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Jazzer fuzz tests of {@link ProviderWebhooks#receive}, one per provider: the body (and for {@link #anyRequest} the
 * headers) come from the fuzzer, seeded with the provider fixtures under
 * {@code src/test/resources/dev/rebound/core/events/ProviderWebhooksFuzzTestInputs/}. Each input is received twice:
 * as sent (nobody holds the keys, so it must never be accepted) and made authentic the way the provider would —
 * signed with key material generated for the run ({@link SigningKeys}; SNS string-to-sign, SendGrid ECDSA over
 * timestamp + body, Mailgun HMAC over timestamp + token) or with the configured Basic credentials — so the
 * payload parsing and the normalizers behind the authenticity check are fuzzed too.
 *
 * <p>Invariants: {@code receive} never throws; a refusal is a typed {@link Verification.Problem} with a printable
 * reason; an authentic request is accepted or refused only as {@code MALFORMED} (for SNS also an unlisted topic or
 * SubscribeURL, for Mailgun a stale time the test could not read); every accepted event belongs to the provider,
 * carries a rule id of the {@code event.<provider>.} family, a dedup key and its raw JSON.
 */
class ProviderWebhooksFuzzTest {
    private static final SigningKeys KEYS = new SigningKeys();
    private static final ReplyClassifier CLASSIFIER = ReplyClassifier.standard();
    private static final JsonMapper LENIENT = JsonMapper.builder().build();
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    private static final String POSTMARK_AUTH = basic("rebound:postmark-test-password");
    private static final String SPARKPOST_AUTH = basic("rebound:sparkpost-test-password");
    /** The fixture's own signature headers (made with a key this run does not trust). */
    private static final Map<String, String> SENDGRID_FIXTURE_HEADERS = Fixtures.headers("sendgrid/events-batch.json");
    private static final Pattern PLAIN_SECONDS = Pattern.compile("\\d{1,11}(\\.\\d{1,9})?");

    @FuzzTest(maxDuration = "5m")
    void ses(byte[] body) {
        refusedAsSent(Provider.SES, Map.of(), body);
        Optional<Signed> signed = signSns(body);
        if (signed.isEmpty()) return;
        WebhookResult r = check(Provider.SES, webhooks(signed.get().now())
                .receive(new WebhookRequest(Provider.SES, signed.get().headers(), signed.get().body())));
        if (r instanceof WebhookResult.Refused f) {
            assertThat(f.problem()).as(f.reason()).isIn(Verification.Problem.MALFORMED, Verification.Problem.UNAUTHENTIC);
            if (f.problem() == Verification.Problem.UNAUTHENTIC) assertThat(f.reason()).containsAnyOf("SNS topic", "SubscribeURL");
        }
    }

    @FuzzTest(maxDuration = "5m")
    void sendgrid(byte[] body) {
        refusedAsSent(Provider.SENDGRID, SENDGRID_FIXTURE_HEADERS, body);
        String ts = Long.toString(NOW.getEpochSecond());
        byte[] sig = SigningKeys.sign("SHA256withECDSA", KEYS.sendGrid.getPrivate(), ts.getBytes(StandardCharsets.UTF_8), body);
        Map<String, String> headers = Map.of(SignatureVerifiers.SENDGRID_SIGNATURE, Base64.getEncoder().encodeToString(sig),
                SignatureVerifiers.SENDGRID_TIMESTAMP, ts);
        authenticAcceptedOrMalformed(Provider.SENDGRID, webhooks(NOW).receive(new WebhookRequest(Provider.SENDGRID, headers, body)));
    }

    @FuzzTest(maxDuration = "5m")
    void postmark(byte[] body) {
        refusedAsSent(Provider.POSTMARK, Map.of("X-PM-Webhook-Trace-Id", "a1b2c3"), body);
        authenticAcceptedOrMalformed(Provider.POSTMARK, webhooks(NOW).receive(new WebhookRequest(Provider.POSTMARK,
                Map.of("Authorization", POSTMARK_AUTH, "X-PM-Webhook-Trace-Id", "a1b2c3"), body)));
    }

    @FuzzTest(maxDuration = "5m")
    void sparkpost(byte[] body) {
        refusedAsSent(Provider.SPARKPOST, Map.of(), body);
        authenticAcceptedOrMalformed(Provider.SPARKPOST, webhooks(NOW).receive(new WebhookRequest(Provider.SPARKPOST,
                Map.of("Authorization", SPARKPOST_AUTH), body)));
    }

    @FuzzTest(maxDuration = "5m")
    void mailgun(byte[] body) {
        refusedAsSent(Provider.MAILGUN, Map.of(), body);
        Optional<Signed> signed = signMailgun(body);
        if (signed.isEmpty()) return;
        WebhookResult r = check(Provider.MAILGUN, webhooks(signed.get().now())
                .receive(new WebhookRequest(Provider.MAILGUN, Map.of(), signed.get().body())));
        if (r instanceof WebhookResult.Refused f) {
            // STALE only when the test could not read the timestamp to set its clock (e.g. "1.6e9").
            assertThat(f.problem()).as(f.reason()).isIn(Verification.Problem.MALFORMED, Verification.Problem.STALE);
            if (f.problem() == Verification.Problem.STALE) assertThat(signed.get().now()).isEqualTo(NOW);
        }
    }

    /** Any provider, any of the headers the verifiers read, any body: never thrown, never accepted without keys. */
    @FuzzTest(maxDuration = "5m")
    void anyRequest(FuzzedDataProvider data) {
        Provider p = data.pickValue(Provider.values());
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : List.of("Authorization", SignatureVerifiers.SENDGRID_SIGNATURE, SignatureVerifiers.SENDGRID_TIMESTAMP,
                "x-amz-sns-message-type", "X-PM-Webhook-Trace-Id")) {
            if (data.consumeBoolean()) headers.put(name, data.consumeString(120));
        }
        refusedAsSent(p, headers, data.consumeRemainingAsBytes());
    }

    /** The signing above is what the providers do: every authentic fixture, signed by this test, is accepted. */
    @Test
    void signingTheFixturesTheProvidersWayMakesThemAuthentic() {
        for (String f : List.of("ses/bounce-permanent-general.json", "ses/delivery.json", "ses/complaint.json",
                "ses/sns-subscription-confirmation.json", "ses/invalid-signature-tampered.json")) {
            Signed s = signSns(Fixtures.bytes(f)).orElseThrow();
            assertThat(webhooks(s.now()).receive(new WebhookRequest(Provider.SES, s.headers(), s.body())))
                    .as(f).isInstanceOf(WebhookResult.Accepted.class);
        }
        for (String f : List.of("mailgun/delivered.json", "mailgun/failed-permanent.json", "mailgun/invalid-signature.json")) {
            Signed s = signMailgun(Fixtures.bytes(f)).orElseThrow();
            assertThat(webhooks(s.now()).receive(new WebhookRequest(Provider.MAILGUN, s.headers(), s.body())))
                    .as(f).isInstanceOf(WebhookResult.Accepted.class);
        }
        assertThat(signSns("{\"Type\": \"Notification\", \"Message\": 1}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        byte[] batch = Fixtures.bytes("sendgrid/events-batch.json");
        assertThat(webhooks(NOW).receive(new WebhookRequest(Provider.SENDGRID, SENDGRID_FIXTURE_HEADERS, batch)))
                .isInstanceOf(WebhookResult.Refused.class);
    }

    private static ProviderWebhooks webhooks(Instant now) {
        WebhookSettings settings = WebhookSettings.none()
                .withSes(WebhookSettings.Sns.allowTopics(Set.of(Fixtures.TOPIC)))
                .withSendGrid(WebhookSettings.SendGrid.publicKey(KEYS.sendGridPublicKey()))
                .withMailgun(WebhookSettings.Mailgun.signingKey(Fixtures.MAILGUN_KEY))
                .withPostmark(new WebhookSettings.BasicAuth("rebound", "postmark-test-password"))
                .withSparkPost(new WebhookSettings.BasicAuth("rebound", "sparkpost-test-password"));
        CertificateSource certificates = url -> url.equals(Fixtures.CERT_URL) ? Optional.of(KEYS.snsCertificate) : Optional.empty();
        Set<String> seen = new HashSet<>();
        ReplayStore replays = (provider, token, until) -> seen.add(provider.id() + ":" + token);
        return new ProviderWebhooks(settings, certificates, replays, Clock.fixed(now, ZoneOffset.UTC), CLASSIFIER);
    }

    /** Without this run's keys or credentials no request is authentic. */
    private static void refusedAsSent(Provider p, Map<String, String> headers, byte[] body) {
        WebhookResult r = check(p, webhooks(NOW).receive(new WebhookRequest(p, headers, body)));
        assertThat(r).as("accepted without a valid signature or credentials").isInstanceOf(WebhookResult.Refused.class);
    }

    private static void authenticAcceptedOrMalformed(Provider p, WebhookResult r) {
        check(p, r);
        if (r instanceof WebhookResult.Refused f) assertThat(f.problem()).as(f.reason()).isEqualTo(Verification.Problem.MALFORMED);
    }

    private static WebhookResult check(Provider p, WebhookResult r) {
        assertThat(r).isNotNull();
        assertThat(r.provider()).isEqualTo(p);
        switch (r) {
            case WebhookResult.Refused f -> {
                assertThat(f.reason()).isNotBlank();
                assertThat(f.reason().chars().noneMatch(c -> c < 0x20 || c == 0x7f))
                        .as("refusal reason with a raw control character: %s", f.reason().replaceAll("\\p{Cntrl}", "?")).isTrue();
            }
            case WebhookResult.Accepted a -> {
                assertThat(a.verifiedBy()).isNotBlank();
                for (EventResult e : a.events()) {
                    assertThat(e.event().provider()).isEqualTo(p);
                    assertThat(e.ruleId()).startsWith("event." + p.id() + ".");
                    assertThat(e.event().dedupKey()).startsWith(p.id() + ":");
                    assertThat(LENIENT.readTree(e.event().raw()).isObject()).as("raw JSON of %s", e).isTrue();
                    if (e instanceof EventResult.Classified c) assertThat(c.classification().outcome()).isNotNull();
                }
            }
        }
        return r;
    }

    record Signed(byte[] body, Map<String, String> headers, Instant now) {}

    /**
     * The body signed as SNS signs (SNS developer guide, "Verifying the signatures of Amazon SNS messages"): the
     * string to sign is {@code name\nvalue\n} for the type's fields in byte order; SignatureVersion 2 is
     * SHA256withRSA. Empty when the body is not an envelope with those fields as strings.
     */
    private static Optional<Signed> signSns(byte[] body) {
        if (!(lenient(body) instanceof ObjectNode env) || !(env.get("Type") != null && env.get("Type").isString())) {
            return Optional.empty();
        }
        String type = env.get("Type").stringValue();
        List<String> fields = switch (type) {
            case "Notification" -> List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type");
            case "SubscriptionConfirmation", "UnsubscribeConfirmation" ->
                    List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");
            default -> List.of();
        };
        if (fields.isEmpty()) return Optional.empty();
        StringBuilder toSign = new StringBuilder();
        for (String f : fields) {
            JsonNode v = env.get(f);
            if (v == null && f.equals("Subject")) continue;
            if (v == null || !v.isString()) return Optional.empty();
            toSign.append(f).append('\n').append(v.stringValue()).append('\n');
        }
        env.put("SignatureVersion", "2");
        env.put("SigningCertURL", Fixtures.CERT_URL);
        env.put("Signature", Base64.getEncoder().encodeToString(SigningKeys.sign("SHA256withRSA",
                KEYS.sns.getPrivate(), toSign.toString().getBytes(StandardCharsets.UTF_8))));
        Instant now = NOW;
        try {
            now = Instant.parse(env.get("Timestamp").stringValue());
        } catch (DateTimeException e) {
            // the verifier refuses it as malformed
        }
        return Optional.of(new Signed(LENIENT.writeValueAsBytes(env), Map.of("x-amz-sns-message-type", type), now));
    }

    /** The body with {@code signature.signature} = hex HMAC-SHA256(signing key, timestamp + token), as Mailgun signs. */
    private static Optional<Signed> signMailgun(byte[] body) {
        if (!(lenient(body) instanceof ObjectNode root) || !(root.get("signature") instanceof ObjectNode s)) {
            return Optional.empty();
        }
        JsonNode ts = s.get("timestamp"), token = s.get("token");
        if (ts == null || token == null || !ts.isString() || !token.isString()) return Optional.empty();
        s.put("signature", HexFormat.of().formatHex(
                SignatureVerifiers.hmacSha256(Fixtures.MAILGUN_KEY, ts.stringValue() + token.stringValue())));
        Instant now = NOW;
        String t = ts.stringValue().trim();
        if (PLAIN_SECONDS.matcher(t).matches()) now = Instant.ofEpochSecond(Long.parseLong(t.replaceFirst("\\..*", "")));
        return Optional.of(new Signed(LENIENT.writeValueAsBytes(root), Map.of(), now));
    }

    private static JsonNode lenient(byte[] body) {
        try {
            return LENIENT.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }
}
