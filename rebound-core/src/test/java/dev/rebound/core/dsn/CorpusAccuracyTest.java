package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Accuracy of {@link BounceParser} over the labelled dev corpus (shared/corpus/dev, Sisimai v5.2 labels, one row per
 * recipient). Prints a table per field and per module, writes the mismatches to target/dsn-mismatches.txt, and
 * dsn-records.txt (every labelled record, ok or MISS, with its rule id), and
 * fails below the floors of issue 5. Labels in X.0.9xx are Sisimai's own pseudo codes, not RFC 3463: they are
 * counted apart.
 */
class CorpusAccuracyTest {

    private static final Path DEV = Path.of(System.getProperty("rebound.shared.dir", "../../shared"), "corpus", "dev");

    /** One parser output row, flattened the way the CLI prints it. */
    record Row(String recipient, String reason, String status, String replycode, boolean hardbounce,
               String feedbacktype, String decodedby, String rule, String diag) {}

    static List<Row> rows(BounceResult r) {
        List<Row> out = new ArrayList<>();
        switch (r) {
            case BounceResult.AutoReply a -> out.add(new Row(a.responder(), "vacation", "", "", false, "", "RFC3834",
                    a.ruleId(), a.marker()));
            default -> {
                for (BounceRecord b : r.records()) {
                    out.add(new Row(b.recipient(), b.reason().id(), b.status(), b.replyCode(), b.hardBounce(),
                            b.feedbackType(), b.decodedBy(), b.ruleId(), b.diagnosticText()));
                }
            }
        }
        return out;
    }

    static final class Tally {
        int n, ok;
        void add(boolean hit) { n++; if (hit) ok++; }
        double pct() { return n == 0 ? 100.0 : 100.0 * ok / n; }
        @Override public String toString() { return String.format("%6.2f%% (%d/%d)", pct(), ok, n); }
    }

