package dev.rebound.server.decide;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.dsn.BounceParser;
import dev.rebound.core.dsn.BounceRecord;
import dev.rebound.core.dsn.BounceResult;
import dev.rebound.core.events.EventResult;
import dev.rebound.core.events.Provider;
import dev.rebound.core.events.ProviderEvent;
import dev.rebound.core.events.ProviderWebhooks;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.Attempt;
import dev.rebound.core.policy.GiveUp;
import dev.rebound.core.policy.RetryAt;
import dev.rebound.core.policy.RetryDecision;
import dev.rebound.core.policy.SuppressionPolicy;
import dev.rebound.core.smtp.MailDomain;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyException;
import dev.rebound.core.smtp.SmtpReplyParser;
import dev.rebound.server.store.DomainOutcomes;
import dev.rebound.server.store.EvidenceDecision;
import dev.rebound.server.store.EvidenceMatch;
import dev.rebound.server.store.EvidenceView;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.ReplayChange;
import dev.rebound.server.store.ReplayInput;
import dev.rebound.server.store.ReplayPair;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionAudit;
import dev.rebound.server.store.SuppressionDecider;
import dev.rebound.server.store.SuppressionState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replay: the decisions of this build (or of a candidate configuration) taken again over stored evidence, to see what
 * a rule or threshold change would change. Pure: the store's rows in, the differences out; every decision is the same
 * function the live path calls ({@link AttemptDecider}, {@link EvidenceDecider}, {@link Suppressions}), with the clock
 * set to the time of the evidence it is about.
 *
 * <p>How the history each decision sees is rebuilt, per address and stream, walking its rows in time order (attempts
 * at their start, evidence at its receipt, suppression changes at their audit time):
 * <ul>
 *   <li>Rows before {@code since} are the history as recorded: their stored classification and decision count (an
 *       attempt's outcome for the retry history, final outcomes for the suppression policy, the recipient's state for
 *       the evidence policy), and the suppression entry at {@code since} is the one the audit trail shows then.</li>
 *   <li>An attempt in [since, until): its stored reply is parsed and classified again, the retry policy decides over the
 *       recipient's replayed earlier attempts with the clock at the attempt's end (start + duration); a final failure
 *       asks the suppression policy over the replayed final outcomes of the address in the stream and the domain's
 *       circuit-breaker counts of the hour before (from the stored per-minute counts).</li>
 *   <li>A provider event in [since, until): its stored JSON is normalized again by the core normalizer of its provider
 *       ({@link ProviderWebhooks#renormalize}; when it no longer reads, its recorded classification stands). A DSN
 *       record is read again from its kept bounce email by the running build's {@code BounceParser} (the DSN rules read
 *       the whole email; {@link DsnRecords}, the same fields the bounce mailbox stores); a record whose email was not kept
 *       (over 1 MiB, or received before emails were kept) keeps its recorded classification. Then the evidence policy and the suppression policy decide again over the
 *       replayed state and history, with the clock at its receipt.</li>
 *   <li>A provisional review ({@code suppress.provisional.hard}) whose hold ends in the range is decided again at the
 *       end of its hold, as the store's sweep does, before the rows after it.</li>
 *   <li>Suppression changes made by people (audit actor other than {@code policy} and {@code replay}) in the range
 *       happen again as recorded; policy changes are what replay recomputes. A REVIEW never replaces an active
 *       SUPPRESSED entry, as in the store.</li>
 * </ul>
 * Attempts that only happened because of an earlier decision (a retry the new rules would not have made) are replayed
 * anyway: replay re-decides what was observed, it does not invent or drop attempts.
 */
public final class Replay {
    private final ReplyClassifier classifier;
    private final AttemptDecider attempts;
    private final Suppressions suppressions;
    private final EvidenceDecider evidence;

    /** @param classifier the classifier provider events are normalized with (the one {@code attempts} classifies with) */
    public Replay(ReplyClassifier classifier, AttemptDecider attempts, Suppressions suppressions) {
        this.classifier = classifier;
        this.attempts = attempts;
        this.suppressions = suppressions;
        this.evidence = new EvidenceDecider(suppressions);
    }

    /** What one row led to: the classification (outcome, reason, rule) and the decision (state, reason, rule). */
    public record Verdict(String outcome, String reason, String ruleId, String state, String decisionReason, String decisionRule) {}

    /** A recipient some of whose rows in the range are decided differently; its last row's verdicts before and after. */
    public record RecipientChange(String recipientId, String messageId, String address, String stream, int rowsChanged,
                                  Verdict before, Verdict after) {}

    /** The outcome for one pair: how many rows were re-decided, the recipients that differ, the suppression change. */
    public record PairResult(ReplayPair pair, int attempts, int evidence, List<RecipientChange> recipients,
                             Optional<ReplayChange> suppression) {}

    /**
     * @param untilIsNow true when {@code until} is the store's present: the stored entry compared with is the table's
     *                   current row (else the audit trail's entry at {@code until})
     */
    public List<PairResult> replay(List<ReplayPair> pairs, ReplayInput in, Instant since, Instant until, boolean untilIsNow) {
        Map<ReplayPair, List<ReplayInput.RecipientRow>> recipients = new HashMap<>();
        for (ReplayInput.RecipientRow r : in.recipients()) recipients.computeIfAbsent(pair(r.address(), r.stream()), k -> new ArrayList<>()).add(r);
        Map<ReplayPair, List<Row>> rows = new HashMap<>();
        for (ReplayInput.AttemptRow a : in.attempts())
            rows.computeIfAbsent(pair(a.address(), a.stream()), k -> new ArrayList<>()).add(new Row(a.attempt().startedAt(), 1, a.attempt().id(), a, null, null));
        for (EvidenceView e : in.evidence())
            rows.computeIfAbsent(pair(e.address(), e.stream()), k -> new ArrayList<>()).add(new Row(e.receivedAt(), 1, e.id(), null, e, null));
        Map<ReplayPair, List<SuppressionAudit>> audit = new HashMap<>();
        for (SuppressionAudit x : in.audit()) audit.computeIfAbsent(pair(x.address(), x.stream()), k -> new ArrayList<>()).add(x);
        Map<ReplayPair, Suppression> current = new HashMap<>();
        for (Suppression s : in.current()) current.put(pair(s.address(), s.stream()), s);
        Map<String, TreeMap<Long, int[]>> minutes = new HashMap<>();
        for (ReplayInput.DomainMinute m : in.domainMinutes())
            minutes.computeIfAbsent(m.domain(), k -> new TreeMap<>()).put(m.minute(), new int[] {m.finals(), m.failures()});

        List<PairResult> out = new ArrayList<>(pairs.size());
        for (ReplayPair p : pairs) {
            List<SuppressionAudit> trail = audit.getOrDefault(p, List.of());
            List<Row> all = new ArrayList<>(rows.getOrDefault(p, List.of()));
            for (SuppressionAudit x : trail)
                if (!x.at().isBefore(since) && !MACHINE_ACTORS.contains(x.actor())) all.add(new Row(x.at(), 2, x.id(), null, null, x));
            all.sort(Comparator.comparing(Row::at).thenComparingInt(Row::rank).thenComparing(Row::id));
            Optional<Suppression> stored = untilIsNow ? Optional.ofNullable(current.get(p)) : entryAt(trail, until);
            out.add(new Walk(p, recipients.getOrDefault(p, List.of()), minutes, in.bounceMail()).run(all, entryAt(trail, since), stored, since, until));
        }
        return out;
    }

    /** Audit actors whose changes replay recomputes (every other actor is a person, whose changes stand). */
    private static final Set<String> MACHINE_ACTORS = Set.of("policy", "replay");

    private static ReplayPair pair(String address, String stream) {
        return new ReplayPair(address.toLowerCase(Locale.ROOT), stream);
    }

    /** One row of a pair's history: an attempt, a piece of evidence or a person's suppression change. */
    private record Row(Instant at, int rank, String id, ReplayInput.AttemptRow attempt, EvidenceView evidence, SuppressionAudit audit) {}

    /** The entry the audit trail shows in force just before {@code at}. */
    private static Optional<Suppression> entryAt(List<SuppressionAudit> trail, Instant at) {
        Optional<Suppression> e = Optional.empty();
        for (SuppressionAudit x : trail) {
            if (!x.at().isBefore(at)) break;
            e = apply(e, x);
        }
        return e.filter(s -> ReplayChange.active(s, at));
    }

    private static Optional<Suppression> apply(Optional<Suppression> e, SuppressionAudit x) {
        if (x.action().equals("removed")) return Optional.empty();
        return Optional.of(new Suppression(x.address(), x.stream(), x.reason(), x.ruleId(), x.at(), x.expiresAt(), x.evidenceRef(), x.state()));
    }

    /** The walk over one pair's rows, oldest first, keeping what each decision sees. */
    private final class Walk {
        private final ReplayPair pair;
        private final Map<String, ReplayInput.RecipientRow> recipientsById = new HashMap<>();
        private final Map<String, TreeMap<Long, int[]>> minutes;
        private final Map<String, byte[]> bounceMail;
        private final Map<String, RecipientState> state = new HashMap<>();
        private final Map<String, List<Attempt>> history = new HashMap<>();
        private final List<FinalOutcome> finals = new ArrayList<>();
        private final Map<String, Verdict[]> lastVerdicts = new LinkedHashMap<>();
        private final Map<String, Integer> changedRows = new HashMap<>();
        private Optional<Suppression> entry = Optional.empty();
        private int attemptCount, evidenceCount;

        Walk(ReplayPair pair, List<ReplayInput.RecipientRow> recipients, Map<String, TreeMap<Long, int[]>> minutes,
             Map<String, byte[]> bounceMail) {
            this.pair = pair;
            this.minutes = minutes;
            this.bounceMail = bounceMail;
            for (ReplayInput.RecipientRow r : recipients) {
                recipientsById.put(r.id(), r);
                state.put(r.id(), r.initialState());
            }
        }

        PairResult run(List<Row> rows, Optional<Suppression> atSince, Optional<Suppression> stored, Instant since, Instant until) {
            entry = atSince;
            for (Row r : rows) {
                endHold(r.at(), since);
                boolean inRange = !r.at().isBefore(since);
                if (r.attempt() != null) attempt(r.attempt(), inRange);
                else if (r.evidence() != null) evidence(r.evidence(), inRange);
                else entry = Replay.apply(entry, r.audit());
            }
            endHold(until, since);
            Optional<Suppression> replayed = entry.filter(s -> ReplayChange.active(s, until));
            Optional<Suppression> before = stored.filter(s -> ReplayChange.active(s, until));
            List<RecipientChange> changes = new ArrayList<>();
            for (Map.Entry<String, Integer> c : changedRows.entrySet()) {
                ReplayInput.RecipientRow rr = recipientsById.get(c.getKey());
                Verdict[] v = lastVerdicts.get(c.getKey());
                changes.add(new RecipientChange(c.getKey(), rr == null ? "" : rr.messageId(), pair.address(), pair.stream(), c.getValue(), v[0], v[1]));
            }
            changes.sort(Comparator.comparing(RecipientChange::recipientId));
            return new PairResult(pair, attemptCount, evidenceCount, changes, ReplayChange.between(pair.address(), pair.stream(), before, replayed));
        }

        private void attempt(ReplayInput.AttemptRow row, boolean inRange) {
            MessageView.AttemptView v = row.attempt();
            String rid = row.recipientId();
            List<Attempt> earlier = history.computeIfAbsent(rid, k -> new ArrayList<>());
            SmtpPhase phase = phase(v.phase());
            if (!inRange) {
                earlier.add(v.attempt());
                RecipientState s = RecipientState.valueOf(v.decision());
                state.put(rid, s);
                if (s.isFinal()) finals.add(new FinalOutcome(v.startedAt(), row.messageId(), s, v.decisionReason(), v.decisionRule(), v.smtpCode(),
                        v.enhancedCode(), String.join("\n", v.replyLines()), v.phase(), row.domain()));
                return;
            }
            attemptCount++;
            Instant now = v.startedAt().plusMillis(Math.max(0, v.durationMs()));
            Classification c;
            SmtpReply reply;
            try {
                reply = SmtpReplyParser.parse(v.rawReason());
                c = attempts.classify(reply, phase, row.domain());
            } catch (SmtpReplyException e) { // a reply stored before strict parsing: its recorded classification stands
                reply = null;
                c = v.attempt().classification();
            }
            RetryDecision d = attempts.retry(row.messageId(), row.address(), row.queuedAt(), earlier, c, v.startedAt(), now);
            earlier.add(new Attempt(v.startedAt(), c));
            RecipientState s = switch (d) {
                case RetryAt r -> RecipientState.DEFERRED;
                case GiveUp g -> RecipientState.of(g.outcome());
            };
            String reason = switch (d) {
                case RetryAt r -> c.reason().id();
                case GiveUp g -> g.reason().id();
            };
            state.put(rid, s);
            verdicts(rid, new Verdict(v.outcome(), v.reason(), v.ruleId(), v.decision(), v.decisionReason(), v.decisionRule()),
                    new Verdict(c.outcome().name(), c.reason().id(), c.ruleId(), s.name(), reason, d.ruleId()));
            if (!s.isFinal()) return;
            FinalOutcome fo = new FinalOutcome(v.startedAt(), row.messageId(), s, reason, d.ruleId(), v.smtpCode(), v.enhancedCode(),
                    reply == null ? String.join("\n", v.replyLines()) : reply.text(), v.phase(), row.domain());
            if (d instanceof GiveUp g && !g.delivered()) {
                List<FinalOutcome> all = new ArrayList<>(finals);
                all.add(fo);
                suppressions.decide(pair.address(), pair.stream(), all, counts(row.domain(), now), now)
                        .ifPresent(e -> upsert(e.withEvidenceRef(v.id())));
            }
            finals.add(fo);
        }

        private void evidence(EvidenceView e, boolean inRange) {
            Optional<String> rid = Optional.of(e.recipientId()).filter(x -> !x.isEmpty());
            if (!inRange) {
                Optional<Outcome> outcome = Optional.of(e.outcome()).filter(x -> !x.isEmpty()).map(Outcome::valueOf);
                if (rid.isPresent() && !e.decision().isEmpty()) state.put(rid.get(), RecipientState.valueOf(e.decision()));
                finalOf(e.receivedAt(), e.messageId(), outcome, e.reason(), e.ruleId(), e.smtpCode(), e.enhancedCode(), e.rawReason(), e.domain())
                        .ifPresent(finals::add);
                return;
            }
            evidenceCount++;
            Classified c = classified(e, bounceMail);
            Optional<RecipientState> currentState = rid.map(id -> state.getOrDefault(id, RecipientState.QUEUED));
            NewEvidence ne = new NewEvidence(e.id(), e.source(), e.provider(), e.providerEvent(), e.providerMessageId(), e.headerMessageId(),
                    rid, Optional.of(e.messageId()), e.address(), Optional.of(e.stream()), c.smtpCode(), c.enhancedCode(), c.rawReason(),
                    c.outcome(), c.reason(), c.ruleId(), e.occurredAt(), e.payload());
            EvidenceMatch match = new EvidenceMatch(e.matchedBy(), Optional.of(e.messageId()).filter(x -> !x.isEmpty()), rid, currentState,
                    e.address(), e.stream());
            List<FinalOutcome> seen = e.address().isEmpty() ? List.of() : List.copyOf(finals);
            EvidenceDecision d = evidence.decide(ne, match, seen, counts(e.domain(), e.receivedAt()), e.receivedAt());
            if (rid.isPresent()) {
                verdicts(rid.get(), new Verdict(e.outcome(), e.reason(), e.ruleId(), e.decision(), e.decision().isEmpty() ? "" : e.reason(),
                                e.decisionRule() + suffix(e.suppressionRule())),
                        new Verdict(c.outcome().map(Enum::name).orElse(""), c.reason(), c.ruleId(), d.newState().map(Enum::name).orElse(""),
                                d.newState().isPresent() ? d.decisionReason() : "", d.decisionRule() + suffix(d.suppressionRule())));
                d.newState().ifPresent(s -> state.put(rid.get(), s));
            }
            d.suppression().ifPresent(s -> upsert(s.withEvidenceRef(e.id())));
            finalOf(e.receivedAt(), e.messageId(), c.outcome(), c.reason(), c.ruleId(), c.smtpCode(), c.enhancedCode(), c.rawReason(), e.domain())
                    .ifPresent(finals::add);
        }

        /** A final outcome of evidence as the store's final-outcome read gives it (DEFERRED and no outcome are not final). */
        private static Optional<FinalOutcome> finalOf(Instant at, String messageId, Optional<Outcome> outcome, String reason, String rule,
                                                      int code, String enhanced, String raw, String domain) {
            return outcome.filter(o -> o != Outcome.DEFERRED).map(o -> new FinalOutcome(at, messageId, RecipientState.of(o), reason, rule,
                    code, enhanced, raw, "NONE", domain));
        }

        private static String suffix(String suppressionRule) {
            return suppressionRule.isEmpty() ? "" : " / " + suppressionRule;
        }

        /**
         * As the store's sweep does (its {@code sweepProvisional}): a provisional review whose hold ended in range by
         * {@code t} is decided again at the end of its hold, over the final outcomes up to then and the domain's counts of
         * the whole minutes of the window before it, and replaced (or lifted).
         */
        private void endHold(Instant t, Instant since) {
            if (entry.isEmpty()) return;
            Suppression e = entry.get();
            if (e.state() != SuppressionState.REVIEW || !SuppressionPolicy.PROVISIONAL_HARD.equals(e.ruleId())) return;
            Instant due = suppressions.provisionalUntil(finals).orElse(t); // none: nothing provisional left (a delivery since)
            if (due.isAfter(t) || due.isBefore(since)) return;
            List<FinalOutcome> upTo = finals.stream().filter(f -> !f.at().isAfter(due)).toList();
            SuppressionDecider.Promotion p = suppressions.promote(pair.address(), pair.stream(), upTo,
                    counts(MailDomain.of(pair.address()), due, false), due);
            if (p.entry().isEmpty()) {
                entry = Optional.empty();
                return;
            }
            Suppression next = p.entry().get().withEvidenceRef(e.evidenceRef());
            if (next.state() != e.state() || !next.ruleId().equals(e.ruleId())) entry = Optional.of(next);
        }

        /** As the store writes an entry: a REVIEW does not replace a SUPPRESSED entry still in force. */
        private void upsert(Suppression s) {
            if (entry.isPresent() && ReplayChange.active(entry.get(), s.createdAt()) && s.state() == SuppressionState.REVIEW
                    && entry.get().state() == SuppressionState.SUPPRESSED) return;
            entry = Optional.of(s);
        }

        private void verdicts(String rid, Verdict before, Verdict after) {
            lastVerdicts.put(rid, new Verdict[] {before, after});
            if (!before.equals(after)) changedRows.merge(rid, 1, Integer::sum);
        }

        /** The breaker's counts of {@code domain} in the window before {@code now}, by the minute, as the store sums them. */
        private DomainOutcomes counts(String domain, Instant now) {
            return counts(domain, now, true);
        }

        /**
         * @param nowsMinute whether the minute of {@code now} counts (a live decision reads what is written so far; the
         *                   end of a provisional hold only the whole minutes before it)
         */
        private DomainOutcomes counts(String domain, Instant now, boolean nowsMinute) {
            String d = domain.toLowerCase(Locale.ROOT);
            Instant from = now.minus(suppressions.breakerWindow());
            long first = Math.floorDiv(from.toEpochMilli(), 60_000L) * 60_000L;
            int finalsCount = 0, failures = 0;
            TreeMap<Long, int[]> m = minutes.get(d);
            if (m != null) {
                long last = nowsMinute ? now.toEpochMilli() : Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L;
                for (int[] n : m.subMap(first, true, last, nowsMinute).values()) {
                    finalsCount += n[0];
                    failures += n[1];
                }
            }
            return new DomainOutcomes(d, from, finalsCount, failures);
        }
    }

    /**
     * A piece of evidence's classification: for a provider event as its normalizer gives it now, for a DSN record as the
     * running build's parser reads its kept email now, else (an email too large to keep, or received before emails were
     * kept) as recorded.
     */
    private record Classified(Optional<Outcome> outcome, String reason, String ruleId, int smtpCode, String enhancedCode, String rawReason) {}

    private Classified classified(EvidenceView e, Map<String, byte[]> bounceMail) {
        Classified recorded = new Classified(Optional.of(e.outcome()).filter(x -> !x.isEmpty()).map(Outcome::valueOf), e.reason(), e.ruleId(),
                e.smtpCode(), e.enhancedCode(), e.rawReason());
        if ("dsn".equals(e.source())) {
            byte[] raw = bounceMail.get(e.id());
            if (raw == null || e.address().isEmpty()) return recorded;
            BounceResult parsed = BounceParser.parse(raw);
            Optional<BounceRecord> record = DsnRecords.about(parsed, e.address());
            if (record.isEmpty()) { // the running parser no longer reads a record about this address in the email
                String rule = switch (parsed) {
                    case BounceResult.AutoReply a -> a.ruleId();
                    case BounceResult.NotABounce n -> "dsn.not-a-bounce";
                    case BounceResult.Unparseable u -> "dsn.unparseable";
                    case BounceResult.Bounces b -> "dsn.no-records";
                    case BounceResult.Complaint c -> "dsn.no-records";
                };
                return new Classified(Optional.empty(), parsed instanceof BounceResult.AutoReply ? "vacation" : "", rule, 0, "", "");
            }
            DsnRecords.Fields f = DsnRecords.of(record.get());
            return new Classified(Optional.of(f.outcome()), f.reason(), f.ruleId(), f.smtpCode(), f.enhancedCode(), f.diagnostic());
        }
        if (!"provider".equals(e.source())) return recorded;
        Optional<Provider> p = Provider.fromId(e.provider());
        if (p.isEmpty()) return recorded;
        Optional<EventResult> again = ProviderWebhooks.renormalize(classifier, p.get(), e.payload(), e.address());
        if (again.isEmpty()) return recorded;
        ProviderEvent ev = again.get().event();
        return switch (again.get()) {
            case EventResult.Classified c -> new Classified(Optional.of(c.classification().outcome()), c.classification().reason().id(),
                    c.ruleId(), ev.smtpCode(), ev.enhancedCode(), ev.diagnostic());
            case EventResult.Ignored i -> new Classified(Optional.empty(), i.reason().map(r -> r.id()).orElse(""), i.ruleId(),
                    ev.smtpCode(), ev.enhancedCode(), ev.diagnostic());
            case EventResult.SubscriptionConfirmation s -> recorded;
        };
    }

    private static SmtpPhase phase(String p) {
        return Arrays.stream(SmtpPhase.values()).filter(v -> v.name().equals(p)).findFirst().orElse(SmtpPhase.NONE);
    }

    /** The window the circuit breaker counts in (replay reads the counts from this far before {@code since}). */
    public Duration breakerWindow() {
        return suppressions.breakerWindow();
    }
}
