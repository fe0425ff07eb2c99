package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether to suppress one recipient in one message stream, given all the evidence about it. Pure: a function of
 * the history, the domain's health, the configuration and {@code now}; expiries count from the evidence's own
 * time, so replaying the same history gives the same decision.
 *
 * <p>Design. RFC 3463 separates addressing failures (X.1.x: the mailbox or domain is gone) from mailbox status
 * (X.2.x, "persistent transient" when full) and security/policy (X.7.x: about the sender). Only the first is
 * evidence against the recipient on its own. The guardrails follow what users of Postal, listmonk and Mailman
 * asked for in their issue trackers (https://github.com/postalserver/postal/issues/58, /60, /256, /560, /900;
 * https://github.com/knadh/listmonk/issues/2602, /2770): never suppress after one soft bounce, never because of a
 * policy or reputation block (Gmail 5.7.1 during IP warm-up suppressed real users in postal#60), expire
 * soft-derived entries quickly (Postal 30 d; the SES global suppression list at most 14 d,
 * https://docs.aws.amazon.com/ses/latest/dg/sending-email-global-suppression-list.html), and do not let a whole
 * domain's outage suppress its recipients (postal#256): a circuit breaker turns those suppressions into reviews.
 *
 * <p>Rules, in order (the first that applies decides):
 * <ol>
 *   <li>{@code suppress.complaint}: a complaint (outcome COMPLAINT) whose expiry is still ahead → Suppress. Not
 *       subject to the circuit breaker: a complaint is the recipient's own act, no outage can produce one.</li>
 *   <li>Only evidence after the last delivery counts from here on: a delivery resets everything but complaints.
 *       Evidence whose outcome is BLOCKED_POLICY, or whose reason belongs to the policy family (blocked,
 *       badreputation, spamdetected, authfailure, ...), is ignored: it is about the sender.</li>
 *   <li>{@code suppress.hard.<reason>}: a BOUNCED_HARD with a recipient-gone reason (userunknown,
 *       hostunknown, hasmoved, notaccept) whose expiry is ahead → Suppress until at + the reason's expiry.
 *       When several apply, the one whose expiry lies furthest ahead decides.
 *       {@code suppress.breaker.hard}: the domain is unhealthy ({@link DomainHealth#unhealthy}) → Review instead.
 *       {@code suppress.provisional.hard}: the domain's window holds fewer recipients than the breaker needs to judge
 *       it ({@link DomainHealth#judged}) and the first recipient-gone hard bounce since the last delivery is younger
 *       than {@code provisionalHold} → Review, provisional: the bounce may be the first of a domain outage the breaker
 *       cannot see yet (in a burst, the first failures are decided before the domain's count reaches the breaker's
 *       minimum). Decided again at {@link #provisionalUntil} (the caller's sweep, with the domain's counts of the
 *       window ending then), it becomes the Suppress (or, the breaker open by then, the breaker's Review). At a busy
 *       domain (judged healthy) the hard bounce suppresses at once.
 *       {@code suppress.review.hard-other}: otherwise, BOUNCED_HARD with another reason (e.g. suppressed by a
 *       provider) → Review.</li>
 *   <li>{@code suppress.soft.mailboxfull-persistent}: final mailbox-full failures on ≥ mailboxFullMessages messages
 *       spanning ≥ mailboxFullSpan (an abandoned mailbox) → Suppress for softSuppressExpiry after the last.</li>
 *   <li>{@code suppress.soft.sustained}: ≥ softSuppressMessages final soft failures (distinct messages, within
 *       softEvidenceWindow, no delivery in between) spanning ≥ softSuppressSpan → Suppress for softSuppressExpiry
 *       after the last.</li>
 *   <li>{@code suppress.breaker.hard} / {@code suppress.breaker.soft}: the domain is unhealthy
 *       ({@link DomainHealth#unhealthy}) → the Suppress of rule 3–5 becomes a Review.</li>
 *   <li>{@code suppress.review.soft-repeated}: ≥ softReviewMessages final soft failures spanning ≥ softReviewSpan
 *       → Review.</li>
 *   <li>NoAction with the reason it is nothing: {@code suppress.none.no-evidence},
 *       {@code suppress.none.single-soft}, {@code suppress.none.soft-below-threshold},
 *       {@code suppress.none.policy-block}, {@code suppress.none.delivered}, {@code suppress.none.not-final}.</li>
 * </ol>
 */
public final class SuppressionPolicy {

    public static final String COMPLAINT = "suppress.complaint";
    public static final String HARD_PREFIX = "suppress.hard.";
    public static final String REVIEW_HARD_OTHER = "suppress.review.hard-other";
    public static final String MAILBOXFULL_PERSISTENT = "suppress.soft.mailboxfull-persistent";
    public static final String SOFT_SUSTAINED = "suppress.soft.sustained";
    public static final String BREAKER_HARD = "suppress.breaker.hard";
    public static final String PROVISIONAL_HARD = "suppress.provisional.hard";
    public static final String BREAKER_SOFT = "suppress.breaker.soft";
    public static final String REVIEW_SOFT_REPEATED = "suppress.review.soft-repeated";
    public static final String NONE_NO_EVIDENCE = "suppress.none.no-evidence";
    public static final String NONE_SINGLE_SOFT = "suppress.none.single-soft";
    public static final String NONE_SOFT_BELOW = "suppress.none.soft-below-threshold";
    public static final String NONE_POLICY_BLOCK = "suppress.none.policy-block";
    public static final String NONE_DELIVERED = "suppress.none.delivered";
    public static final String NONE_NOT_FINAL = "suppress.none.not-final";

    private SuppressionPolicy() {}

    /**
     * Time order with a fixed order among evidence of the same instant, so the decision never depends on the order
     * the history was read in: a delivery first, then failures (an MX accepts before it can bounce: a bounce mail or
     * provider event of the same instant as a delivery came after it), then by outcome, reason, message id, rule and
     * evidence text.
     */
    static final Comparator<RecipientEvidence> ORDER = Comparator.comparing(RecipientEvidence::at)
            .thenComparing(e -> e.classification().outcome() != Outcome.DELIVERED)
            .thenComparing(e -> e.classification().outcome())
            .thenComparing(e -> e.classification().reason())
            .thenComparing(RecipientEvidence::messageId)
            .thenComparing(e -> e.classification().ruleId())
            .thenComparing(RecipientEvidence::finalForMessage)
            .thenComparing(e -> e.classification().evidence().text());

    /** The decision for one recipient; {@code history} in any order (it is sorted by {@link #ORDER}). */
    public static SuppressionDecision decide(List<RecipientEvidence> history, DomainHealth health,
                                             SuppressionConfig config, Instant now) {
        List<RecipientEvidence> events = new ArrayList<>(history);
        events.sort(ORDER);
        if (events.isEmpty()) return new NoAction(NONE_NO_EVIDENCE);
        boolean unhealthy = health != null && health.unhealthy(config);

        // 1. complaints
        for (int i = events.size() - 1; i >= 0; i--) {
            RecipientEvidence e = events.get(i);
            if (e.classification().outcome() == Outcome.COMPLAINT) {
                Instant exp = e.at().plus(config.complaintExpiry());
                if (exp.isAfter(now)) return new Suppress(e.classification().reason(), exp, COMPLAINT);
                break;
            }
        }

        // 2. evidence since the last delivery, without sender-side (policy) evidence
        int lastDelivery = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).classification().outcome() == Outcome.DELIVERED) lastDelivery = i;
        }
        List<RecipientEvidence> tail = events.subList(lastDelivery + 1, events.size());
        List<RecipientEvidence> recipientSide = tail.stream().filter(e -> !senderSide(e.classification())).toList();

        // 3. hard bounces: the recipient-gone one whose expiry lies furthest ahead decides
        RecipientEvidence hard = null;
        Instant hardExp = null;
        Reason other = null;
        for (RecipientEvidence e : recipientSide) {
            Classification c = e.classification();
            if (c.outcome() != Outcome.BOUNCED_HARD) continue;
            Duration expiry = config.hardExpiry(c.reason());
            if (expiry == null) {
                other = c.reason();
                continue;
            }
            Instant exp = e.at().plus(expiry);
            if (exp.isAfter(now) && (hardExp == null || !exp.isBefore(hardExp))) {
                hard = e;
                hardExp = exp;
            }
        }
        if (hard != null) {
            Reason r = hard.classification().reason();
            if (unhealthy) return new Review(r, BREAKER_HARD);
            if (provisional(health, config)) {
                Instant until = firstRecipientGone(recipientSide, config).at().plus(config.provisionalHold());
                if (now.isBefore(until)) return new Review(r, PROVISIONAL_HARD);
            }
            return new Suppress(r, hardExp, HARD_PREFIX + r.id());
        }
        if (other != null) return new Review(other, REVIEW_HARD_OTHER);

        // 4.–7. soft failures: final, recipient-side, recent enough, one per message
        Instant since = now.minus(config.softEvidenceWindow());
        List<RecipientEvidence> soft = firstPerMessage(recipientSide.stream()
                .filter(e -> e.finalForMessage() && e.classification().outcome() == Outcome.BOUNCED_SOFT
                        && !e.at().isBefore(since))
                .toList());
        List<RecipientEvidence> full = soft.stream().filter(e -> RetryPolicy.isMailboxFull(e.classification())).toList();
        if (full.size() >= config.mailboxFullMessages() && span(full).compareTo(config.mailboxFullSpan()) >= 0) {
            Instant exp = last(full).at().plus(config.softSuppressExpiry());
            if (exp.isAfter(now)) {
                if (unhealthy) return new Review(Reason.MAILBOXFULL, BREAKER_SOFT);
                return new Suppress(Reason.MAILBOXFULL, exp, MAILBOXFULL_PERSISTENT);
            }
        }
        if (soft.size() >= config.softSuppressMessages() && span(soft).compareTo(config.softSuppressSpan()) >= 0) {
            Instant exp = last(soft).at().plus(config.softSuppressExpiry());
            Reason r = last(soft).classification().reason();
            if (exp.isAfter(now)) {
                if (unhealthy) return new Review(r, BREAKER_SOFT);
                return new Suppress(r, exp, SOFT_SUSTAINED);
            }
        }
        if (soft.size() >= config.softReviewMessages() && span(soft).compareTo(config.softReviewSpan()) >= 0) {
            return new Review(last(soft).classification().reason(), REVIEW_SOFT_REPEATED);
        }
        if (soft.size() == 1) return new NoAction(NONE_SINGLE_SOFT);
        if (soft.size() > 1) return new NoAction(NONE_SOFT_BELOW);
        if (tail.stream().anyMatch(e -> senderSide(e.classification()))) return new NoAction(NONE_POLICY_BLOCK);
        if (lastDelivery == events.size() - 1) return new NoAction(NONE_DELIVERED);
        return new NoAction(NONE_NOT_FINAL);
    }

    /**
     * When a {@code suppress.provisional.hard} review decided over {@code history} stops being provisional: the first
     * recipient-gone hard bounce since the last delivery plus {@code provisionalHold}; empty when the history has no
     * such bounce or the hold is off. Deciding again with {@code now} at that instant (and the domain's counts of the
     * window ending there) gives the promoted decision.
     */
    public static java.util.Optional<Instant> provisionalUntil(List<RecipientEvidence> history, SuppressionConfig config) {
        if (config.provisionalHold().isZero()) return java.util.Optional.empty();
        List<RecipientEvidence> events = new ArrayList<>(history);
        events.sort(ORDER);
        int lastDelivery = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).classification().outcome() == Outcome.DELIVERED) lastDelivery = i;
        }
        List<RecipientEvidence> recipientSide = events.subList(lastDelivery + 1, events.size()).stream()
                .filter(e -> !senderSide(e.classification())).toList();
        RecipientEvidence first = firstRecipientGone(recipientSide, config);
        return first == null ? java.util.Optional.empty() : java.util.Optional.of(first.at().plus(config.provisionalHold()));
    }

    /** The hold applies: it is on, and the caller's domain counts are too few for the breaker to judge the domain. */
    private static boolean provisional(DomainHealth health, SuppressionConfig config) {
        return health != null && !config.provisionalHold().isZero() && !health.judged(config);
    }

    /** The earliest recipient-gone hard bounce (a reason with a hard expiry) of {@code recipientSide}, or null. */
    private static RecipientEvidence firstRecipientGone(List<RecipientEvidence> recipientSide, SuppressionConfig config) {
        for (RecipientEvidence e : recipientSide) {
            if (e.classification().outcome() == Outcome.BOUNCED_HARD && config.hardExpiry(e.classification().reason()) != null) return e;
        }
        return null;
    }

    /** Evidence about the sender (its IP, reputation, authentication, content), not the mailbox. */
    static boolean senderSide(Classification c) {
        return c.outcome() == Outcome.BLOCKED_POLICY || c.reason().family() == Outcome.BLOCKED_POLICY;
    }

    /** Keeps the first piece of evidence per message id (a sync give-up and a later DSN count once). */
    private static List<RecipientEvidence> firstPerMessage(List<RecipientEvidence> es) {
        Set<String> seen = new LinkedHashSet<>();
        List<RecipientEvidence> out = new ArrayList<>();
        for (RecipientEvidence e : es) if (seen.add(e.messageId())) out.add(e);
        return out;
    }

    private static Duration span(List<RecipientEvidence> es) {
        return Duration.between(es.get(0).at(), last(es).at());
    }

    private static RecipientEvidence last(List<RecipientEvidence> es) {
        return es.get(es.size() - 1);
    }
}
