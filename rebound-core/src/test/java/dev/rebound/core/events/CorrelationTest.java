package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the server needs to match an event to Rebound's message and to deduplicate provider retries. */
class CorrelationTest {

    private static List<EventResult> events(String file) {
        String key = file.startsWith("sendgrid/upstream-vector/") ? Fixtures.upstreamSendGridKey() : Fixtures.fixtureSendGridKey();
        WebhookResult r = Fixtures.webhooks(key, Fixtures.clockAt(file)).receive(Fixtures.request(file));
        assertThat(r).as("%s", r).isInstanceOf(WebhookResult.Accepted.class);
        return ((WebhookResult.Accepted) r).events();
    }

    @Test
    void sesCarriesItsMessageIdTheOriginalMessageIdAndTags() {
        ProviderEvent e = events("ses/bounce-permanent-general.json").get(0).event();
        assertThat(e.providerMessageId()).isEqualTo("00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000");
        assertThat(e.headerMessageId()).isEqualTo("custom-message-ID");
        assertThat(e.providerEventId()).isEqualTo("0e00620b-32c7-56a9-9c4a-f07ee2200547");
        assertThat(e.timestamp()).hasValue(Instant.parse("2016-01-27T14:59:38.237Z"));
        assertThat(e.enhancedCode()).isEqualTo("5.1.1");
        assertThat(e.diagnostic()).isEqualTo("smtp; 550 5.1.1 <jane@example.com>... User");
        ProviderEvent tagged = events("ses/bounce-permanent-general-eventpublishing.json").get(0).event();
        assertThat(tagged.metadata()).containsEntry("ses:configuration-set", "ConfigSet");
    }

    @Test
    void oneSnsMessageForTwoRecipientsGivesTwoDedupKeys() {
        List<EventResult> r = events("ses/bounce-permanent-general-no-dsn.json");
        assertThat(r).hasSize(2);
        assertThat(r.get(0).event().providerEventId()).isEqualTo(r.get(1).event().providerEventId());
        assertThat(r.get(0).event().dedupKey()).isNotEqualTo(r.get(1).event().dedupKey());
        // the same request again gives the same keys: a provider retry is recognisable
        assertThat(events("ses/bounce-permanent-general-no-dsn.json").get(1).event().dedupKey())
                .isEqualTo(r.get(1).event().dedupKey());
    }

    @Test
    void sendGridEventsHaveDistinctEventIdsAndTheirSmtpId() {
        List<EventResult> r = events("sendgrid/events-batch.json");
        assertThat(r).hasSize(9);
        assertThat(r.stream().map(e -> e.event().dedupKey()).distinct()).hasSize(9);
        assertThat(r.get(0).event().headerMessageId()).isEqualTo("14c5d75ce93.dfd.64b469@ismtpd-555");
        assertThat(r.get(0).event().providerMessageId()).isEqualTo("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0");
        assertThat(r.get(0).event().timestamp()).hasValue(Instant.ofEpochSecond(1513299569));
    }

    @Test
    void postmarkMetadataAndMailgunMessageIdAreKept() {
        ProviderEvent pm = events("postmark/bounce-hardbounce.json").get(0).event();
        assertThat(pm.metadata()).isEqualTo(Map.of("a_key", "a_value", "b_key", "b_value", "Tag", "Test"));
        assertThat(pm.providerEventId()).isEqualTo("4323372036854775807");
        ProviderEvent mg = events("mailgun/failed-permanent.json").get(0).event();
        assertThat(mg.headerMessageId()).isEqualTo("20260212174255.58bbb7ce85a423e5@mg.example.com");
        assertThat(mg.providerEventId()).isEqualTo("2kFItcrLQuKTdp-Ia2Xr7w");
        assertThat(mg.smtpCode()).isEqualTo(550);
        ProviderEvent suppressed = events("mailgun/failed-permanent-suppress-bounce.json").get(0).event();
        assertThat(suppressed.smtpCode()).as("605 is Mailgun's own code, not SMTP").isZero();
        assertThat(suppressed.diagnostic()).isEqualTo("605 Not delivering to previously bounced address");
    }

    @Test
    void refinedRuleIdsNameBothTheLabelAndTheReply() {
        var c = ((EventResult.Classified) events("ses/bounce-permanent-general.json").get(0)).classification();
        assertThat(c.ruleId()).startsWith("event.ses.bounce.permanent.general+");
        assertThat(c.evidence().replyCode()).isEqualTo(550);
        var fixed = ((EventResult.Classified) events("ses/bounce-permanent-noemail.json").get(0)).classification();
        assertThat(fixed.ruleId()).isEqualTo("event.ses.bounce.permanent.noemail");
    }
}
