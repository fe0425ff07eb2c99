package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.ReplyClassifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bad input never escapes as an exception: non-JSON, missing fields, wrong types and unknown event types become a
 * refusal naming the problem (or an IGNORE keeping the raw payload). SendGrid and Mailgun bodies are re-signed
 * here with keys generated for the test, so the payload checks behind the signature are reached; SES documents
 * go through the SES normalizer directly (the fixture's signing key is not available).
 */
class PayloadEdgeTest {
    private static final Instant NOW = Instant.parse("2026-11-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final KeyPair SENDGRID_KEYS = ecKeys();
    private static int tokenCounter;

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProviderWebhooks hooks() {
        String pub = Base64.getEncoder().encodeToString(SENDGRID_KEYS.getPublic().getEncoded());
        return new ProviderWebhooks(Fixtures.settings(pub), Fixtures.certificates(), Fixtures.memoryReplays(), CLOCK,
                ReplyClassifier.standard());
    }

    /** A correctly authenticated request for {@code body}, whatever the body is. */
    static WebhookRequest signed(Provider p, byte[] body) {
        return switch (p) {
            case SENDGRID -> {
                try {
                    String ts = Long.toString(NOW.getEpochSecond());
                    Signature s = Signature.getInstance("SHA256withECDSA");
                    s.initSign(SENDGRID_KEYS.getPrivate());
                    s.update(ts.getBytes(StandardCharsets.UTF_8));
                    s.update(body);
                    yield new WebhookRequest(p, Map.of(SignatureVerifiers.SENDGRID_SIGNATURE,
                            Base64.getEncoder().encodeToString(s.sign()), SignatureVerifiers.SENDGRID_TIMESTAMP, ts), body);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
            case POSTMARK -> new WebhookRequest(p, Fixtures.headers("postmark/bounce-hardbounce.json"), body);
            case SPARKPOST -> new WebhookRequest(p, Fixtures.headers("sparkpost/events-batch.json"), body);
            case MAILGUN, SES -> new WebhookRequest(p, Map.of(), body);
        };
    }

    /** Replaces the Mailgun signature object of a parsed body with a valid one for the test clock. */
    static byte[] mailgunSigned(JsonNode root) {
        ObjectNode copy = root.isObject() ? (ObjectNode) root.deepCopy() : JsonNodeFactory.instance.objectNode();
        String ts = Long.toString(NOW.getEpochSecond());
        String token = String.format("%050d", ++tokenCounter);
        ObjectNode sig = copy.putObject("signature");
        sig.put("timestamp", ts);
        sig.put("token", token);
        sig.put("signature", HexFormat.of().formatHex(SignatureVerifiers.hmacSha256(Fixtures.MAILGUN_KEY, ts + token)));
        return Fixtures.JSON.writeValueAsBytes(copy);
    }

    static WebhookResult.Refused refusal(WebhookResult r) {
        assertThat(r).as("%s", r).isInstanceOf(WebhookResult.Refused.class);
        return (WebhookResult.Refused) r;
    }

    @Test
    void nonJsonBodiesAreRefusedAsMalformedQuotingTheStart() {
        byte[] junk = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
        for (Provider p : List.of(Provider.SENDGRID, Provider.POSTMARK, Provider.SPARKPOST, Provider.SES, Provider.MAILGUN)) {
            WebhookResult.Refused r = refusal(hooks().receive(signed(p, junk)));
            assertThat(r.problem()).as(p.id()).isEqualTo(Verification.Problem.MALFORMED);
            assertThat(r.reason()).as(p.id()).contains("is not valid JSON").contains("\"<html>hello</html>\"");
        }
        assertThat(refusal(hooks().receive(signed(Provider.POSTMARK, new byte[0]))).reason()).contains("is empty");
    }

    @Test
    void overlongUtf8IsRefusedNotReadAsTheCharacterItSpells() {
        // {"RecordType":"Bounce","Email":"a<C0 AF>b@example.com"}: Jackson alone would read C0 AF as "/" (issue 9, finding 5)
        byte[] head = bytes("{\"RecordType\":\"Bounce\",\"Email\":\"a");
        byte[] tail = bytes("b@example.com\"}");
        byte[] body = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xc0;
        body[head.length + 1] = (byte) 0xaf;
        System.arraycopy(tail, 0, body, head.length + 2, tail.length);
        for (Provider p : List.of(Provider.SENDGRID, Provider.POSTMARK, Provider.MAILGUN)) {
            WebhookResult.Refused r = refusal(hooks().receive(signed(p, body)));
            assertThat(r.problem()).as(p.id()).isEqualTo(Verification.Problem.MALFORMED);
            assertThat(r.reason()).as(p.id()).contains("not valid UTF-8", "at byte " + head.length);
        }
    }

    @Test
    void wrongTopLevelShapesAreNamed() {
        assertThat(refusal(hooks().receive(signed(Provider.SENDGRID, bytes("{\"event\":\"delivered\"}")))).reason())
                .isEqualTo("SendGrid body must be a JSON array of events, got an object");
        assertThat(refusal(hooks().receive(signed(Provider.POSTMARK, bytes("[1,2]")))).reason())
                .isEqualTo("Postmark body must be a JSON object, got an array");
        assertThat(refusal(hooks().receive(signed(Provider.SPARKPOST, bytes("{}")))).reason())
                .contains("SparkPost body must be a JSON array");
        assertThat(refusal(hooks().receive(signed(Provider.SENDGRID, bytes("[\"x\"]")))).reason())
                .isEqualTo("SendGrid event [0] must be an object, got a string");
    }

    @Test
    void missingFieldsAreNamedWithTheirPath() {
        assertThat(refusal(hooks().receive(signed(Provider.SENDGRID, bytes("[{\"email\":\"a@example.com\"}]")))).reason())
                .isEqualTo("missing field [0].event");
        assertThat(refusal(hooks().receive(signed(Provider.SENDGRID, bytes("[{\"event\":\"bounce\"}]")))).reason())
                .isEqualTo("missing field [0].email");
        assertThat(refusal(hooks().receive(signed(Provider.POSTMARK, bytes("{\"RecordType\":\"Bounce\",\"Type\":\"HardBounce\"}")))).reason())
                .isEqualTo("missing field body.Email");
        assertThat(refusal(hooks().receive(signed(Provider.MAILGUN, bytes("{\"event-data\":{}}")))).reason())
                .isEqualTo("missing field body.signature");
        assertThat(refusal(hooks().receive(signed(Provider.MAILGUN, mailgunSigned(Fixtures.JSON.readTree("{}")))))
                .reason()).isEqualTo("missing field body.event-data");
        assertThat(refusal(hooks().receive(signed(Provider.SES, bytes("{\"Type\":\"Notification\"}")))).reason())
                .isEqualTo("missing field body.TopicArn");
    }

    @Test
    void wrongTypesAreNamedWithWhatWasFound() {
        assertThat(refusal(hooks().receive(signed(Provider.POSTMARK,
                bytes("{\"RecordType\":\"Bounce\",\"Type\":\"HardBounce\",\"Email\":5}")))).reason())
                .isEqualTo("field body.Email must be a string, got a number \"5\"");
        assertThat(refusal(hooks().receive(signed(Provider.SENDGRID,
                bytes("[{\"event\":\"delivered\",\"email\":\"a@example.com\",\"timestamp\":\"soon\"}]")))).reason())
                .isEqualTo("[0].timestamp is not a Unix time in seconds: \"soon\"");
        JsonNode mg = Fixtures.json("mailgun/failed-temporary.json");
        ((ObjectNode) mg.get("event-data").get("delivery-status")).put("code", "four-twenty-one");
        assertThat(refusal(hooks().receive(signed(Provider.MAILGUN, mailgunSigned(mg)))).reason())
                .isEqualTo("field body.event-data.delivery-status.code must be a number, got \"four-twenty-one\"");
    }

    @Test
    void duplicateKeysAreRefused() {
        WebhookResult.Refused r = refusal(hooks().receive(signed(Provider.POSTMARK,
                bytes("{\"RecordType\":\"Delivery\",\"Recipient\":\"a@example.com\",\"Recipient\":\"b@example.com\"}"))));
        assertThat(r.problem()).isEqualTo(Verification.Problem.MALFORMED);
        assertThat(r.reason()).contains("Duplicate").contains("Recipient");
    }

    @Test
    void sesDocumentProblemsAreNamed() {
        SesNormalizer ses = new SesNormalizer(new EventRules(ReplyClassifier.standard()));
        assertThatThrownBy(() -> ses.normalize("id", Optional.empty(), "not json"))
                .isInstanceOf(Payload.Problem.class).hasMessageContaining("SNS Message (the SES notification document) is not valid JSON");
        assertThatThrownBy(() -> ses.normalize("id", Optional.empty(), "{\"notificationType\":\"Bounce\"}"))
                .hasMessage("missing field Message.bounce");
        assertThatThrownBy(() -> ses.normalize("id", Optional.empty(),
                "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":\"x\"}}"))
                .hasMessage("field Message.bounce.bouncedRecipients must be an array, got a string \"x\"");
        assertThatThrownBy(() -> ses.normalize("id", Optional.empty(), "{\"mail\":{}}"))
                .hasMessageContaining("neither eventType nor notificationType");
    }

    @Test
    void sesActionDelayedInsideABounceIsDeferred() {
        SesNormalizer ses = new SesNormalizer(new EventRules(ReplyClassifier.standard()));
        List<EventResult> r = ses.normalize("id", Optional.empty(), """
                {"notificationType":"Bounce","mail":{"messageId":"m1"},"bounce":{"bounceType":"Transient",
                 "bounceSubType":"General","bouncedRecipients":[{"emailAddress":"a@example.com","action":"delayed",
                 "status":"4.2.2","diagnosticCode":"smtp; 452 4.2.2 over quota"}]}}""");
        assertThat(r).singleElement().isInstanceOfSatisfying(EventResult.Classified.class, c -> {
            assertThat(c.classification().outcome()).isEqualTo(Outcome.DEFERRED);
            assertThat(c.classification().reason()).isEqualTo(Reason.MAILBOXFULL);
            assertThat(c.event().providerMessageId()).isEqualTo("m1");
            assertThat(c.classification().evidence().replyCode()).isEqualTo(452);
            assertThat(c.classification().evidence().enhancedCode()).isEqualTo("4.2.2");
        });
    }

    @Test
    void sesPolicyStatusUnderPermanentGeneralIsABlock() {
        SesNormalizer ses = new SesNormalizer(new EventRules(ReplyClassifier.standard()));
        List<EventResult> r = ses.normalize("id", Optional.empty(), """
                {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
                 "bouncedRecipients":[{"emailAddress":"a@example.com","action":"failed","status":"5.7.1",
                 "diagnosticCode":"smtp; 550 5.7.1 Message rejected by policy"}]}}""");
        assertThat(((EventResult.Classified) r.get(0)).classification().outcome()).isEqualTo(Outcome.BLOCKED_POLICY);
    }

    static Stream<Object[]> unknownEventTypes() {
        return Stream.of(
                new Object[] {Provider.SENDGRID, bytes("[{\"event\":\"teleported\",\"email\":\"a@example.com\",\"sg_event_id\":\"x1\"}]")},
                new Object[] {Provider.POSTMARK, bytes("{\"RecordType\":\"Teleported\",\"Recipient\":\"a@example.com\"}")},
                new Object[] {Provider.POSTMARK, bytes("{\"RecordType\":\"Bounce\",\"Type\":\"Teleported\",\"Email\":\"a@example.com\"}")},
                new Object[] {Provider.SPARKPOST, bytes("[{\"msys\":{\"message_event\":{\"type\":\"teleported\",\"rcpt_to\":\"a@example.com\"}}}]")},
                new Object[] {Provider.SPARKPOST, bytes("[{\"msys\":{\"track_event\":{\"type\":\"open\",\"rcpt_to\":\"a@example.com\"}}}]")},
                new Object[] {Provider.MAILGUN, mailgunSigned(Fixtures.JSON.readTree(
                        "{\"event-data\":{\"event\":\"teleported\",\"recipient\":\"a@example.com\"}}"))});
    }

    @ParameterizedTest
    @MethodSource("unknownEventTypes")
    void unknownEventTypesAreIgnoredWithTheRawPayloadKept(Provider p, byte[] body) {
        WebhookResult r = hooks().receive(signed(p, body));
        assertThat(r).as("%s", r).isInstanceOfSatisfying(WebhookResult.Accepted.class, a ->
                assertThat(a.events()).singleElement().isInstanceOfSatisfying(EventResult.Ignored.class, i -> {
                    assertThat(i.event().raw()).isNotBlank();
                    assertThat(i.event().raw()).containsAnyOf("eleported", "open");
                    assertThat(i.ruleId()).startsWith("event." + p.id() + ".");
                    assertThat(i.why()).isNotBlank();
                }));
    }

    @Test
    void sesUnknownEventTypeIsIgnoredPerDestination() {
        SesNormalizer ses = new SesNormalizer(new EventRules(ReplyClassifier.standard()));
        List<EventResult> r = ses.normalize("id", Optional.empty(),
                "{\"eventType\":\"Teleport\",\"mail\":{\"destination\":[\"a@example.com\",\"b@example.com\"]}}");
        assertThat(r).hasSize(2).allSatisfy(e -> {
            assertThat(e).isInstanceOf(EventResult.Ignored.class);
            assertThat(e.event().raw()).contains("Teleport");
        });
    }

    @Test
    void sparkPostTestPingIsAnEmptyBatch() {
        WebhookResult r = hooks().receive(signed(Provider.SPARKPOST, bytes("[{\"msys\":{}}]")));
        assertThat(r).isInstanceOfSatisfying(WebhookResult.Accepted.class, a -> assertThat(a.events()).isEmpty());
    }

    // ---- property: seeded random bodies and random mutations of every fixture never throw

    private static final List<String> MUTATED = List.of(
            "sendgrid/events-batch.json", "postmark/bounce-hardbounce.json", "postmark/delivery.json",
            "postmark/subscription-change.json", "postmark/bounce-softbounce.json", "sparkpost/events-batch.json",
            "mailgun/failed-permanent.json", "mailgun/failed-permanent-delayed-bounce.json", "mailgun/delivered.json");

    static Stream<Long> seeds() {
        return IntStream.range(0, 8).mapToObj(i -> 0x5EED0000L + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomBodiesAndMutationsNeverThrow(long seed) {
        Random rnd = new Random(seed);
        ProviderWebhooks hooks = hooks();
        for (int i = 0; i < 25; i++) {
            for (Provider p : Provider.values()) {
                byte[] junk = new byte[rnd.nextInt(64)];
                rnd.nextBytes(junk);
                check(hooks.receive(signed(p, junk)));
            }
            for (String file : MUTATED) {
                JsonNode tree = mutate(Fixtures.json(file), rnd);
                Provider p = Fixtures.provider(file);
                byte[] body = p == Provider.MAILGUN ? mailgunSigned(tree) : Fixtures.JSON.writeValueAsBytes(tree);
                check(hooks.receive(signed(p, body)));
            }
            SesNormalizer ses = new SesNormalizer(new EventRules(ReplyClassifier.standard()));
            for (String file : List.of("ses/bounce-permanent-general.json", "ses/delivery-delay.json", "ses/complaint.json", "ses/delivery.json")) {
                JsonNode doc = mutate(Fixtures.JSON.readTree(Fixtures.json(file).get("Message").stringValue()), rnd);
                try {
                    ses.normalize("id", Optional.empty(), Fixtures.JSON.writeValueAsString(doc));
                } catch (Payload.Problem expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    private static void check(WebhookResult r) {
        switch (r) {
            case WebhookResult.Refused x -> assertThat(x.reason()).isNotBlank();
            case WebhookResult.Accepted a -> a.events().forEach(e -> assertThat(e.ruleId()).startsWith("event."));
        }
    }

    /** Replaces, removes or retypes one randomly chosen value somewhere in the tree. */
    static JsonNode mutate(JsonNode root, Random rnd) {
        JsonNode copy = root.deepCopy();
        List<JsonNode> containers = new ArrayList<>();
        collect(copy, containers);
        JsonNode target = containers.get(rnd.nextInt(containers.size()));
        JsonNode replacement = switch (rnd.nextInt(7)) {
            case 0 -> JsonNodeFactory.instance.numberNode(rnd.nextInt(1000) - 500);
            case 1 -> JsonNodeFactory.instance.stringNode(rnd.nextBoolean() ? "" : "x" + rnd.nextInt());
            case 2 -> JsonNodeFactory.instance.booleanNode(rnd.nextBoolean());
            case 3 -> JsonNodeFactory.instance.nullNode();
            case 4 -> JsonNodeFactory.instance.arrayNode().add(rnd.nextInt());
            case 5 -> JsonNodeFactory.instance.objectNode().put("k", "v");
            default -> null; // remove
        };
        if (target instanceof ObjectNode o && !o.isEmpty()) {
            List<String> names = new ArrayList<>(o.propertyNames());
            String name = names.get(rnd.nextInt(names.size()));
            if (replacement == null) o.remove(name); else o.set(name, replacement);
        } else if (target instanceof ArrayNode a && !a.isEmpty()) {
            int idx = rnd.nextInt(a.size());
            if (replacement == null) a.remove(idx); else a.set(idx, replacement);
        }
        return copy;
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainer()) {
            out.add(n);
            for (JsonNode c : n.values()) collect(c, out);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
