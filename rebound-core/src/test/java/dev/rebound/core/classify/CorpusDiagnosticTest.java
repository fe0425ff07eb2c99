package dev.rebound.core.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.EnhancedStatus;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Classifies the {@code Diagnostic-Code:} of every per-recipient block of the DSNs in the shared dev corpus
 * (Sisimai's set-of-emails, labelled with Sisimai v5.2 reasons) and measures reason agreement. Only the
 * reply classifier is tested here, not DSN parsing: the extraction below is deliberately simple (unfold
 * header continuation lines, undo quoted-printable soft breaks, pair the n-th recipient block with the n-th
 * expected record). Sisimai also uses per-MTA message tables and the DSN's Action/Status fields, so full
 * agreement is not expected; the floor below is the measured figure rounded down.
 */
class CorpusDiagnosticTest {
    /**
     * Measured 81.7 % (138 of 169 rows). Raise it when rules improve; never lower it to pass. 17 of the 31
     * misses say "User unknown" / "Unknown user" / "No such user" while Sisimai labels them filtered from its
     * per-MTA knowledge (au/docomo carriers, McAfee, Messaging Server...); the same words are userunknown in
     * 36 other rows, so no general rule can tell them apart. Without those rows agreement is 90.8 %.
     */
    static final double REASON_AGREEMENT_FLOOR = 0.81;
    /**
     * Agreement when a reason inside the same neighbourhood counts (the near-miss groups named in
     * shared/notes/bounce-taxonomy.md §5: Sisimai itself moves labels between these across releases).
     */
    static final double NEIGHBOURHOOD_AGREEMENT_FLOOR = 0.90;
    static final List<java.util.Set<String>> NEIGHBOURHOODS = List.of(
            java.util.Set.of("blocked", "policyviolation", "authfailure", "requireptr", "badreputation", "securityerror", "rejected"),
            java.util.Set.of("userunknown", "filtered", "suspend"),
            java.util.Set.of("expired", "networkerror"),
            java.util.Set.of("toomanyconn", "speeding"));

    static boolean near(String a, String b) {
        if (a.equals(b)) return true;
        for (var g : NEIGHBOURHOODS) if (g.contains(a) && g.contains(b)) return true;
        return false;
    }

    record Row(String file, int index, String diagnostic, String status, String expectedReason, boolean hardBounce) {}

    static Path corpus() {
        String shared = System.getProperty("rebound.shared.dir", "../../shared");
        return Path.of(shared, "corpus", "dev");
    }

    static List<Row> rows() throws IOException {
        Path dir = corpus();
        JsonMapper json = JsonMapper.builder().build();
        Map<String, List<JsonNode>> expected = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("expected.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n = json.readTree(line);
            expected.computeIfAbsent(n.get("file").asString(), k -> new ArrayList<>()).add(n);
        }
        List<Row> rows = new ArrayList<>();
        for (var e : expected.entrySet()) {
            String raw = Files.readString(dir.resolve(e.getKey()), StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
            if (raw.toLowerCase(Locale.ROOT).contains("quoted-printable")) raw = raw.replace("=\n", "");
            List<Map<String, String>> recipients = recipientBlocks(raw);
            List<JsonNode> exp = new ArrayList<>(e.getValue());
            exp.sort((a, b) -> Integer.compare(a.get("index").asInt(), b.get("index").asInt()));
            for (int i = 0; i < exp.size() && i < recipients.size(); i++) {
                String diag = recipients.get(i).get("diagnostic-code");
                if (diag == null) continue;
                diag = decodeQ(diag.replaceFirst("^[A-Za-z0-9-]+;\\s*", "")).trim();
                if (diag.isEmpty()) continue;
                rows.add(new Row(e.getKey(), exp.get(i).get("index").asInt(), diag,
                        recipients.get(i).getOrDefault("status", ""), exp.get(i).get("reason").asString(),
                        exp.get(i).get("hardbounce").asBoolean()));
            }
        }
        return rows;
    }

    /** Paragraphs with Final-Recipient/Status/Action fields, headers unfolded, first value of each field. */
    static List<Map<String, String>> recipientBlocks(String raw) {
        List<Map<String, String>> out = new ArrayList<>();
        Pattern field = Pattern.compile("^([A-Za-z-]+):\\s*(.*)$");
        for (String para : raw.split("\n[ \t]*\n")) {
            List<String> lines = new ArrayList<>();
            for (String l : para.split("\n")) {
                if (!lines.isEmpty() && !l.isEmpty() && (l.charAt(0) == ' ' || l.charAt(0) == '\t')) {
                    lines.set(lines.size() - 1, lines.get(lines.size() - 1) + " " + l.strip());
                } else {
                    lines.add(l);
                }
            }
            Map<String, String> h = new LinkedHashMap<>();
            for (String l : lines) {
                Matcher m = field.matcher(l);
                if (m.matches()) h.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
            }
            boolean recipient = h.containsKey("final-recipient") || h.containsKey("status") || h.containsKey("action");
            if (recipient && (h.containsKey("final-recipient") || h.containsKey("diagnostic-code"))) out.add(h);
        }
        return out;
    }

    static String decodeQ(String s) {
        Matcher m = Pattern.compile("=([0-9A-F]{2})").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
        m.appendTail(sb);
        return sb.toString();
    }

    /** The diagnostic as the classifier input: leading reply code, in-text enhanced code, else the Status field. */
    static ReplyInput input(Row r) {
        String d = r.diagnostic();
        // The reply code: the first 4xx/5xx that starts a word (DSN writers prefix "host x said:", "220-banner", ...).
        int code = 0;
        int at = -1;
        Matcher m = Pattern.compile("(?<![\\w.])([45]\\d\\d)(?:[ -]|$)").matcher(d);
        if (m.find()) { code = Integer.parseInt(m.group(1)); at = m.end(); }
        Optional<EnhancedStatus> enh = code > 0 ? SmtpReplyParser.leadingEnhanced(d.substring(Math.min(at, d.length())))
                : Optional.empty();
        if (enh.isEmpty()) enh = EnhancedStatus.find(d);
        if (enh.isEmpty()) enh = EnhancedStatus.tryParse(r.status().replaceAll("\\s.*", ""));
        return new ReplyInput(code, enh, d, SmtpPhase.NONE, "");
    }

    @Test
    void diagnosticCodes_agreeWithSisimaiReasons() throws IOException {
        List<Row> rows = rows();
        assertThat(rows).hasSizeGreaterThan(100);
        ReplyClassifier c = ReplyClassifier.standard();
        Map<String, int[]> perReason = new TreeMap<>();
        List<String> misses = new ArrayList<>();
        int hits = 0, nearHits = 0, permanent = 0, hardAgree = 0;
        for (Row r : rows) {
            Classification cl = c.classify(input(r));
            boolean ok = cl.reason().id().equals(r.expectedReason());
            int[] hm = perReason.computeIfAbsent(r.expectedReason(), k -> new int[2]);
            hm[ok ? 0 : 1]++;
            if (near(cl.reason().id(), r.expectedReason())) nearHits++;
            if (cl.evidence().replyCode() >= 500) {
                permanent++;
                if (cl.hardBounce() == r.hardBounce()) hardAgree++;
            }
            if (ok) hits++;
            else misses.add(String.format("  %-26s expected %-15s got %-15s %-22s %s", r.file() + "#" + r.index(),
                    r.expectedReason(), cl.reason().id(), cl.ruleId(), abbreviate(r.diagnostic())));
        }
        double agreement = (double) hits / rows.size();
        StringBuilder sb = new StringBuilder("\nReply classifier vs Sisimai v5.2 labels, dev corpus Diagnostic-Code rows\n");
        sb.append(String.format("  %-16s %5s %5s%n", "reason", "hits", "miss"));
        perReason.forEach((k, v) -> sb.append(String.format("  %-16s %5d %5d%n", k, v[0], v[1])));
        sb.append(String.format("  %-16s %5d %5d   agreement %.1f%% of %d rows%n", "total", hits, rows.size() - hits,
                100 * agreement, rows.size()));
        double nearAgreement = (double) nearHits / rows.size();
        sb.append(String.format("  counting near-misses within a neighbourhood: %.1f%%%n", 100 * nearAgreement));
        sb.append(String.format("  hard-bounce flag agrees on %d of %d rows with a 5xx reply code (%.1f%%)%n",
                hardAgree, permanent, 100.0 * hardAgree / Math.max(1, permanent)));
        sb.append("Misses:\n");
        misses.forEach(m -> sb.append(m).append('\n'));
        System.out.println(sb);
        assertThat(agreement).as("reason agreement on %d rows", rows.size()).isGreaterThanOrEqualTo(REASON_AGREEMENT_FLOOR);
        assertThat(nearAgreement).as("neighbourhood agreement").isGreaterThanOrEqualTo(NEIGHBOURHOOD_AGREEMENT_FLOOR);
    }

    static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 110 ? one.substring(0, 110) + "…" : one;
    }
}
