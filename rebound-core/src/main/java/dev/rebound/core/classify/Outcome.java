package dev.rebound.core.classify;

/**
 * The one outcome every piece of evidence (synchronous SMTP reply, asynchronous DSN, provider event)
 * is reduced to. An enum is Java's closed (sealed) set of constants: a switch over it is exhaustive.
 */
public enum Outcome {
    /** The receiving MTA accepted responsibility (2xx after DATA, a "delivered" DSN or provider event). */
    DELIVERED,
    /** A transient failure; the message will be tried again. Not final. */
    DEFERRED,
    /** A final failure that says nothing permanent about the mailbox (mailbox full, expired, content...). */
    BOUNCED_SOFT,
    /** A final failure that says the mailbox or domain does not exist (or no longer accepts mail). */
    BOUNCED_HARD,
    /** Refused because of the sender, its IP, content policy or authentication; says nothing about the mailbox. */
    BLOCKED_POLICY,
    /** The recipient complained (ARF feedback report, provider complaint event). */
    COMPLAINT;

    /** True for every outcome except {@link #DEFERRED}. */
    public boolean isFinal() {
        return this != DEFERRED;
    }
}
