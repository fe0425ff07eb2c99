package dev.rebound.core.events;

import java.util.Objects;

/** Whether a webhook request is authentic. Problems are values, never exceptions. */
public sealed interface Verification permits Verification.Verified, Verification.Rejected {

    /** Why a request was refused; the server maps MALFORMED to 400 and the rest to 401/403. */
    enum Problem {
        /** The body or a header is not what the provider sends (not JSON, missing field, wrong type, too big). */
        MALFORMED,
        /** No credentials, wrong credentials, bad signature, certificate or topic not allowed. */
        UNAUTHENTIC,
        /** The signed timestamp is outside the replay window. */
        STALE,
        /** The one-time token was seen before. */
        REPLAYED,
        /** Rebound has no settings for this provider. */
        NOT_CONFIGURED
    }

    /** @param method how the request was proven authentic, e.g. {@code sns-signature-v2} */
    record Verified(String method) implements Verification {
        public Verified {
            Objects.requireNonNull(method, "method");
        }
    }

    /** @param reason a sentence naming the problem, quoting the offending value, saying what to do */
    record Rejected(Problem problem, String reason) implements Verification {
        public Rejected {
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(reason, "reason");
        }
    }

    static Rejected rejected(Problem problem, String reason) {
        return new Rejected(problem, reason);
    }
}