    @Test
    void accuracyOverDevCorpusMeetsTheFloors() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> labels = new ArrayList<>();
        for (String line : Files.readAllLines(DEV.resolve("expected.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) labels.add(json.readTree(line));
        }
        Map<String, List<Row>> parsed = new TreeMap<>();
        int emails = 0, exceptions = 0;
        List<String> errors = new ArrayList<>();
        try (var files = Files.list(DEV)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".eml")).sorted().toList()) {
                emails++;
                try {
                    BounceResult r = BounceParser.parse(Files.readAllBytes(p));
                    parsed.put(p.getFileName().toString(), rows(r));
                    if (r instanceof BounceResult.Unparseable u) errors.add(p.getFileName() + ": " + u.error());
                } catch (RuntimeException | StackOverflowError e) {
                    exceptions++;
                    errors.add(p.getFileName() + ": " + e);
                }
            }
        }
        Tally recipient = new Tally(), reason = new Tally(), status = new Tally(), pseudo = new Tally(),
                reply = new Tally(), hard = new Tally(), feedback = new Tally(), decoded = new Tally();
        // The documented basis: Sisimai labels "user unknown" reported away from RCPT TO as filtered (soft); Rebound
        // follows the words (userunknown, hard; docs/architecture.md, "Reasons follow the words"). Those records are
        // counted apart and, on the documented basis, as agreed.
        Tally reasonDoc = new Tally(), hardDoc = new Tally();
        List<String> wordsVsPhase = new ArrayList<>();
        Map<String, Tally[]> perModule = new TreeMap<>();
        StringWriter mism = new StringWriter();
        PrintWriter mw = new PrintWriter(mism);
        StringWriter every = new StringWriter();
        PrintWriter ew = new PrintWriter(every);
        for (JsonNode l : labels) {
            String file = l.get("file").asString();
            int index = l.get("index").asInt();
            List<Row> rs = parsed.getOrDefault(file, List.of());
            Row r = index - 1 < rs.size() ? rs.get(index - 1) : null;
            Tally[] mt = perModule.computeIfAbsent(l.get("module").asString(),
                    k -> new Tally[] {new Tally(), new Tally(), new Tally(), new Tally(), new Tally()});
            boolean found = r != null && !r.recipient().isBlank();
            recipient.add(found);
            mt[0].add(found);
            String lReason = l.get("reason").asString();
            String lStatus = l.get("status").asString();
            String lReply = l.get("replycode").asString();
            boolean lHard = l.get("hardbounce").asBoolean();
            String lFb = l.get("feedbacktype").asString();
            boolean okReason = r != null && r.reason().equals(lReason);
            reason.add(okReason);
            mt[1].add(okReason);
            boolean documented = r != null && lReason.equals("filtered") && r.reason().equals("userunknown")
                    && r.rule().equals(BounceRules.WORDS_RULE);
            if (documented) wordsVsPhase.add(file + "#" + index);
            reasonDoc.add(okReason || documented);
            boolean isPseudo = lStatus.matches("[245]\\.0\\.9\\d\\d");
            boolean okStatus = r != null && r.status().equals(lStatus);
            if (isPseudo) pseudo.add(okStatus);
            else {
                status.add(okStatus);
                mt[2].add(okStatus);
            }
            boolean okReply = r != null && r.replycode().equals(lReply);
            reply.add(okReply);
            boolean okHard = r != null && r.hardbounce() == lHard;
            hard.add(okHard);
            hardDoc.add(okHard || documented && !lHard && r.hardbounce());
            mt[3].add(okHard);
            if (!lFb.isEmpty()) feedback.add(r != null && r.feedbacktype().equals(lFb));
            JsonNode db = l.get("decodedby");
            if (db != null && !db.isNull()) {
                boolean okDb = r != null && r.decodedby().equals(db.asString());
                decoded.add(okDb);
                mt[4].add(okDb);
            }
            ew.printf("%s#%d %s label[%s %s] got[%s]%n", file, index, okReason && okHard ? "ok  " : "MISS", lReason, lHard,
                    r == null ? "-" : r.reason() + " " + r.hardbounce() + " rule=" + r.rule() + " by=" + r.decodedby());
            if (!(found && okReason && (okStatus || isPseudo) && okReply && okHard)) {
                mw.printf("%s#%d label[%s %s %s %s] got[%s]%n", file, index, lReason, lStatus, lReply, lHard,
                        r == null ? "-" : r.reason() + " " + r.status() + " " + r.replycode() + " " + r.hardbounce()
                                + " rule=" + r.rule() + " by=" + r.decodedby() + " rcpt=" + r.recipient()
                                + " diag=" + r.diag().replace('\n', ' ').substring(0, Math.min(200, r.diag().length())));
            }
        }
        StringBuilder t = new StringBuilder();
        t.append(String.format("%nDSN accuracy over %s: %d emails, %d labels, %d exceptions%n", DEV, emails,
                labels.size(), exceptions));
        t.append(String.format("  %-34s %s%n", "recipient found", recipient));
        t.append(String.format("  %-34s %s%n", "reason", reason));
        t.append(String.format("  %-34s %s%n", "status (RFC 3463 labels)", status));
        t.append(String.format("  %-34s %s%n", "status (X.0.9xx pseudo labels)", pseudo));
        t.append(String.format("  %-34s %s%n", "replycode", reply));
        t.append(String.format("  %-34s %s%n", "hardbounce", hard));
        t.append(String.format("  %-34s %d records: %s%n", "words-vs-phase (Sisimai filtered)", wordsVsPhase.size(),
                wordsVsPhase));
        t.append(String.format("  %-34s %s%n", "reason, documented basis", reasonDoc));
        t.append(String.format("  %-34s %s%n", "hardbounce, documented basis", hardDoc));
        t.append(String.format("  %-34s %s%n", "feedbacktype (ARF)", feedback));
        t.append(String.format("  %-34s %s%n", "decodedby (info, where labelled)", decoded));
        t.append(String.format("  %-24s %16s %16s %16s %16s %16s%n", "module", "recipient", "reason", "status(rfc)",
                "hardbounce", "decodedby"));
        perModule.forEach((m, ts) -> t.append(String.format("  %-24s %16s %16s %16s %16s %16s%n", m,
                ts[0].ok + "/" + ts[0].n, ts[1].ok + "/" + ts[1].n, ts[2].ok + "/" + ts[2].n, ts[3].ok + "/" + ts[3].n,
                ts[4].ok + "/" + ts[4].n)));
        System.out.println(t);
        mw.flush();
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("dsn-accuracy.txt"), t.toString());
            Files.writeString(target.resolve("dsn-mismatches.txt"), mism.toString());
            Files.writeString(target.resolve("dsn-records.txt"), every.toString());
        }
        assertThat(errors).as("emails that threw or were unreadable").isEmpty();
        assertThat(exceptions).isZero();
        // Issue 5 floors: recipient >= 99, hardbounce >= 98, reason >= 92, replycode >= 95, status >= 95,
        // feedbacktype 100. Reason and hardbounce are asserted on the documented basis (issue 16): the records where
        // the words say the mailbox does not exist and Sisimai's label follows the SMTP phase instead (filtered) count
        // as agreed; both figures are printed above. Every other record must agree with its Sisimai label.
        assertFloor("recipient found", recipient, 99.0);
        assertFloor("hardbounce (documented basis)", hardDoc, 98.0);
        assertFloor("reason (documented basis)", reasonDoc, 92.0);
        assertFloor("replycode", reply, 95.0);
        assertFloor("status (RFC 3463 labels)", status, 95.0);
        assertFloor("feedbacktype", feedback, 100.0);
    }

    /** The same emails with CRLF or lone-CR line endings (maildir/dos, maildir/mac) give the same records. */
    @Test
    void lineEndingsDoNotChangeAnyResultOverTheCorpus() throws IOException {
        List<String> differ = new ArrayList<>();
        try (var files = Files.list(DEV)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".eml")).sorted().toList()) {
                String lf = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
                String want = signature(BounceParser.parse(lf.getBytes(StandardCharsets.ISO_8859_1)));
                for (String ending : List.of("\r\n", "\r")) {
                    String got = signature(BounceParser.parse(lf.replace("\n", ending).getBytes(StandardCharsets.ISO_8859_1)));
                    if (!got.equals(want)) differ.add(p.getFileName() + " " + ending.replace("\r", "CR").replace("\n", "LF"));
                }
            }
        }
        assertThat(differ).isEmpty();
    }

    private static String signature(BounceResult r) {
        StringBuilder sb = new StringBuilder(r.getClass().getSimpleName());
        for (BounceRecord b : r.records()) {
            sb.append('|').append(b.recipient()).append(',').append(b.reason()).append(',').append(b.status())
                    .append(',').append(b.replyCode()).append(',').append(b.hardBounce());
        }
        return sb.toString();
    }

    private static void assertFloor(String field, Tally t, double issueFloor) {
        if (t.pct() < issueFloor) {
            System.out.printf("  NOT MET: %s %s is below the issue floor %.1f%%%n", field, t, issueFloor);
        }
        assertThat(t.pct()).as("%s %s (issue floor %.1f%%)", field, t, issueFloor).isGreaterThanOrEqualTo(issueFloor);
    }
}
