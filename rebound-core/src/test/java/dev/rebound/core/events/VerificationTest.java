package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.ReplyClassifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Authenticity: signatures, certificates, topics, credentials, replay windows and tokens. */
class VerificationTest {

    static Stream<String> signedFiles() {
        return Stream.of(
                "ses/bounce-permanent-general.json", "ses/bounce-permanent-general-no-dsn.json",
                "ses/bounce-permanent-noemail.json", "ses/bounce-permanent-suppressed.json",
                "ses/bounce-permanent-onaccountsuppressionlist.json", "ses/bounce-transient-general.json",
                "ses/bounce-transient-mailboxfull.json", "ses/bounce-transient-messagetoolarge.json",
                "ses/bounce-transient-contentrejected.json", "ses/bounce-transient-attachmentrejected.json",
                "ses/bounce-undetermined.json", "ses/bounce-permanent-general-eventpublishing.json",
                "ses/complaint.json", "ses/complaint-no-feedback-report.json", "ses/delivery.json",
                "ses/delivery-delay.json", "ses/delivery-delay-mailboxfull.json", "ses/sns-subscription-confirmation.json",
                "sendgrid/events-batch.json", "sendgrid/upstream-vector/body.bin",
                "mailgun/delivered.json", "mailgun/failed-permanent.json", "mailgun/failed-temporary.json",
                "mailgun/failed-temporary-rate-limited.json", "mailgun/failed-permanent-suppress-bounce.json",
                "mailgun/failed-permanent-delayed-bounce.json", "mailgun/complained.json");
    }

    private static String keyFor(String file) {
        return file.startsWith("sendgrid/upstream-vector/") ? Fixtures.upstreamSendGridKey() : Fixtures.fixtureSendGridKey();
    }

    @ParameterizedTest
    @MethodSource("signedFiles")
    void signedFixturesVerifyWithAClockAtTheirSigningTime(String file) {
        WebhookResult r = Fixtures.webhooks(keyFor(file), Fixtures.clockAt(file)).receive(Fixtures.request(file));
        assertThat(r).as("%s", r).isInstanceOf(WebhookResult.Accepted.class);
    }

