package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.ReplyClassifier;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replay's entry: every event of every accepted fixture request, normalized again from its stored JSON
 * ({@link ProviderEvent#raw()}) by {@link ProviderWebhooks#renormalize}, must give the same result as on receipt:
 * recipient, kind of result, outcome, reason and rule id.
 */
class RenormalizeTest {
    static Stream<ProviderEventFixturesTest.Row> rows() throws java.io.IOException {
        return ProviderEventFixturesTest.rows().filter(r -> !r.outcome().equals("REJECT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aStoredEventNormalizesToTheSameResult(ProviderEventFixturesTest.Row row) {
        String key = row.file().startsWith("sendgrid/upstream-vector/") ? Fixtures.upstreamSendGridKey() : Fixtures.fixtureSendGridKey();
        WebhookResult result = Fixtures.webhooks(key, Fixtures.clockAt(row.file())).receive(Fixtures.request(row.file()));
        List<EventResult> events = ((WebhookResult.Accepted) result).events();
        EventResult first = events.get(row.index() - 1);
        if (first instanceof EventResult.SubscriptionConfirmation) return; // not an event: nothing to replay
        Optional<EventResult> again = ProviderWebhooks.renormalize(ReplyClassifier.standard(), first.event().provider(),
                first.event().raw(), first.event().recipient());
        assertThat(again).as("renormalized %s", row).isPresent();
        EventResult a = again.get();
        assertThat(a.getClass()).isEqualTo(first.getClass());
        assertThat(a.event().recipient()).isEqualTo(first.event().recipient());
        assertThat(a.ruleId()).isEqualTo(first.ruleId());
        assertThat(a.event().eventType()).isEqualTo(first.event().eventType());
        if (first instanceof EventResult.Classified c) {
            EventResult.Classified ac = (EventResult.Classified) a;
            assertThat(ac.classification().outcome()).isEqualTo(c.classification().outcome());
            assertThat(ac.classification().reason()).isEqualTo(c.classification().reason());
        }
    }

    @org.junit.jupiter.api.Test
    void jsonThatNoLongerReads_isEmpty_notAnException() {
        assertThat(ProviderWebhooks.renormalize(ReplyClassifier.standard(), Provider.POSTMARK, "not json", "x@example.com")).isEmpty();
        assertThat(ProviderWebhooks.renormalize(ReplyClassifier.standard(), Provider.SES, "{}", "x@example.com")).isEmpty();
    }
}
