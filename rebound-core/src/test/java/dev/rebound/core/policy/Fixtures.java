package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import java.time.Instant;

/** Classification values built directly (the classifier on this branch is a placeholder). */
final class Fixtures {
    private Fixtures() {}

    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    static Classification cls(Outcome o, Reason r, int code, String enhanced, String text) {
        return new Classification(o, r, "test." + r.id(), new Evidence(code, enhanced, text, SmtpPhase.RCPT,
                "example.com", ""));
    }

    static Classification delivered() {
        return cls(Outcome.DELIVERED, Reason.DELIVERED, 250, "2.0.0", "2.0.0 OK queued as 12345");
    }

    static Classification deferred() {
        return cls(Outcome.DEFERRED, Reason.UNDEFINED, 451, "4.3.0", "4.3.0 Temporary system problem");
    }

    static Classification mailboxFull4xx() {
        return cls(Outcome.DEFERRED, Reason.MAILBOXFULL, 452, "4.2.2",
                "4.2.2 The email account that you tried to reach is over quota.");
    }

    static Classification userUnknown() {
        return cls(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, 550, "5.1.1",
                "5.1.1 The email account that you tried to reach does not exist.");
    }

    static Classification policyBlock() {
        return cls(Outcome.BLOCKED_POLICY, Reason.BLOCKED, 550, "5.7.1",
                "5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus");
    }

    static Classification connectionFailure() {
        return new Classification(Outcome.DEFERRED, Reason.NETWORKERROR, "test.networkerror",
                new Evidence(0, "", "connect to mx.example.com:25: Connection refused", SmtpPhase.CONNECT,
                        "example.com", ""));
    }
}
