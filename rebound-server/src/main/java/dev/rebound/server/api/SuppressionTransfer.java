package dev.rebound.server.api;

import dev.rebound.server.config.StreamName;
import dev.rebound.server.intake.Addresses;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreUnavailableException;
import dev.rebound.server.store.Suppression;
import dev.rebound.server.store.SuppressionQuery;
import dev.rebound.server.store.SuppressionState;
import io.javalin.http.Context;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bulk import and export of the suppression list as CSV (RFC 4180, one record per line, a header line first) or
 * JSONL (one JSON object per line), streamed both ways so that memory stays bounded whatever the size: the import
 * reads the request body line by line (each line at most {@link #MAX_LINE} bytes) and commits every {@link #CHUNK}
 * entries in one transaction; the export pages through the list with the keyset cursor and writes as it reads.
 *
 * <p>Fields: {@code address} (required), {@code stream} (default: the {@code stream} query parameter, else
 * {@code transactional}), {@code reason} (a reason code, default {@code manual}), {@code state} (SUPPRESSED or
 * REVIEW, default SUPPRESSED), {@code expires_at} (ISO-8601, in the future; empty = never), {@code note}. The export's
 * other columns ({@code rule}, {@code origin}, {@code created_at}, {@code evidence_ref}, {@code complaint}) are
 * accepted and ignored, so an export imports as it is. Every line is accounted for in the answer: imported, already
 * listed (left as it is), blank, or failed with its line number, the error and the input; none is dropped silently.
 * A store fault stops the import with 503 and says up to which line everything was committed.
 */
final class SuppressionTransfer {
    static final int CHUNK = 1000, PAGE = 1000, MAX_LINE = 4096, MAX_LISTED_ERRORS = 10_000;
    static final List<String> EXPORT_COLUMNS = List.of("address", "stream", "state", "reason", "rule", "origin", "created_at",
            "expires_at", "evidence_ref", "note");
    private static final Set<String> IMPORTED = Set.of("address", "stream", "reason", "state", "expires_at", "note");
    private static final Set<String> IGNORED = Set.of("rule", "origin", "created_at", "evidence_ref", "complaint");

    private final Store store;
    private final Clock clock;

    SuppressionTransfer(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    enum Format {
        CSV, JSONL;

        static Format of(Context ctx) {
            String f = Optional.ofNullable(ctx.queryParam("format")).map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse("");
            return switch (f) {
                case "csv" -> CSV;
                case "jsonl", "ndjson" -> JSONL;
                case "" -> {
                    String type = Optional.ofNullable(ctx.header("Content-Type")).orElse("").toLowerCase(Locale.ROOT);
                    if (type.startsWith("text/csv")) yield CSV;
                    if (type.contains("ndjson") || type.contains("jsonl")) yield JSONL;
                    throw ApiError.invalid("format", "", "say format=csv or format=jsonl (or send Content-Type text/csv / application/x-ndjson)");
                }
                default -> throw ApiError.invalid("format", f, "expected csv or jsonl");
            };
        }
    }

    // ---- export ---------------------------------------------------------------------------------------------

    void export(Context ctx, SuppressionQuery first) {
        Format format = Format.of(ctx);
        ctx.contentType(format == Format.CSV ? "text/csv; charset=utf-8" : "application/x-ndjson");
        ctx.header("Content-Disposition", "attachment; filename=\"suppressions." + (format == Format.CSV ? "csv" : "jsonl") + "\"");
        SuppressionQuery q = first;
        try {
            OutputStream out = new BufferedOutputStream(ctx.outputStream(), 64 * 1024);
            if (format == Format.CSV) out.write((String.join(",", EXPORT_COLUMNS) + "\r\n").getBytes(StandardCharsets.UTF_8));
            while (true) {
                SuppressionQuery.Page page = store.suppressionPage(q);
                for (Suppression s : page.entries()) out.write(line(s, format).getBytes(StandardCharsets.UTF_8));
                if (page.next().isEmpty()) break;
                q = q.after(page.next().get());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away during the export", e);
        }
    }

    static String line(Suppression s, Format format) {
        String expires = s.expiresAt().map(Instant::toString).orElse("");
        if (format == Format.JSONL) {
            ObjectNode n = Json.object().put("address", s.address()).put("stream", s.stream()).put("state", s.state().name())
                    .put("reason", s.reason()).put("rule", s.ruleId()).put("origin", s.origin()).put("created_at", s.createdAt().toString());
            if (expires.isEmpty()) n.putNull("expires_at");
            else n.put("expires_at", expires);
            n.put("evidence_ref", s.evidenceRef()).put("note", s.note());
            return Json.MAPPER.writeValueAsString(n) + "\n";
        }
        return String.join(",", csv(s.address()), csv(s.stream()), s.state().name(), csv(s.reason()), csv(s.ruleId()), csv(s.origin()),
                s.createdAt().toString(), expires, csv(s.evidenceRef()), csv(s.note())) + "\r\n";
    }

    /** One CSV field (RFC 4180 §2): quoted when it holds a comma, quote, CR or LF; CR/LF become spaces (one record per line). */
    static String csv(String v) {
        String s = v.replace('\r', ' ').replace('\n', ' ');
        return s.indexOf(',') >= 0 || s.indexOf('"') >= 0 ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    // ---- import ---------------------------------------------------------------------------------------------

    /** One line's outcome: an entry to write, blank, or an error. */
    sealed interface Parsed {
        record Entry(Suppression entry) implements Parsed {}
        record Blank() implements Parsed {}
        record Bad(String error) implements Parsed {}
    }

    void importLines(Context ctx) {
        Format format = Format.of(ctx);
        String defaultStream = Optional.ofNullable(ctx.queryParam("stream")).map(String::strip).filter(s -> !s.isEmpty()).orElse(StreamName.DEFAULT);
        if (!StreamName.valid(defaultStream)) throw ApiError.invalid("stream", defaultStream, StreamName.EXPECTED);
        String actor = ApiServer.caller(ctx);
        boolean events = switch (Optional.ofNullable(ctx.queryParam("events")).map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse("false")) {
            case "true" -> true;
            case "false", "" -> false;
            default -> throw ApiError.invalid("events", ctx.queryParam("events"), "expected true (one webhook event per imported entry) or false (the default: none)");
        };
        Instant now = clock.instant();
        long lines = 0, headerLines = 0, imported = 0, existing = 0, blank = 0, failed = 0, committedThrough = 0;
        ArrayNode errors = Json.MAPPER.createArrayNode();
        List<Suppression> chunk = new ArrayList<>(CHUNK);
        String[] header = null;
        try (InputStream in = ctx.req().getInputStream()) {
            LineReader reader = new LineReader(in, MAX_LINE);
            LineReader.Line raw;
            while ((raw = reader.next()) != null) {
                lines++;
                Parsed p;
                if (raw.tooLong()) p = new Parsed.Bad("the line is longer than " + MAX_LINE + " bytes");
                else if (raw.text() == null) p = new Parsed.Bad("the line is not valid UTF-8 (RFC 3629)");
                else if (raw.text().isBlank()) p = new Parsed.Blank();
                else if (format == Format.CSV && header == null) {
                    header = header(raw.text());
                    headerLines++;
                    continue;
                } else p = format == Format.CSV ? csvLine(header, raw.text(), defaultStream, now) : jsonLine(raw.text(), defaultStream, now);
                switch (p) {
                    case Parsed.Entry e -> {
                        chunk.add(e.entry());
                    }
                    case Parsed.Blank b -> blank++;
                    case Parsed.Bad bad -> {
                        failed++;
                        if (errors.size() < MAX_LISTED_ERRORS) errors.addObject().put("line", lines).put("error", bad.error())
                                .put("input", raw.text() == null ? null : Json.abbreviate(raw.text()));
                    }
                }
                if (chunk.size() == CHUNK) {
                    long[] r = commit(chunk, actor, events, committedThrough, lines);
                    imported += r[0];
                    existing += r[1];
                    committedThrough = lines;
                    chunk.clear();
                }
            }
            if (!chunk.isEmpty()) {
                long[] r = commit(chunk, actor, events, committedThrough, lines);
                imported += r[0];
                existing += r[1];
            }
            committedThrough = lines;
        } catch (IOException e) {
            throw new ApiError(400, "invalid_request", "body", null, "the request body could not be read after line " + lines + " ("
                    + e.getMessage() + "); lines up to " + committedThrough + " are committed, send the rest again")
                    .with("committed_through_line", String.valueOf(committedThrough));
        }
        ObjectNode n = Json.object().put("format", format.name().toLowerCase(Locale.ROOT)).put("lines", lines).put("imported", imported)
                .put("already_listed", existing).put("header", headerLines).put("blank", blank).put("failed", failed)
                .put("events", events ? imported : 0);
        n.set("errors", errors);
        n.put("errors_not_listed", failed - errors.size());
        ctx.json(n);
    }

    /** Commits one chunk; a store fault answers 503 saying which lines are committed. */
    private long[] commit(List<Suppression> chunk, String actor, boolean events, long committedThrough, long line) {
        boolean[] written;
        try {
            written = store.importSuppressions(List.copyOf(chunk), actor, events);
        } catch (StoreUnavailableException e) {
            ApiError a = ApiError.storeUnavailable(e.getMessage() + "; lines 1-" + committedThrough + " are committed, lines "
                    + (committedThrough + 1) + "-" + line + " are not: send them again");
            throw a.with("committed_through_line", String.valueOf(committedThrough));
        }
        long added = 0;
        for (boolean w : written) if (w) added++;
        return new long[] {added, written.length - added};
    }

    /** The CSV header: every column named once, {@code address} among them, none unknown. */
    static String[] header(String line) {
        List<String> cols = fields(line.startsWith("\uFEFF") ? line.substring(1) : line); // a byte order mark (spreadsheet exports)
        if (cols == null) throw ApiError.invalid("body", line, "the CSV header line is not valid CSV (RFC 4180)");
        String[] out = new String[cols.size()];
        for (int i = 0; i < out.length; i++) {
            String c = cols.get(i).strip().toLowerCase(Locale.ROOT);
            if (!IMPORTED.contains(c) && !IGNORED.contains(c))
                throw ApiError.invalid("body", line, "line 1 must be the CSV header; column '" + cols.get(i) + "' is not one of "
                        + String.join(", ", IMPORTED) + " (or the export's " + String.join(", ", IGNORED) + ")");
            if (Arrays.asList(out).contains(c)) throw ApiError.invalid("body", line, "the CSV header names column '" + c + "' twice");
            out[i] = c;
        }
        if (!Arrays.asList(out).contains("address")) throw ApiError.invalid("body", line, "line 1 must be the CSV header and name an 'address' column");
        return out;
    }

    static Parsed csvLine(String[] header, String line, String defaultStream, Instant now) {
        List<String> f = fields(line);
        if (f == null) return new Parsed.Bad("not a valid CSV record (RFC 4180: a quoted field must end with a quote)");
        if (f.size() != header.length) return new Parsed.Bad("expected " + header.length + " fields as in the header, got " + f.size());
        Map<String, String> v = new HashMap<>();
        for (int i = 0; i < header.length; i++) v.put(header[i], f.get(i));
        return entry(v, defaultStream, now);
    }

    static Parsed jsonLine(String line, String defaultStream, Instant now) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (JacksonException e) {
            return new Parsed.Bad("not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) return new Parsed.Bad("expected a JSON object with an \"address\"");
        Map<String, String> v = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String k = e.getKey();
            if (!IMPORTED.contains(k) && !IGNORED.contains(k)) return new Parsed.Bad("unknown field \"" + k + "\"; expected " + String.join(", ", IMPORTED));
            if (e.getValue().isNull()) continue;
            if (IMPORTED.contains(k) && !e.getValue().isString()) return new Parsed.Bad("field \"" + k + "\" must be a string");
            v.put(k, e.getValue().asString(""));
        }
        return entry(v, defaultStream, now);
    }

    /** One entry from its fields, each checked. */
    static Parsed entry(Map<String, String> v, String defaultStream, Instant now) {
        String address = v.getOrDefault("address", "").strip();
        if (Addresses.addrSpec(address).isEmpty()) return new Parsed.Bad("address '" + address + "' is not an email address local@domain");
        String stream = v.getOrDefault("stream", "").strip();
        if (stream.isEmpty()) stream = defaultStream;
        if (!StreamName.valid(stream)) return new Parsed.Bad("stream '" + stream + "': " + StreamName.EXPECTED);
        String reason = v.getOrDefault("reason", "").strip().toLowerCase(Locale.ROOT);
        if (reason.isEmpty()) reason = Suppression.MANUAL;
        if (!SuppressionRoutes.REASON_CODE.matcher(reason).matches())
            return new Parsed.Bad("reason '" + reason + "' is not a reason code (a-z, 0-9, '_', '.', '-', at most 32; e.g. userunknown, feedback, manual)");
        String stateText = v.getOrDefault("state", "").strip().toUpperCase(Locale.ROOT);
        SuppressionState state;
        if (stateText.isEmpty()) state = SuppressionState.SUPPRESSED;
        else if (stateText.equals("SUPPRESSED") || stateText.equals("REVIEW")) state = SuppressionState.valueOf(stateText);
        else return new Parsed.Bad("state '" + stateText + "': expected SUPPRESSED or REVIEW");
        String exp = v.getOrDefault("expires_at", "").strip();
        Optional<Instant> expires = Optional.empty();
        if (!exp.isEmpty()) {
            try {
                expires = Optional.of(Instant.parse(exp));
            } catch (DateTimeParseException e) {
                return new Parsed.Bad("expires_at '" + exp + "' is not an ISO-8601 instant such as 2027-01-01T00:00:00Z");
            }
            if (!expires.get().isAfter(now)) return new Parsed.Bad("expires_at " + exp + " is not in the future (now " + now + "): the entry would be expired");
        }
        String note = v.getOrDefault("note", "");
        if (note.length() > SuppressionRoutes.MAX_NOTE) return new Parsed.Bad("note longer than " + SuppressionRoutes.MAX_NOTE + " characters");
        return new Parsed.Entry(new Suppression(address, stream, reason, "import", now, expires, "", state, Suppression.IMPORT, note));
    }

    /** The fields of one CSV record on one line (RFC 4180 §2), null when a quoted field is not closed properly. */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        int i = 0, n = line.length();
        while (true) {
            f.setLength(0);
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) return null;
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            f.append('"');
                            i++;
                        } else break;
                    } else f.append(ch);
                }
                if (i < n && line.charAt(i) != ',') return null;
            } else {
                while (i < n && line.charAt(i) != ',') {
                    if (line.charAt(i) == '"') return null;
                    f.append(line.charAt(i++));
                }
            }
            out.add(f.toString());
            if (i >= n) return out;
            i++; // the comma
        }
    }

    /**
     * Lines of a byte stream (LF or CRLF), each at most {@code max} bytes: a longer line is skipped to its end and
     * reported as too long; a line that is not UTF-8 has text null. Memory: one buffer of {@code max} bytes.
     */
    static final class LineReader {
        record Line(String text, boolean tooLong) {}

        private final InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int pos, len;
        private final byte[] line;
        private boolean eof;

        LineReader(InputStream in, int max) {
            this.in = in;
            this.line = new byte[max];
        }

        Line next() throws IOException {
            int n = 0;
            boolean tooLong = false, any = false;
            while (true) {
                if (pos == len) {
                    if (eof) break;
                    len = in.read(buf);
                    pos = 0;
                    if (len <= 0) {
                        len = 0;
                        eof = true;
                        break;
                    }
                }
                any = true;
                byte b = buf[pos++];
                if (b == '\n') return line(n, tooLong);
                if (n < line.length) line[n++] = b;
                else tooLong = true;
            }
            return any ? line(n, tooLong) : null;
        }

        private Line line(int n, boolean tooLong) {
            if (n > 0 && line[n - 1] == '\r') n--;
            if (tooLong) return new Line("", true);
            try {
                CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line, 0, n));
                return new Line(cb.toString(), false);
            } catch (CharacterCodingException e) {
                return new Line(null, false);
            }
        }
    }
}
