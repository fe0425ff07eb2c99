package dev.rebound.server.replay;

import dev.rebound.server.decide.Replay;
import dev.rebound.server.store.ReplayChange;
import dev.rebound.server.store.ReplayInput;
import dev.rebound.server.store.ReplayPair;
import dev.rebound.server.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One replay over a time range: pages through the (address, stream) pairs with evidence in it ({@value #PAGE} at a
 * time, so memory stays bounded by the page and the listed differences), reads each page's history in one read per
 * source, lets the pure {@link Replay} decide again, and, with {@code apply}, writes each page's suppression changes in
 * one transaction (audited as actor {@value #ACTOR}, with outbox events). Reports progress after each page.
 */
public final class ReplayRun {
    static final int PAGE = 200;
    /** Differences listed in the report (the counts are always complete). */
    public static final int LISTED = 10_000;
    public static final String ACTOR = "replay";

    /**
     * @param untilIsNow {@code until} is the store's present (the current entries are what replay compares with)
     * @param config     {@code running} or {@code candidate}
     */
    /** @param releaseWindow the running service's held-mail window (a replayed removal releases held mail as any removal does) */
    public record Options(Instant since, Instant until, boolean untilIsNow, boolean apply, String config, java.time.Duration releaseWindow) {}

    public record Progress(long done, long total) {}

    /** A suppression change and, with apply, whether it was applied (skipped: the entry changed meanwhile). */
    public record Change(ReplayChange change, Optional<Boolean> applied) {}

    /**
     * @param byRule            per rule id, per kind of change, how many suppression changes
     * @param recipientsByRule  per replayed decision rule, how many recipients differ
     */
    public record Report(Options options, long pairs, long attempts, long evidence, long recipientsChanged,
                         List<Replay.RecipientChange> recipients, Map<ReplayChange.Kind, Long> kinds, List<Change> suppressions,
                         Map<String, Map<ReplayChange.Kind, Long>> byRule, Map<String, Long> recipientsByRule, long applied,
                         long skipped) {}

    private ReplayRun() {}

    public static Report run(Store store, Replay replay, Options o, Consumer<Progress> progress) {
        long total = store.replayPairCount(o.since(), o.until());
        progress.accept(new Progress(0, total));
        long done = 0, attempts = 0, evidence = 0, recipientsChanged = 0, applied = 0, skipped = 0;
        List<Replay.RecipientChange> recipients = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        Map<ReplayChange.Kind, Long> kinds = new EnumMap<>(ReplayChange.Kind.class);
        Map<String, Map<ReplayChange.Kind, Long>> byRule = new TreeMap<>();
        Map<String, Long> recipientsByRule = new TreeMap<>();
        String note = "replay of " + o.since() + ".." + o.until() + " (" + o.config() + " config)";
        Optional<ReplayPair> after = Optional.empty();
        while (true) {
            List<ReplayPair> page = store.replayPairs(o.since(), o.until(), after, PAGE);
            if (page.isEmpty()) break;
            ReplayInput in = store.replayInput(page, o.until(), o.since().minus(replay.breakerWindow()));
            List<Replay.PairResult> results = replay.replay(page, in, o.since(), o.until(), o.untilIsNow());
            List<ReplayChange> pageChanges = new ArrayList<>();
            for (Replay.PairResult r : results) {
                attempts += r.attempts();
                evidence += r.evidence();
                for (Replay.RecipientChange rc : r.recipients()) {
                    recipientsChanged++;
                    recipientsByRule.merge(rc.after().decisionRule(), 1L, Long::sum);
                    if (recipients.size() < LISTED) recipients.add(rc);
                }
                r.suppression().ifPresent(pageChanges::add);
            }
            List<Boolean> outcome = o.apply() ? store.applyReplay(pageChanges, ACTOR, note, o.releaseWindow()) : List.of();
            for (int i = 0; i < pageChanges.size(); i++) {
                ReplayChange c = pageChanges.get(i);
                kinds.merge(c.kind(), 1L, Long::sum);
                byRule.computeIfAbsent(c.ruleId(), k -> new EnumMap<>(ReplayChange.Kind.class)).merge(c.kind(), 1L, Long::sum);
                Optional<Boolean> a = o.apply() ? Optional.of(outcome.get(i)) : Optional.empty();
                if (a.isPresent()) {
                    if (a.get()) applied++;
                    else skipped++;
                }
                if (changes.size() < LISTED) changes.add(new Change(c, a));
            }
            done += page.size();
            progress.accept(new Progress(done, Math.max(total, done)));
            after = Optional.of(page.getLast());
            if (page.size() < PAGE) break;
        }
        return new Report(o, done, attempts, evidence, recipientsChanged, recipients, kinds, changes, byRule, recipientsByRule, applied, skipped);
    }
}