    @ParameterizedTest
    @MethodSource("signedFiles")
    void signedFixturesAreStaleOnTheRealClock(String file) {
        WebhookResult r = Fixtures.webhooks(keyFor(file), Clock.systemUTC()).receive(Fixtures.request(file));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class, x -> {
            assertThat(x.problem()).isEqualTo(Verification.Problem.STALE);
            assertThat(x.reason()).contains("a replay, or a clock out of sync");
        });
    }

    @Test
    void snsSignatureVersionsOneAndTwoAreBothChecked() {
        String v1 = "ses/delivery.json", v2 = "ses/bounce-permanent-general.json";
        assertThat(accepted(v1).verifiedBy()).isEqualTo("sns-signature-v1");
        assertThat(accepted(v2).verifiedBy()).isEqualTo("sns-signature-v2");
    }

    @Test
    void tamperedSnsNotificationIsRejected() {
        WebhookResult.Refused r = refused("ses/invalid-signature-tampered.json", Fixtures.request("ses/invalid-signature-tampered.json"));
        assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
        assertThat(r.reason()).contains("SNS signature (version 2) does not match");
    }

    @Test
    void aSubjectAddedAfterSigningBreaksTheSnsSignature() {
        String file = "ses/bounce-permanent-general.json";
        String body = Fixtures.text(file).replace("\"Type\" : \"Notification\",", "\"Type\" : \"Notification\",\n  \"Subject\" : \"x\",");
        assertThat(body).contains("\"Subject\"");
        assertThat(refused(file, withBody(file, body)).problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
    }

    @Test
    void snsTopicMustBeAllowListed() {
        String file = "ses/bounce-permanent-general.json";
        var settings = Fixtures.settings(Fixtures.fixtureSendGridKey())
                .withSes(WebhookSettings.Sns.allowTopics(Set.of("arn:aws:sns:us-east-1:999999999999:other")));
        WebhookResult r = new ProviderWebhooks(settings, Fixtures.certificates(), Fixtures.memoryReplays(),
                Fixtures.clockAt(file), ReplyClassifier.standard()).receive(Fixtures.request(file));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class, x -> {
            assertThat(x.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
            assertThat(x.reason()).contains(Fixtures.TOPIC).contains("not allow-listed");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
            "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
            "https://evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
            "https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
            "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem",
            "https://sns.us-east-1.amazonaws.com/other.pem",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem?x=1"})
    void snsCertificateUrlMustBeAnSnsPem(String url) {
        String file = "ses/bounce-permanent-general.json";
        // A source that would hand out the test certificate for ANY url: the URL check must come first.
        var anyUrl = (CertificateSource) u -> Optional.of(Fixtures.testCertificate());
        String body = Fixtures.text(file).replace(Fixtures.CERT_URL, url);
        WebhookResult r = new ProviderWebhooks(Fixtures.settings(Fixtures.fixtureSendGridKey()), anyUrl,
                Fixtures.memoryReplays(), Fixtures.clockAt(file), ReplyClassifier.standard()).receive(withBody(file, body));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class, x -> {
            assertThat(x.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
            assertThat(x.reason()).contains("SigningCertURL");
        });
    }

    @Test
    void snsWithoutCertificateIsRejected() {
        String file = "ses/delivery.json";
        WebhookResult r = new ProviderWebhooks(Fixtures.settings(Fixtures.fixtureSendGridKey()), u -> Optional.empty(),
                Fixtures.memoryReplays(), Fixtures.clockAt(file), ReplyClassifier.standard()).receive(Fixtures.request(file));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class,
                x -> assertThat(x.reason()).contains("no SNS signing certificate available"));
    }

    @Test
    void rawMessageDeliveryIsRefusedWithAHint() {
        String file = "ses/bounce-permanent-general.json";
        String message = Fixtures.json(file).get("Message").stringValue();
        WebhookResult.Refused r = refused(file, withBody(file, message));
        assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
        assertThat(r.reason()).contains("raw message delivery");
    }

    @Test
    void snsMessageTypeHeaderMustMatchTheBody() {
        String file = "ses/delivery.json";
        Map<String, String> h = new HashMap<>(Fixtures.headers(file));
        h.put("x-amz-sns-message-type", "SubscriptionConfirmation");
        WebhookResult.Refused r = refused(file, new WebhookRequest(Provider.SES, h, Fixtures.bytes(file)));
        assertThat(r.problem()).isEqualTo(Verification.Problem.MALFORMED);
        assertThat(r.reason()).contains("x-amz-sns-message-type");
    }

    @Test
    void subscriptionConfirmationSaysToGetTheSubscribeUrl() {
        String file = "ses/sns-subscription-confirmation.json";
        WebhookResult.Accepted a = accepted(file);
        assertThat(a.verifiedBy()).isEqualTo("sns-signature-v1");
        assertThat(a.events()).singleElement().isInstanceOfSatisfying(EventResult.SubscriptionConfirmation.class, s -> {
            assertThat(s.topicArn()).isEqualTo(Fixtures.TOPIC);
            assertThat(s.instruction()).startsWith("confirm the subscription to " + Fixtures.TOPIC + " by GET https://sns.us-east-1.amazonaws.com/");
            assertThat(s.event().providerEventId()).isEqualTo("165545c9-2a5c-472c-8df2-7ff2be2b3b1b");
        });
    }

    @Test
    void subscribeUrlOutsideSnsIsRefused() {
        assertThat(SnsVerifier.hostProblem("https://evil.example/?Action=ConfirmSubscription", "SubscribeURL"))
                .hasValueSatisfying(m -> assertThat(m).contains("SubscribeURL host \"evil.example\""));
        assertThat(SnsVerifier.hostProblem("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription", "SubscribeURL"))
                .isEmpty();
        assertThat(SnsVerifier.hostProblem("https://sns.cn-north-1.amazonaws.com.cn/?x", "SubscribeURL")).isEmpty();
    }

    // ---- SendGrid

    @Test
    void upstreamSendGridVectorVerifies() {
        String file = "sendgrid/upstream-vector/body.bin";
        WebhookResult.Accepted a = (WebhookResult.Accepted) Fixtures.webhooks(Fixtures.upstreamSendGridKey(),
                Fixtures.clockAt(file)).receive(Fixtures.request(file));
        assertThat(a.verifiedBy()).isEqualTo("sendgrid-ecdsa");
        assertThat(Fixtures.signedAt(file)).isEqualTo(Instant.ofEpochSecond(1600112502));
    }

    @Test
    void upstreamSendGridBadKeyAndBadSignatureFail() {
        String file = "sendgrid/upstream-vector/body.bin";
        var vector = Fixtures.json("sendgrid/upstream-vector/request.json");
        WebhookResult badKey = Fixtures.webhooks(vector.get("bad_public_key").stringValue(), Fixtures.clockAt(file))
                .receive(Fixtures.request(file));
        assertThat(badKey).isInstanceOfSatisfying(WebhookResult.Refused.class,
                r -> assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC));
        Map<String, String> h = new HashMap<>(Fixtures.headers(file));
        h.put(SignatureVerifiers.SENDGRID_SIGNATURE, vector.get("bad_signature").stringValue());
        WebhookResult badSig = Fixtures.webhooks(Fixtures.upstreamSendGridKey(), Fixtures.clockAt(file))
                .receive(new WebhookRequest(Provider.SENDGRID, h, Fixtures.bytes(file)));
        assertThat(badSig).isInstanceOfSatisfying(WebhookResult.Refused.class, r -> {
            assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
            assertThat(r.reason()).contains("does not verify");
        });
    }

    @Test
    void anyChangeToTheSignedSendGridBytesFails() {
        String file = "sendgrid/upstream-vector/body.bin";
        byte[] body = Fixtures.bytes(file);
        var hooks = Fixtures.webhooks(Fixtures.upstreamSendGridKey(), Fixtures.clockAt(file));
        // The trailing CRLF is part of the signed bytes.
        byte[] trimmed = java.util.Arrays.copyOf(body, body.length - 2);
        assertThat(hooks.receive(new WebhookRequest(Provider.SENDGRID, Fixtures.headers(file), trimmed)))
                .isInstanceOf(WebhookResult.Refused.class);
        Map<String, String> h = new HashMap<>(Fixtures.headers(file));
        h.put(SignatureVerifiers.SENDGRID_TIMESTAMP, "1600112503");
        assertThat(hooks.receive(new WebhookRequest(Provider.SENDGRID, h, body))).isInstanceOf(WebhookResult.Refused.class);
    }

    @Test
    void sendGridBatchSignedWithTheFixtureKeyFailsUnderTheUpstreamKey() {
        String file = "sendgrid/events-batch.json";
        assertThat(Fixtures.webhooks(Fixtures.upstreamSendGridKey(), Fixtures.clockAt(file)).receive(Fixtures.request(file)))
                .isInstanceOf(WebhookResult.Refused.class);
    }

    @Test
    void sendGridHeadersAreRequiredAndChecked() {
        String file = "sendgrid/events-batch.json";
        var hooks = Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Fixtures.clockAt(file));
        WebhookResult.Refused none = (WebhookResult.Refused) hooks.receive(
                new WebhookRequest(Provider.SENDGRID, Map.of(), Fixtures.bytes(file)));
        assertThat(none.reason()).contains("missing header X-Twilio-Email-Event-Webhook-Signature");
        Map<String, String> h = new HashMap<>(Fixtures.headers(file));
        h.put(SignatureVerifiers.SENDGRID_SIGNATURE, "%%%");
        assertThat(((WebhookResult.Refused) hooks.receive(new WebhookRequest(Provider.SENDGRID, h, Fixtures.bytes(file)))).problem())
                .isEqualTo(Verification.Problem.MALFORMED);
        h = new HashMap<>(Fixtures.headers(file));
        h.put(SignatureVerifiers.SENDGRID_TIMESTAMP, "yesterday");
        assertThat(((WebhookResult.Refused) hooks.receive(new WebhookRequest(Provider.SENDGRID, h, Fixtures.bytes(file)))).reason())
                .contains("is not Unix seconds: \"yesterday\"");
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        String file = "sendgrid/events-batch.json";
        Map<String, String> lower = new HashMap<>();
        Fixtures.headers(file).forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        assertThat(Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Fixtures.clockAt(file))
                .receive(new WebhookRequest(Provider.SENDGRID, lower, Fixtures.bytes(file)))).isInstanceOf(WebhookResult.Accepted.class);
    }

    // ---- Mailgun

    @Test
    void mailgunTokenCannotBeReplayed() {
        String file = "mailgun/failed-permanent.json";
        ProviderWebhooks hooks = Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Fixtures.clockAt(file));
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOfSatisfying(WebhookResult.Refused.class, r -> {
            assertThat(r.problem()).isEqualTo(Verification.Problem.REPLAYED);
            assertThat(r.reason()).contains("150d6e2998c2a981a222fd0f9ca65513ffc1b678bb8cf55d4d");
        });
    }

    @Test
    void mailgunTokenIsNotConsumedByAForgedRequest() {
        String file = "mailgun/failed-permanent.json";
        ProviderWebhooks hooks = Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Fixtures.clockAt(file));
        // invalid-signature.json carries the same token with a zeroed signature
        assertThat(hooks.receive(Fixtures.request("mailgun/invalid-signature.json"))).isInstanceOf(WebhookResult.Refused.class);
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOf(WebhookResult.Accepted.class);
    }

    @Test
    void mailgunTokenIsNotConsumedByASignedRequestWithJunkEvents() {
        // Issue 9, finding 5: the signature does not cover event-data; a signed request whose events are junk is
        // refused as malformed and must leave its token for the provider's corrected retry.
        String file = "mailgun/failed-permanent.json";
        ProviderWebhooks hooks = Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Fixtures.clockAt(file));
        tools.jackson.databind.node.ObjectNode junk = (tools.jackson.databind.node.ObjectNode) Fixtures.json(file);
        junk.put("event-data", "junk");
        assertThat(hooks.receive(withBody(file, junk.toString()))).isInstanceOfSatisfying(WebhookResult.Refused.class,
                r -> assertThat(r.problem()).isEqualTo(Verification.Problem.MALFORMED));
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOfSatisfying(WebhookResult.Refused.class,
                r -> assertThat(r.problem()).isEqualTo(Verification.Problem.REPLAYED));
    }

    @Test
    void mailgunWrongKeyAndNonHexSignatureAreRejected() {
        String file = "mailgun/delivered.json";
        var settings = Fixtures.settings(Fixtures.fixtureSendGridKey()).withMailgun(WebhookSettings.Mailgun.signingKey("other-key"));
        WebhookResult r = new ProviderWebhooks(settings, Fixtures.certificates(), Fixtures.memoryReplays(),
                Fixtures.clockAt(file), ReplyClassifier.standard()).receive(Fixtures.request(file));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class,
                x -> assertThat(x.reason()).contains("HMAC-SHA256(signing key, timestamp + token)"));
        String body = Fixtures.text(file).replace("a23c2de7c42816d74d0a33423c0f8fcf1d1024ab6ed7376cb54a8b4299cdc7f8", "zz");
        assertThat(refused(file, withBody(file, body)).problem()).isEqualTo(Verification.Problem.MALFORMED);
    }

    // ---- Basic auth

    @ParameterizedTest
    @ValueSource(strings = {"postmark/bounce-hardbounce.json", "sparkpost/events-batch.json"})
    void basicAuthIsRequiredAndCompared(String file) {
        Provider p = Fixtures.provider(file);
        var hooks = Fixtures.webhooks(Fixtures.fixtureSendGridKey(), Clock.systemUTC());
        assertThat(hooks.receive(Fixtures.request(file))).isInstanceOf(WebhookResult.Accepted.class);
        WebhookResult.Refused missing = (WebhookResult.Refused) hooks.receive(new WebhookRequest(p, Map.of(), Fixtures.bytes(file)));
        assertThat(missing.reason()).contains("missing Authorization header");
        String wrong = "Basic " + Base64.getEncoder().encodeToString("rebound:guess".getBytes(StandardCharsets.UTF_8));
        WebhookResult.Refused bad = (WebhookResult.Refused) hooks.receive(new WebhookRequest(p, Map.of("Authorization", wrong), Fixtures.bytes(file)));
        assertThat(bad.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC);
        assertThat(bad.reason()).contains("wrong Basic credentials");
        WebhookResult.Refused bearer = (WebhookResult.Refused) hooks.receive(new WebhookRequest(p, Map.of("Authorization", "Bearer abc"), Fixtures.bytes(file)));
        assertThat(bearer.reason()).contains("not HTTP Basic");
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void unconfiguredProvidersAreRefused(Provider p) {
        var hooks = new ProviderWebhooks(WebhookSettings.none(), u -> Optional.empty(), Fixtures.memoryReplays(),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), ReplyClassifier.standard());
        WebhookResult r = hooks.receive(new WebhookRequest(p, Map.of(), "[]".getBytes(StandardCharsets.UTF_8)));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Refused.class, x -> {
            assertThat(x.problem()).isEqualTo(Verification.Problem.NOT_CONFIGURED);
            assertThat(x.reason()).contains(p.id()).contains("not configured");
        });
    }

    @Test
    void oversizedBodiesAreRefusedBeforeAnyParsing() {
        var hooks = new ProviderWebhooks(Fixtures.settings(Fixtures.fixtureSendGridKey()).withMaxBodyBytes(100),
                Fixtures.certificates(), Fixtures.memoryReplays(), Clock.systemUTC(), ReplyClassifier.standard());
        WebhookResult.Refused r = (WebhookResult.Refused) hooks.receive(Fixtures.request("postmark/bounce-hardbounce.json"));
        assertThat(r.problem()).isEqualTo(Verification.Problem.MALFORMED);
        assertThat(r.reason()).contains("exceeds the limit of 100 bytes");
    }

    @Test
    void badSendGridKeyConfigurationFailsAtStartupNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fixtures.webhooks("not-a-key", Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"not-a-key\"");
    }

    private static WebhookResult.Accepted accepted(String file) {
        WebhookResult r = Fixtures.webhooks(keyFor(file), Fixtures.clockAt(file)).receive(Fixtures.request(file));
        assertThat(r).as("%s", r).isInstanceOf(WebhookResult.Accepted.class);
        return (WebhookResult.Accepted) r;
    }

    private static WebhookResult.Refused refused(String file, WebhookRequest req) {
        WebhookResult r = Fixtures.webhooks(keyFor(file), Fixtures.clockAt(file)).receive(req);
        assertThat(r).as("%s", r).isInstanceOf(WebhookResult.Refused.class);
        return (WebhookResult.Refused) r;
    }

    private static WebhookRequest withBody(String file, String body) {
        return new WebhookRequest(Fixtures.provider(file), Fixtures.headers(file), body.getBytes(StandardCharsets.UTF_8));
    }
}
