package dev.rebound.core.events;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.ReplyInput;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.EnhancedStatus;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a provider's label plus whatever remote reply it passed on into one {@link Classification}.
 *
 * <p>Design (shared notes provider-events.md §6): the provider's label decides the outcome (it knows whether it
 * stopped trying, whether it suppressed, whether the event is final); the remote reply, when present, refines the
 * <em>reason</em> of coarse labels (SES Permanent/General, Mailgun generic, SendGrid deferred...). Refinement order:
 * <ol>
 *   <li>two phrases providers relay whose meaning is narrower than the general reply table's reading:
 *       Exchange Online's 4.7.652 "exceeded the maximum number of connections" is a connection limit
 *       (toomanyconn, not a sending-rate limit), and "temporarily blacklisted" is a reputation deferral
 *       (badreputation: widen the backoff), not a DNSBL listing — candidates to move into the reply table;</li>
 *   <li>Rebound's own {@link ReplyClassifier} over code, RFC 3463 status and text (the same rules as SMTP replies
 *       and DSNs) — its answer wins when it names a reason other than undefined/onhold;</li>
 *   <li>a few reply-text patterns providers are known to pass on;</li>
 *   <li>the RFC 3463 subject.detail of the status (X.1.1 userunknown, X.2.2 mailboxfull, X.4.7 expired, ...).</li>
 * </ol>
 * Rule ids read {@code event.<provider>.<labels>} and, when the reply refined the reason,
 * {@code event.<provider>.<labels>+<refining rule>}.
 */
final class EventRules {
    private final ReplyClassifier classifier;

    EventRules(ReplyClassifier classifier) {
        this.classifier = classifier;
    }

    /** A reason derived from the remote reply, with the rule that derived it. */
    record Refined(Reason reason, String rule, String matched) {}

    private record TextRule(Pattern pattern, Reason reason, String id) {}

    /** Consulted before the reply classifier (see the class comment). */
    private static final List<TextRule> FIRST_RULES = List.of(
            new TextRule(Pattern.compile("(?i)maximum number of (concurrent |simultaneous )?connections"),
                    Reason.TOOMANYCONN, "text.provider.connectionlimit"),
            new TextRule(Pattern.compile("(?i)\\btemporar(il)?y (black|block) ?listed\\b"),
                    Reason.BADREPUTATION, "text.provider.temporarylisting"));

    /** Reply texts providers pass on, consulted only when the reply classifier has no answer. */
    private static final List<TextRule> TEXT_RULES = List.of(
            new TextRule(Pattern.compile("(?i)(too many|maximum number of) (concurrent )?connections"),
                    Reason.TOOMANYCONN, "text.toomanyconn"),
            new TextRule(Pattern.compile("(?i)\\bblack ?listed\\b"), Reason.BADREPUTATION, "text.blacklisted"),
            new TextRule(Pattern.compile("(?i)\\b(mailbox unavailable|user unknown|unknown (user|recipient)|does not exist)\\b"),
                    Reason.USERUNKNOWN, "text.userunknown"),
            new TextRule(Pattern.compile("(?i)\\b(over quota|mailbox (is )?full|quota exceeded)\\b"),
                    Reason.MAILBOXFULL, "text.mailboxfull"),
            new TextRule(Pattern.compile("(?i)\\bno (MX|mail exchanger)( or A)?( record)?s? (found )?for\\b"),
                    Reason.HOSTUNKNOWN, "text.hostunknown"),
            new TextRule(Pattern.compile("(?i)\\b(out of (the )?office|auto(matic)?[- ]?repl(y|ied)|on vacation)\\b"),
                    Reason.VACATION, "text.vacation"),
            new TextRule(Pattern.compile("(?i)\\bvirus\\b"), Reason.VIRUSDETECTED, "text.virus"));

    private static final Pattern LEADING_CODE = Pattern.compile("^(?:smtp;\\s*)?([245]\\d\\d)[ -]");

