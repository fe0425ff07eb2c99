package dev.rebound.server.webhooks;

import dev.rebound.core.events.StandardWebhookSignature;
import dev.rebound.server.store.WebhookStore;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CPU of one webhook event before its POST: the request body from the outbox row and its Standard Webhooks
 * signature, per event, on one thread, over four outbox rows of the shapes the store writes (a delivery, a hard
 * bounce with a two-line reply and its suppression entry, a provider event, a message accepted). {@code tree*} is the
 * code before (the body through a Jackson tree, {@link WebhookBodyTree}), the others today's. In the package of
 * {@link WebhookBody} (package-private) though built in rebound-bench.
 * <pre>
 * mvn -B -q -Pbench package -DskipTests -pl rebound-core,rebound-server,rebound-bench
 * java -jar rebound-bench/target/rebound-bench.jar WebhookBodyBenchmark -f 1 -wi 3 -w 2s -i 3 -r 2s -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
public class WebhookBodyBenchmark {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final JsonMapper STORE = JsonMapper.builder().build();

    private final List<WebhookStore.OutboxEvent> events = events();
    private final StandardWebhookSignature signer = new StandardWebhookSignature(SECRET);
    private final WebhookBodyTree.Signer treeSigner = new WebhookBodyTree.Signer(SECRET);
    private final long ts = 1_777_777_777L;
    private int next;

    private WebhookStore.OutboxEvent next() {
        WebhookStore.OutboxEvent e = events.get(next);
        next = (next + 1) & 3;
        return e;
    }

    @Benchmark
    public byte[] treeBody() {
        return WebhookBodyTree.bytes(next(), "bounced");
    }

    @Benchmark
    public byte[] body() {
        return WebhookBody.bytes(next(), "bounced");
    }

    @Benchmark
    public String treeBodyAndSignature() {
        WebhookStore.OutboxEvent e = next();
        return treeSigner.sign(WebhookBody.webhookId(e), ts, WebhookBodyTree.bytes(e, "bounced"));
    }

    @Benchmark
    public String bodyAndSignature() {
        WebhookStore.OutboxEvent e = next();
        return signer.sign(WebhookBody.webhookId(e), ts, WebhookBody.bytes(e, "bounced"));
    }

    static List<WebhookStore.OutboxEvent> events() {
        Instant t = Instant.parse("2026-05-01T10:00:00.123Z");
        ObjectNode suppression = STORE.createObjectNode().put("address", "bob@example.test").put("stream", "transactional")
                .put("state", "SUPPRESSED").put("reason", "userunknown").put("rule_id", "suppress.hard-bounce")
                .put("created_at", "2026-05-01T10:00:00.120Z").put("evidence_ref", "01JTATTEMPT0000000000000001").putNull("expires_at");
        ObjectNode delivered = attempt("DELIVERED", 250, "2.0.0", "250 2.0.0 OK  1700000000 a1si123 - gsmtp");
        ObjectNode bounced = attempt("BOUNCED_HARD", 550, "5.1.1",
                "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
                        + "550 5.1.1 double-checking the recipient's email address https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp");
        bounced.set("suppression", suppression);
        ObjectNode provider = STORE.createObjectNode().put("evidence_id", "01JTEVID0000000000000000001").put("source", "provider")
                .put("provider", "ses").put("provider_event", "Bounce/Permanent/General").put("address", "bob@example.test")
                .put("stream", "transactional").put("matched_by", "message_id").put("outcome", "HARD").put("reason", "userunknown")
                .put("rule_id", "event.ses.bounce").put("state", "BOUNCED_HARD").put("decision_rule", "dsn.hard")
                .put("suppression_rule", "").put("smtp_code", 550).put("enhanced_code", "5.1.1")
                .put("raw_reason", "smtp; 550 5.1.1 user unknown").put("recipient_domain", "example.test").put("decision", "BOUNCED_HARD")
                .put("occurred_at", "2026-05-01T09:00:00Z");
        ObjectNode accepted = STORE.createObjectNode().put("message_id", "01JTMSG0000000000000000001").put("stream", "transactional")
                .put("recipients", 1);
        return List.of(
                event(t, "01JTRCPT0000000000000000001", "bob@example.test", delivered),
                event(t, "01JTRCPT0000000000000000002", "carol@example.test", bounced),
                event(t, "01JTRCPT0000000000000000003", "bob@example.test", provider),
                event(t, "", "", accepted));
    }

    private static ObjectNode attempt(String state, int code, String enhanced, String wire) {
        return STORE.createObjectNode().put("message_id", "01JTMSG0000000000000000001").put("recipient_id", "01JTRCPT0000000000000000001")
                .put("state", state).put("smtp_code", code).put("enhanced_code", enhanced).put("reason", code == 250 ? "delivered" : "userunknown")
                .put("rule_id", code == 250 ? "reply.2xx" : "gmail.5.1.1").put("attempt_id", "01JTATTEMPT0000000000000001")
                .put("source", "attempt").put("outcome", code == 250 ? "DELIVERED" : "HARD").put("raw_reason", wire)
                .put("recipient_domain", "example.test").put("attempt", 1).put("phase", "DATA").put("mx_host", "mx1.example.test")
                .put("mx_ip", "192.0.2.25").put("decision", state).put("decision_reason", "").put("decision_rule", "reply.final")
                .put("occurred_at", "2026-05-01T09:59:58.001Z");
    }

    private static WebhookStore.OutboxEvent event(Instant t, String recipientId, String address, ObjectNode payload) {
        return new WebhookStore.OutboxEvent(1, "01JTEVENT0000000000000" + address.length(), t, "recipient.x", "01JTMSG0000000000000000001",
                recipientId, address, "transactional", STORE.writeValueAsString(payload));
    }
}
