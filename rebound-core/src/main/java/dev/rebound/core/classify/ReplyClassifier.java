package dev.rebound.core.classify;

import dev.rebound.core.smtp.EnhancedStatus;
import dev.rebound.core.smtp.SmtpReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reduces one SMTP reply (or a DSN's status + diagnostic) to a {@link Classification}: outcome, Sisimai-style
 * reason, the id of the deciding rule and the evidence.
 *
 * <h2>Design</h2>
 * The rules are data: an ordered table of {@link ReplyRule}s ({@link ReplyRules#standard()}), each with a
 * stable id. This class only evaluates the table; it holds no knowledge about particular replies.
 *
 * <h3>Which rule decides the reason (precedence)</h3>
 * <ol>
 *   <li>2xx/3xx reply (or, without reply code, a 2.x.x status): {@code code.2xx} / {@code code.3xx} /
 *       {@code status.2xx} → {@link Outcome#DELIVERED}; nothing else is looked at.</li>
 *   <li>{@link ReplyRule.Tier#STATUS_FIRM}: RFC 3463 codes precise enough that no wording overrides them
 *       (X.2.2 mailbox full, X.2.3, X.3.4, X.4.7, X.1.6, X.1.7/X.1.8, X.7.13, X.7.20–X.7.30...).</li>
 *   <li>{@link ReplyRule.Tier#TEXT}: phrases of real receivers, in table order (most specific first). These
 *       refine or override generic codes: {@code 550 5.7.1 ... User unknown} is userunknown,
 *       {@code 550 5.1.1 ... too many recipients this hour} is speeding.</li>
 *   <li>{@link ReplyRule.Tier#CONTEXT}: the SMTP phase of a 5xx (CONNECT/EHLO → blocked, MAIL → rejected,
 *       STARTTLS → failedstarttls, AUTH → securityerror) and DSN-only facts (no reply code, 4.x.x status).</li>
 *   <li>{@link ReplyRule.Tier#STATUS}: the generic RFC 3463 subject/detail table (X.1.1 userunknown,
 *       X.7.x security/policy, X.4.x network, X.5.x syntax, X.6.x content, X.3.x system...).</li>
 *   <li>{@link ReplyRule.Tier#CODE}: the bare reply code (551 hasmoved, 50x syntaxerror, then 4xx/5xx).</li>
 * </ol>
 * Status rules are found through an array indexed by subject and detail, text rules through a single
 * {@link PhraseScanner} pass, so the cost does not grow with the number of rules matched by text.
 *
 * <h3>Which outcome</h3>
 * The reply code class governs whether the failure is transient or permanent (RFC 3463 §2: the enhanced
 * code must agree with the reply code, and for the protocol the reply code wins; RFC 5321 §4.2.1):
 * <ul>
 *   <li>4xx → {@link Outcome#DEFERRED} whatever the reason (retry policy decides when to give up);</li>
 *   <li>5xx → the rule's outcome override, else the reason's {@link Reason#family()}: userunknown etc. are
 *       BOUNCED_HARD, mailbox full (X.2.2, "persistent transient") BOUNCED_SOFT, policy and reputation
 *       blocks BLOCKED_POLICY — never BOUNCED_HARD, since they say nothing about the mailbox;</li>
 *   <li>no reply code (a DSN): the enhanced code's class plays that part; with neither, the failure is final.</li>
 * </ul>
 * When the enhanced class disagrees with the reply code (e.g. {@code 450 5.1.1}, {@code 554 4.4.7}) both
 * are kept in the evidence, the reply code decides the outcome, and {@value #CONFLICT} is appended to the
 * rule id. A reason saying "the recipient is gone" is impossible for a reply to MAIL FROM or to the
 * connection/greeting: there it becomes rejected (suffix {@code @mail}) or blocked ({@code @connect}).
 */
public final class ReplyClassifier {
    /** Appended to the rule id when the enhanced code's class disagrees with the reply code. */
    public static final String CONFLICT = "+conflict";

    private static final ReplyClassifier STANDARD = new ReplyClassifier(ReplyRules.standard());

    private final List<ReplyRule> rules;
    private final Compiled[] compiled;
    private final PhraseScanner scanner;
    /** For status subject 0..9 and detail 0..999: candidate rule indices (firm, then generic), or null. */
    private final int[][] firmByStatus = new int[10_000][];
    private final int[][] softByStatus = new int[10_000][];
    private final int[] textRules;
    private final int[] contextRules;
    private final int[] codeRules;

    /** The standard rule table ({@link ReplyRules#standard()}); shared and thread-safe. */
    public static ReplyClassifier standard() {
        return STANDARD;
    }

    /** A classifier over a custom rule table (in precedence order within each tier). */
    public ReplyClassifier(List<ReplyRule> ruleTable) {
        this.rules = List.copyOf(ruleTable);
        Map<String, Integer> phraseIds = new LinkedHashMap<>();
        Set<String> ids = new java.util.HashSet<>();
        for (ReplyRule r : rules) {
            if (!ids.add(r.id())) throw new IllegalArgumentException("duplicate rule id " + r.id());
            collectPhrases(r.when(), phraseIds);
        }
        this.scanner = new PhraseScanner(new ArrayList<>(phraseIds.keySet()));
        this.compiled = new Compiled[rules.size()];
        List<Integer> text = new ArrayList<>(), context = new ArrayList<>(), code = new ArrayList<>();
        List<List<Integer>> firmExact = new ArrayList<>(), softExact = new ArrayList<>();
        List<List<Integer>> firmAny = new ArrayList<>(), softAny = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) { firmExact.add(null); softExact.add(null); }
        for (int i = 0; i < 10; i++) { firmAny.add(new ArrayList<>()); softAny.add(new ArrayList<>()); }
        for (int i = 0; i < rules.size(); i++) {
            ReplyRule r = rules.get(i);
            compiled[i] = compile(r, phraseIds);
            switch (r.tier()) {
                case TEXT -> {
                    if (r.anchor() == null) throw new IllegalArgumentException("text rule " + r.id() + " has no text match");
                    text.add(i);
                }
                case CONTEXT -> context.add(i);
                case CODE -> code.add(i);
                case STATUS_FIRM, STATUS -> {
                    Match.Status s = r.statusKey();
                    if (s == null || s.subject() < 0 || s.subject() > 9 || s.detail() > 999) {
                        throw new IllegalArgumentException("status rule " + r.id() + " needs a status X.0-9.0-999 match");
                    }
                    boolean firm = r.tier() == ReplyRule.Tier.STATUS_FIRM;
                    if (s.detail() == Match.Status.ANY) {
                        (firm ? firmAny : softAny).get(s.subject()).add(i);
                    } else {
                        List<List<Integer>> exact = firm ? firmExact : softExact;
                        int key = s.subject() * 1000 + s.detail();
                        if (exact.get(key) == null) exact.set(key, new ArrayList<>());
                        exact.get(key).add(i);
                    }
                }
            }
        }
        for (int key = 0; key < 10_000; key++) {
            firmByStatus[key] = merge(firmExact.get(key), firmAny.get(key / 1000));
            softByStatus[key] = merge(softExact.get(key), softAny.get(key / 1000));
        }
        this.textRules = text.stream().mapToInt(Integer::intValue).toArray();
        this.contextRules = context.stream().mapToInt(Integer::intValue).toArray();
        this.codeRules = code.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The rule table, in order. */
    public List<ReplyRule> rules() {
        return rules;
    }

    public Classification classify(SmtpReply reply, SmtpPhase phase, String recipientDomain) {
        return classify(ReplyInput.of(reply, phase, recipientDomain));
    }

    public Classification classify(ReplyInput in) {
        int code = in.code();
        EnhancedStatus e = in.enhanced().orElse(null);
        int cls = code > 0 ? code / 100 : (e != null ? e.statusClass() : 5);
        boolean conflict = code > 0 && e != null
                && (cls == 3 ? e.statusClass() != 2 : e.statusClass() != cls);
        String suffix = conflict ? CONFLICT : "";
        if (cls == 2 || cls == 3) {
            String id = code > 0 ? "code." + cls + "xx" : "status.2xx";
            String m = code > 0 ? Integer.toString(code) : e.toString();
            return new Classification(Outcome.DELIVERED, Reason.DELIVERED, conflict ? id + suffix : id, evidence(in, e, m));
        }

        Facts f = new Facts(in, e, scanner);
        int key = e != null && e.subject() <= 9 ? e.subject() * 1000 + e.detail() : -1;

        int decided = -1;
        if (key >= 0) decided = first(firmByStatus[key], f);
        if (decided < 0 && f.hits() > 0) decided = firstText(f);
        if (decided < 0) decided = first(contextRules, f);
        if (decided < 0 && key >= 0) decided = first(softByStatus[key], f);
        if (decided < 0) decided = first(codeRules, f);
        if (decided < 0) {
            throw new IllegalStateException("rule table has no fallback for " + in + "; add a CODE rule");
        }
        ReplyRule rule = rules.get(decided);
        Reason reason = rule.reason();
        String id = rule.id();
        if (reason.isRecipientGone()) {
            SmtpPhase p = in.phase();
            if (p == SmtpPhase.MAIL) { reason = Reason.REJECTED; id += "@mail"; }
            else if (p == SmtpPhase.CONNECT || p == SmtpPhase.EHLO) { reason = Reason.BLOCKED; id += "@connect"; }
        }
        Outcome outcome;
        if (cls == 4) {
            outcome = Outcome.DEFERRED;
        } else {
            outcome = rule.outcome() != null && reason == rule.reason() ? rule.outcome() : reason.family();
            if (outcome == Outcome.DELIVERED || outcome == Outcome.DEFERRED) outcome = Outcome.BOUNCED_SOFT;
        }
        return new Classification(outcome, reason, conflict ? id + suffix : id,
                evidence(in, e, matched(rule, decided, f, in, e)));
    }

    /**
     * The text the phrases are matched against: the reply text itself, or, when it spans lines or has runs of
     * white space, one line with single spaces and without the enhanced code that RFC 2034 repeats at the
     * start of every continuation line (so "very low\n5.7.1 reputation" still matches "low reputation").
     */
    static String scanText(String text) {
        int n = text.length();
        boolean plain = true;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' || c == '\t' || (c == ' ' && i + 1 < n && text.charAt(i + 1) == ' ')) {
                plain = false;
                break;
            }
        }
        if (plain) return text;
        StringBuilder sb = new StringBuilder(n);
        boolean first = true;
        for (int start = 0; start <= n; ) {
            int lf = text.indexOf('\n', start);
            int end = lf < 0 ? n : lf;
            String l = text.substring(start, end);
            start = end + 1;
            if (!first) {
                var lead = dev.rebound.core.smtp.SmtpReplyParser.leadingEnhanced(l);
                if (lead.isPresent()) l = l.substring(lead.get().toString().length());
                sb.append(' ');
            }
            first = false;
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c == '\t' || c == '\r') c = ' ';
                if (c == ' ' && sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') continue;
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Evidence evidence(ReplyInput in, EnhancedStatus e, String matched) {
        return new Evidence(in.code(), e == null ? "" : e.toString(), in.text(), in.phase(), in.recipientDomain(), matched);
    }

    // ---------------------------------------------------------------------------------------------

    /** Per-call facts the predicates look at; the text is scanned on first use (firm status rules skip it). */
    private static final class Facts {
        final int code;
        final int cls; // enhanced class or 0
        final int subject;
        final int detail;
        final SmtpPhase phase;
        final boolean noText;
        private final String text;
        private final PhraseScanner scanner;
        private String scanned;
        private long[] found;
        private int hits;

        Facts(ReplyInput in, EnhancedStatus e, PhraseScanner scanner) {
            this.code = in.code();
            this.cls = e == null ? 0 : e.statusClass();
            this.subject = e == null ? -1 : e.subject();
            this.detail = e == null ? -1 : e.detail();
            this.phase = in.phase();
            this.noText = in.text().isBlank();
            this.text = in.text();
            this.scanner = scanner;
        }

        long[] found() {
            if (found == null) {
                scanned = scanText(text);
                found = new long[scanner.words()];
                hits = scanner.scan(scanned, found);
            }
            return found;
        }

        int hits() {
            found();
            return hits;
        }

        String scanned() {
            found();
            return scanned;
        }
    }

    @FunctionalInterface
    private interface Pred {
        boolean test(Facts f);
    }

    /** A rule's predicate plus its anchor phrases as a sparse bit mask (word index, bits). */
    private record Compiled(Pred pred, int[] anchorWords, long[] anchorBits, int[] anchorIds) {}

    private int first(int[] candidates, Facts f) {
        if (candidates == null) return -1;
        for (int i : candidates) if (compiled[i].pred.test(f)) return i;
        return -1;
    }

    private int firstText(Facts f) {
        long[] found = f.found();
        for (int i : textRules) {
            Compiled c = compiled[i];
            int[] w = c.anchorWords;
            long[] b = c.anchorBits;
            boolean any = false;
            for (int k = 0; k < w.length; k++) {
                if ((found[w[k]] & b[k]) != 0) { any = true; break; }
            }
            if (any && c.pred.test(f)) return i;
        }
        return -1;
    }

    private String matched(ReplyRule rule, int index, Facts f, ReplyInput in, EnhancedStatus e) {
        switch (rule.tier()) {
            case TEXT -> {
                String scanned = f.scanned();
                long[] found = f.found();
                for (int id : compiled[index].anchorIds) {
                    if ((found[id >>> 6] & (1L << id)) != 0) {
                        String phrase = scanner.phrase(id);
                        int at = PhraseScanner.indexOfIgnoreCase(scanned, phrase);
                        if (at >= 0) return scanned.substring(at, at + phrase.length());
                    }
                }
                return "";
            }
            case STATUS_FIRM, STATUS -> {
                return e == null ? "" : e.toString();
            }
            default -> {
                String c = in.code() > 0 ? Integer.toString(in.code()) : (e != null ? e.toString() : "");
                return rule.tier() == ReplyRule.Tier.CONTEXT ? c + (c.isEmpty() ? "" : " ") + "at " + in.phase() : c;
            }
        }
    }

    private static void collectPhrases(Match m, Map<String, Integer> ids) {
        switch (m) {
            case Match.Text t -> t.anyOf().forEach(p -> ids.putIfAbsent(p, ids.size()));
            case Match.All a -> a.all().forEach(x -> collectPhrases(x, ids));
            case Match.Not n -> collectPhrases(n.not(), ids);
            default -> { }
        }
    }

    private static Compiled compile(ReplyRule r, Map<String, Integer> phraseIds) {
        Pred p = compile(r.when(), phraseIds);
        Match.Text anchor = r.anchor();
        if (anchor == null) return new Compiled(p, new int[0], new long[0], new int[0]);
        int[] anchorIds = anchor.anyOf().stream().mapToInt(phraseIds::get).toArray();
        Map<Integer, Long> words = new LinkedHashMap<>();
        for (int id : anchorIds) words.merge(id >>> 6, 1L << id, (a, b) -> a | b);
        int[] w = words.keySet().stream().mapToInt(Integer::intValue).toArray();
        long[] b = new long[w.length];
        for (int k = 0; k < w.length; k++) b[k] = words.get(w[k]);
        return new Compiled(p, w, b, anchorIds);
    }

    private static Pred compile(Match m, Map<String, Integer> phraseIds) {
        return switch (m) {
            case Match.Status s -> s.detail() == Match.Status.ANY
                    ? f -> f.subject == s.subject()
                    : f -> f.subject == s.subject() && f.detail == s.detail();
            case Match.StatusClass c -> f -> f.cls == c.statusClass();
            case Match.Code c -> f -> f.code >= c.from() && f.code <= c.to();
            case Match.Phase ph -> {
                Set<SmtpPhase> set = ph.phases();
                yield f -> set.contains(f.phase);
            }
            case Match.NoText n -> f -> f.noText;
            case Match.Text t -> {
                int[] ids = t.anyOf().stream().mapToInt(phraseIds::get).toArray();
                yield f -> {
                    long[] found = f.found();
                    for (int id : ids) if ((found[id >>> 6] & (1L << id)) != 0) return true;
                    return false;
                };
            }
            case Match.All a -> {
                Pred[] ps = a.all().stream().map(x -> compile(x, phraseIds)).toArray(Pred[]::new);
                yield f -> {
                    for (Pred x : ps) if (!x.test(f)) return false;
                    return true;
                };
            }
            case Match.Not n -> {
                Pred x = compile(n.not(), phraseIds);
                yield f -> !x.test(f);
            }
        };
    }

    private static int[] merge(List<Integer> exact, List<Integer> any) {
        List<Integer> all = new ArrayList<>();
        if (exact != null) all.addAll(exact);
        all.addAll(any);
        if (all.isEmpty()) return null;
        return all.stream().sorted().mapToInt(Integer::intValue).toArray();
    }
}
