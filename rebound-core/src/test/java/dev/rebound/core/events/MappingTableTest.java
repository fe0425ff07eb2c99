package dev.rebound.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.ReplyClassifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mapping tables of shared notes provider-events.md §6 beyond the fixtures, one minimal event per row:
 * provider, the labels, and the expected outcome/reason (IGNORE/reason for ignored events).
 */
class MappingTableTest {
    private static final EventRules RULES = new EventRules(ReplyClassifier.standard());

    /** {@code OUTCOME/*} leaves the reason to the reply classifier's table (tested there). */
    private static void check(EventResult r, String expected) {
        String e = expected.trim();
        if (e.endsWith("/*")) assertThat(describe(r)).startsWith(e.substring(0, e.length() - 1));
        else assertThat(describe(r)).isEqualTo(e);
    }

    private static String describe(EventResult r) {
        return switch (r) {
            case EventResult.Classified c -> c.classification().outcome() + "/" + c.classification().reason().id();
            case EventResult.Ignored i -> "IGNORE/" + i.reason().map(x -> x.id()).orElse("");
            case EventResult.SubscriptionConfirmation s -> "CONFIRM";
        };
    }

    @ParameterizedTest(name = "SES {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"eventType":"DeliveryDelay","deliveryDelay":{"delayType":"IPFailure","delayedRecipients":[{"emailAddress":"a@example.com"}]}} | DEFERRED/badreputation
            {"eventType":"DeliveryDelay","deliveryDelay":{"delayType":"SpamDetected","delayedRecipients":[{"emailAddress":"a@example.com"}]}} | DEFERRED/spamdetected
            {"eventType":"DeliveryDelay","deliveryDelay":{"delayType":"RecipientServerError","delayedRecipients":[{"emailAddress":"a@example.com"}]}} | DEFERRED/systemerror
            {"eventType":"DeliveryDelay","deliveryDelay":{"delayType":"General","delayedRecipients":[{"emailAddress":"a@example.com"}]}} | DEFERRED/undefined
            {"eventType":"DeliveryDelay","deliveryDelay":{"delayType":"General","delayedRecipients":[{"emailAddress":"a@example.com","status":"4.2.2","diagnosticCode":"smtp; 452 4.2.2 Mailbox full"}]}} | DEFERRED/mailboxfull
            {"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"CustomTimeoutExceeded","bouncedRecipients":[{"emailAddress":"a@example.com"}]}} | BOUNCED_SOFT/expired
            {"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"a@example.com","diagnosticCode":"I am out of the office until Monday"}]}} | IGNORE/vacation
            {"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"AttachmentRejected","bouncedRecipients":[{"emailAddress":"a@example.com","diagnosticCode":"554 5.7.1 virus found in attachment"}]}} | BLOCKED_POLICY/virusdetected
            {"notificationType":"Complaint","complaint":{"complaintFeedbackType":"not-spam","complainedRecipients":[{"emailAddress":"a@example.com"}]}} | IGNORE/feedback
            {"notificationType":"Complaint","complaint":{"complaintSubType":"OnAccountSuppressionList","complainedRecipients":[{"emailAddress":"a@example.com"}]}} | BLOCKED_POLICY/suppressed
            {"eventType":"Reject","mail":{"destination":["a@example.com"]},"reject":{"reason":"Bad content"}} | BLOCKED_POLICY/virusdetected
            {"eventType":"Open","mail":{"destination":["a@example.com"]},"open":{}} | IGNORE/
            {"eventType":"Rendering Failure","mail":{"destination":["a@example.com"]},"failure":{"templateName":"t"}} | IGNORE/
            """)
    void ses(String doc, String expected) {
        List<EventResult> r = new SesNormalizer(RULES).normalize("id", Optional.empty(), doc);
        assertThat(r).hasSize(1);
        assertThat(describe(r.get(0))).isEqualTo(expected.trim());
    }

    @ParameterizedTest(name = "SendGrid {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"event":"bounce","type":"blocked","bounce_classification":"Content","email":"a@example.com","reason":"550 5.7.1 spam content"} | BLOCKED_POLICY/spamdetected
            {"event":"bounce","type":"blocked","bounce_classification":"Frequency or Volume","email":"a@example.com"} | BOUNCED_SOFT/speeding
            {"event":"bounce","type":"blocked","bounce_classification":"Invalid Address","email":"a@example.com"} | BOUNCED_HARD/userunknown
            {"event":"bounce","type":"blocked","bounce_classification":"Technical","email":"a@example.com","reason":"421 4.4.2 connection timed out"} | BOUNCED_SOFT/networkerror
            {"event":"bounce","type":"bounce","email":"a@example.com","reason":"550 5.1.1 user unknown","status":"5.1.1"} | BOUNCED_HARD/userunknown
            {"event":"bounce","type":"bounce","email":"a@example.com","reason":"550 5.7.1 rejected by policy","status":"5.7.1"} | BLOCKED_POLICY/*
            {"event":"dropped","reason":"Spam Reporting Address","email":"a@example.com"} | BLOCKED_POLICY/suppressed
            {"event":"dropped","reason":"Invalid","email":"a@example.com"} | BOUNCED_HARD/syntaxerror
            {"event":"dropped","reason":"Spam Content","email":"a@example.com"} | BLOCKED_POLICY/spamdetected
            {"event":"dropped","reason":"Invalid SMTPAPI header","email":"a@example.com"} | IGNORE/
            {"event":"open","email":"a@example.com"} | IGNORE/
            {"event":"group_unsubscribe","email":"a@example.com"} | IGNORE/
            """)
    void sendgrid(String event, String expected) {
        List<EventResult> r = new SendGridNormalizer(RULES).normalize(("[" + event + "]").getBytes(StandardCharsets.UTF_8));
        check(r.get(0), expected);
    }

    @ParameterizedTest(name = "Postmark {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            VirusNotification | BLOCKED_POLICY/virusdetected
            ManuallyDeactivated | BLOCKED_POLICY/suppressed
            Unknown | BOUNCED_SOFT/undefined
            ChallengeVerification | IGNORE/vacation
            SMTPApiError | IGNORE/
            Unsubscribe | IGNORE/
            """)
    void postmark(String type, String expected) {
        String body = "{\"RecordType\":\"Bounce\",\"Type\":\"" + type.trim() + "\",\"Email\":\"a@example.com\",\"ID\":1}";
        List<EventResult> r = new PostmarkNormalizer(RULES).normalize(body.getBytes(StandardCharsets.UTF_8), Optional.empty());
        assertThat(describe(r.get(0))).isEqualTo(expected.trim());
    }

    @ParameterizedTest(name = "Mailgun {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "severity":"permanent","reason":"old" | BOUNCED_SOFT/expired
            "severity":"permanent","reason":"suppress-unsubscribe" | BLOCKED_POLICY/suppressed
            "severity":"permanent","reason":"suppress-complaint" | BLOCKED_POLICY/suppressed
            "severity":"permanent","reason":"espblock" | BLOCKED_POLICY/blocked
            "severity":"permanent","reason":"generic","delivery-status":{"code":552,"message":"5.2.2 mailbox full"} | BOUNCED_SOFT/mailboxfull
            "severity":"permanent","reason":"generic","delivery-status":{"code":550,"message":"5.7.1 message refused by policy"} | BLOCKED_POLICY/*
            "severity":"permanent","reason":"bounce","delivery-status":{"code":450,"message":"try later"} | BOUNCED_SOFT/undefined
            "severity":"temporary","reason":"generic","delivery-status":{"code":452,"message":"4.2.2 over quota"} | DEFERRED/mailboxfull
            """)
    void mailgun(String fields, String expected) {
        String body = "{\"event-data\":{\"event\":\"failed\",\"recipient\":\"a@example.com\"," + fields + "}}";
        List<EventResult> r = new MailgunNormalizer(RULES).normalize(Fixtures.JSON.readTree(body));
        check(r.get(0), expected);
    }

    @ParameterizedTest(name = "SparkPost {0}/{1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            bounce | 30 | BOUNCED_HARD/userunknown
            bounce | 23 | BOUNCED_SOFT/mesgtoobig
            bounce | 25 | BLOCKED_POLICY/suppressed
            bounce | 52 | BLOCKED_POLICY/spamdetected
            bounce | 53 | BLOCKED_POLICY/policyviolation
            bounce | 54 | BLOCKED_POLICY/norelaying
            bounce | 60 | IGNORE/vacation
            bounce | 90 | IGNORE/
            bounce | 1  | BOUNCED_SOFT/undefined
            out_of_band | 10 | BOUNCED_HARD/userunknown
            delay | 22 | DEFERRED/mailboxfull
            spam_complaint | '' | COMPLAINT/feedback
            policy_rejection | 25 | BLOCKED_POLICY/suppressed
            delivery | '' | DELIVERED/delivered
            injection | '' | IGNORE/
            """)
    void sparkpost(String type, String bounceClass, String expected) {
        String body = "[{\"msys\":{\"message_event\":{\"type\":\"" + type + "\",\"bounce_class\":\"" + bounceClass
                + "\",\"rcpt_to\":\"a@example.com\"}}}]";
        List<EventResult> r = new SparkPostNormalizer(RULES).normalize(body.getBytes(StandardCharsets.UTF_8));
        assertThat(describe(r.get(0))).isEqualTo(expected.trim());
    }
}
