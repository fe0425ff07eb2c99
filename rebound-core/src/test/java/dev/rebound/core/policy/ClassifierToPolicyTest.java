package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real reply classifier feeding the retry policy and the throttle: the seam the server uses. */
class ClassifierToPolicyTest {

    private static Classification classify(int code, String text) {
        return ReplyClassifier.standard().classify(SmtpReply.of(code, text), SmtpPhase.RCPT, "example.com");
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource(delimiter = '|', value = {
            // Gmail wording
            "550 | 5.1.1 The email account that you tried to reach does not exist. | retry.no-repeat-5xx  | NOT_CONNECTION",
            "452 | 4.2.2 The email account that you tried to reach is over quota.  | retry.mailboxfull    | NOT_CONNECTION",
            "451 | 4.3.0 Temporary System Problem.  Try again later.                  | retry.transient      | NOT_CONNECTION",
            "450 | 4.2.0 Greylisted, please try again in 5 minutes                   | retry.wait-hint      | NOT_CONNECTION",
            // delivery side's local reply when nothing answered
            "421 | 4.4.1 cannot connect to mx.example.com: Connection refused        | retry.transient      | CONNECTION_FAILURE",
    })
    void realClassificationsDriveThePolicy(int code, String text, String rule, String throttle) {
        Classification c = classify(code, text);
        RetryHistory h = new RetryHistory("m", "a@example.com", T0, List.of(new Attempt(T0, c)));
        RetryDecision d = RetryPolicy.standard().next(h, RetryConfig.defaults(), T0);
        assertThat(d.ruleId()).as(c.toString()).isEqualTo(rule);
        if (d instanceof RetryAt r) {
            assertThat(r.at()).isAfter(T0).isBefore(T0.plus(Duration.ofHours(1)));
        }
        if (!throttle.equals("NOT_CONNECTION")) {
            assertThat(ThrottleEvent.fromClassification(T0, c).kind().name()).as(c.toString()).isEqualTo(throttle);
        } else {
            assertThat(ThrottleEvent.fromClassification(T0, c).kind()).isNotEqualTo(ThrottleEvent.Kind.CONNECTION_FAILURE);
        }
    }
}
