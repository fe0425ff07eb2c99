package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every row of {@code fixtures/provider-events/expected.jsonl}: the file is read as bytes with its stored headers,
 * verified (with a clock stopped at the fixture's signing time) and normalized; the event at {@code index} must
 * have the row's recipient, outcome and reason. REJECT rows must be refused as unauthentic.
 *
 * <p>Ambiguous rows: all 54 rows, the ambiguous ones included, are asserted as proposed in the fixture; the
 * policies chosen for them are the comments in the normalizers (SES suppression lists → BOUNCED_HARD/suppressed;
 * content/attachment refusals → BLOCKED_POLICY; SendGrid "Mailbox Unavailable" → BOUNCED_SOFT by the reply;
 * dropped list entries → suppressed; Postmark Transient → DEFERRED, DnsError → BOUNCED_SOFT/hostunknown,
 * SpamNotification → BLOCKED_POLICY, BadEmailAddress → BOUNCED_HARD/syntaxerror; Mailgun permanent failures by the
 * reply). One deliberate reading: the notes' SparkPost table gives class 51 "badreputation" but expected.jsonl says
 * "blocked"; we follow expected.jsonl (a known-spam-source block is a block of the sending host).
 */
class ProviderEventFixturesTest {

    record Row(String file, int index, String provider, String event, String recipient, String outcome,
               String reason, boolean ambiguous) {
        @Override
        public String toString() {
            return file + "#" + index + " " + event + " -> " + outcome + "/" + reason + (ambiguous ? " (ambiguous)" : "");
        }
    }

    static Stream<Row> rows() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.DIR.resolve("expected.jsonl"));
        return lines.stream().filter(l -> !l.isBlank()).map(l -> {
            JsonNode n = Fixtures.JSON.readTree(l);
            return new Row(n.get("file").stringValue(), n.get("index").intValue(), n.get("provider").stringValue(),
                    n.get("event").stringValue(), n.path("recipient").asString(""), n.get("outcome").stringValue(),
                    n.path("reason").asString(""), n.path("ambiguous").asBoolean(false));
        });
    }

    @org.junit.jupiter.api.Test
    void theFixtureHas54Rows() throws IOException {
        assertThat(rows().count()).isEqualTo(54);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void eachRowIsReproduced(Row row) {
        String key = row.file().startsWith("sendgrid/upstream-vector/")
                ? Fixtures.upstreamSendGridKey() : Fixtures.fixtureSendGridKey();
        ProviderWebhooks webhooks = Fixtures.webhooks(key, Fixtures.clockAt(row.file()));
        WebhookResult result = webhooks.receive(Fixtures.request(row.file()));
        assertThat(result.provider().id()).isEqualTo(row.provider());

        if (row.outcome().equals("REJECT")) {
            assertThat(result).isInstanceOfSatisfying(WebhookResult.Refused.class,
                    r -> assertThat(r.problem()).isEqualTo(Verification.Problem.UNAUTHENTIC));
            return;
        }
        assertThat(result).as("accepted: %s", result).isInstanceOf(WebhookResult.Accepted.class);
        List<EventResult> events = ((WebhookResult.Accepted) result).events();
        assertThat(events.size()).as("events in %s", row.file()).isGreaterThanOrEqualTo(row.index());
        EventResult e = events.get(row.index() - 1);
        assertThat(e.event().recipient()).isEqualTo(row.recipient());
        assertThat(e.ruleId()).startsWith("event." + row.provider() + ".");

        if (row.outcome().equals("IGNORE")) {
            switch (e) {
                case EventResult.Ignored i -> assertThat(i.reason().map(Reason::id).orElse("")).isEqualTo(row.reason());
                case EventResult.SubscriptionConfirmation s -> {
                    assertThat(row.reason()).isEmpty();
                    assertThat(s.subscribeUrl()).startsWith("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription");
                }
                case EventResult.Classified c -> throw new AssertionError("expected IGNORE, got " + c.classification());
            }
            return;
        }
        assertThat(e).as("classified").isInstanceOf(EventResult.Classified.class);
        var c = ((EventResult.Classified) e).classification();
        assertThat(c.outcome()).as("outcome of %s (rule %s)", row, c.ruleId()).isEqualTo(Outcome.valueOf(row.outcome()));
        assertThat(c.reason().id()).as("reason of %s (rule %s)", row, c.ruleId()).isEqualTo(row.reason());
        assertThat(e.event().raw()).isNotBlank();
    }
}