    /** The SMTP code a diagnostic starts with ({@code smtp; 550 5.1.1 ...} gives 550), or 0. */
    static int leadingCode(String diagnostic) {
        Matcher m = LEADING_CODE.matcher(diagnostic.trim());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** The reply's reason, when the remote reply names one. */
    Optional<Refined> refine(ProviderEvent e) {
        if (!e.hasDiagnostic()) return Optional.empty();
        int code = e.smtpCode() >= 200 && e.smtpCode() <= 599 ? e.smtpCode() : leadingCode(e.diagnostic());
        Optional<EnhancedStatus> status = EnhancedStatus.tryParse(e.enhancedCode());
        if (status.isEmpty()) status = EnhancedStatus.find(e.diagnostic());
        String text = e.diagnostic().replaceFirst("^(?i)smtp;\\s*", "");
        for (TextRule t : FIRST_RULES) {
            Matcher m = t.pattern().matcher(text);
            if (m.find()) return Optional.of(new Refined(t.reason(), t.id(), m.group()));
        }
        // The classifier reads text-only diagnostics too (no code: the status class, else final, decides).
        Classification c = classifier.classify(new ReplyInput(code, status, text, SmtpPhase.NONE, e.recipientDomain()));
        Reason r = c.reason();
        if (r != Reason.UNDEFINED && r != Reason.ONHOLD && r != Reason.DELIVERED) {
            return Optional.of(new Refined(r, "reply." + c.ruleId(), c.evidence().matched()));
        }
        for (TextRule t : TEXT_RULES) {
            Matcher m = t.pattern().matcher(text);
            if (m.find()) return Optional.of(new Refined(t.reason(), t.id(), m.group()));
        }
        return status.flatMap(EventRules::byStatus);
    }

    /** RFC 3463 §3 subject/detail codes that name a reason on their own. */
    private static Optional<Refined> byStatus(EnhancedStatus s) {
        if (s.isSuccess()) return Optional.empty();
        Reason r = switch (s.subject() * 1000 + s.detail()) {
            case 1001 -> Reason.USERUNKNOWN;      // X.1.1 bad destination mailbox address
            case 1002 -> Reason.HOSTUNKNOWN;      // X.1.2 bad destination system address
            case 1006 -> Reason.HASMOVED;         // X.1.6 destination mailbox has moved
            case 1010 -> Reason.NOTACCEPT;        // X.1.10 null MX (RFC 7505)
            case 2001 -> Reason.SUSPEND;          // X.2.1 mailbox disabled
            case 2002 -> Reason.MAILBOXFULL;      // X.2.2 mailbox full
            case 2003 -> Reason.EXCEEDLIMIT;      // X.2.3 message length exceeds administrative limit
            case 3001 -> Reason.SYSTEMFULL;       // X.3.1 mail system full
            case 3004 -> Reason.MESGTOOBIG;       // X.3.4 message too big for system
            case 4001, 4002 -> Reason.NETWORKERROR; // X.4.1 no answer from host, X.4.2 bad connection
            case 4004 -> Reason.HOSTUNKNOWN;      // X.4.4 unable to route
            case 4007 -> Reason.EXPIRED;          // X.4.7 delivery time expired
            case 7001 -> Reason.POLICYVIOLATION;  // X.7.1 delivery not authorized, message refused
            case 7020, 7021, 7022, 7023, 7024, 7025, 7026, 7027 -> Reason.AUTHFAILURE; // RFC 7372 auth codes
            default -> null;
        };
        if (r == null && s.subject() == 7) r = Reason.POLICYVIOLATION; // X.7.x security or policy status
        return Optional.ofNullable(r).map(x -> new Refined(x, "status." + s, s.toString()));
    }

    /** A classification straight from the label: the reply does not change it. */
    Classification fixed(ProviderEvent e, Outcome outcome, Reason reason, String ruleId) {
        return new Classification(outcome, reason, ruleId, evidence(e, ""));
    }

    /**
     * A classification whose reason the reply may refine; {@code fallback} applies when it does not.
     * The outcome stays the label's.
     */
    Classification refined(ProviderEvent e, Outcome outcome, Reason fallback, String ruleId) {
        Optional<Refined> r = refine(e);
        if (r.isEmpty()) return fixed(e, outcome, fallback, ruleId);
        return new Classification(outcome, r.get().reason(), ruleId + "+" + r.get().rule(),
                evidence(e, r.get().matched()));
    }

    static Evidence evidence(ProviderEvent e, String matched) {
        int code = e.smtpCode() >= 200 && e.smtpCode() <= 599 ? e.smtpCode() : leadingCode(e.diagnostic());
        String enhanced = EnhancedStatus.tryParse(e.enhancedCode()).map(EnhancedStatus::toString)
                .or(() -> EnhancedStatus.find(e.diagnostic()).map(EnhancedStatus::toString)).orElse("");
        return new Evidence(code, enhanced, e.diagnostic(), SmtpPhase.NONE, e.recipientDomain(), matched);
    }

    /** {@code event.<provider>.<label>.<label>...}, labels lower case with anything but [a-z0-9] dropped. */
    static String ruleId(Provider p, String... labels) {
        StringBuilder sb = new StringBuilder("event.").append(p.id());
        for (String l : labels) {
            String s = l.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
            sb.append('.').append(s.isEmpty() ? "none" : s);
        }
        return sb.toString();
    }
}
