package dev.rebound.server.cli;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code rebound suppressions list|show|add|remove|review|import|export}: the running service's suppression list
 * through {@code /v1/suppressions} (URL and key from the flags or {@code REBOUND_URL} / {@code REBOUND_API_KEY}).
 * Import and export stream: the file is sent as it is read and the export written as it arrives, with a progress
 * line on stderr; neither holds the list in memory.
 */
@Command(name = "suppressions", mixinStandardHelpOptions = true,
        description = {
                "Manage the running service's suppression list (GET/POST/DELETE /v1/suppressions): list with filters, show one entry with "
                        + "its evidence and audit trail, add by hand, remove, decide reviews, import and export CSV or JSONL.",
                "Every change needs --reason and is audited; removing an entry that records a complaint also needs --force and an API key "
                        + "with the admin scope."
        },
        subcommands = {SuppressionsCommand.ListEntries.class, SuppressionsCommand.Show.class, SuppressionsCommand.Add.class,
                SuppressionsCommand.Remove.class, SuppressionsCommand.Review.class, SuppressionsCommand.Import.class,
                SuppressionsCommand.Export.class})
final class SuppressionsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    /** The list filters (also the export's). */
    static final class Filters {
        @Option(names = "--stream", paramLabel = "S", description = "only this message stream") String stream;
        @Option(names = "--address", paramLabel = "A", description = "only this address") String address;
        @Option(names = "--state", paramLabel = "STATE", description = "SUPPRESSED or REVIEW") String state;
        @Option(names = "--reason", paramLabel = "R", description = "only this reason code (userunknown, feedback, manual, ...)") String reason;
        @Option(names = "--origin", paramLabel = "O", description = "policy, manual or import") String origin;
        @Option(names = "--domain", paramLabel = "D", description = "only addresses at this recipient domain") String domain;
        @Option(names = "--created-after", paramLabel = "T", description = "created at or after (ISO-8601, e.g. 2026-05-01T00:00:00Z)") String createdAfter;
        @Option(names = "--created-before", paramLabel = "T", description = "created before") String createdBefore;
        @Option(names = "--expires-after", paramLabel = "T", description = "expiring at or after, or never") String expiresAfter;
        @Option(names = "--expires-before", paramLabel = "T", description = "expiring before") String expiresBefore;

        String query() {
            StringBuilder q = new StringBuilder();
            add(q, "stream", stream);
            add(q, "address", address);
            add(q, "state", state);
            add(q, "reason", reason);
            add(q, "origin", origin);
            add(q, "domain", domain);
            add(q, "created_after", createdAfter);
            add(q, "created_before", createdBefore);
            add(q, "expires_after", expiresAfter);
            add(q, "expires_before", expiresBefore);
            return q.toString();
        }
    }

    static void add(StringBuilder q, String name, String value) {
        if (value == null || value.isBlank()) return;
        q.append(q.isEmpty() ? "" : "&").append(name).append('=').append(enc(value.strip()));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String entryPath(String stream, String address) {
        return "/v1/suppressions/" + enc(stream.strip()) + "/" + enc(address.strip());
    }

    /** One entry as a line. */
    static String line(JsonNode s) {
        return String.format(Locale.ROOT, "%-40s %-14s %-10s %-12s %-32s %-7s %s  %s", s.path("address").asString(), s.path("stream").asString(),
                s.path("state").asString(), s.path("reason").asString(), s.path("rule").asString(), s.path("origin").asString(),
                s.path("created_at").asString(), s.path("expires_at").isNull() ? "never" : "until " + s.path("expires_at").asString());
    }

    static String header() {
        return String.format(Locale.ROOT, "%-40s %-14s %-10s %-12s %-32s %-7s %s", "ADDRESS", "STREAM", "STATE", "REASON", "RULE", "ORIGIN",
                "CREATED  EXPIRES");
    }

    /** The JSON body of a change: the reason and the optional actor. */
    static ObjectNode change(String reason, String actor) {
        ObjectNode b = ApiClient.JSON.createObjectNode().put("reason", reason);
        if (actor != null && !actor.isBlank()) b.put("actor", actor.strip());
        return b;
    }

    /** Prints the audit trail of a change's answer. */
    static void audit(PrintWriter out, JsonNode audit) {
        for (JsonNode a : audit)
            out.println("  " + a.path("at").asString() + "  " + a.path("action").asString() + " " + a.path("state").asString() + "/"
                    + a.path("reason").asString() + " by " + a.path("actor").asString() + ": " + a.path("note").asString());
    }

    // ---- list, show -------------------------------------------------------------------------------------------

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List active entries, newest first, one page (--limit) or every page (--all), following the API's cursor.")
    static final class ListEntries implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Mixin Filters filters;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "entries per page, 1-1000 (default: ${DEFAULT-VALUE})") int limit;
        @Option(names = "--cursor", paramLabel = "C", description = "start after this cursor (printed after a page)") String cursor;
        @Option(names = "--all", description = "follow the cursor to the end") boolean all;
        @Option(names = "--json", description = "print each entry as one JSON line") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            return page(spec, service, filters.query(), "/v1/suppressions", limit, cursor, all, json);
        }
    }

    static int page(CommandSpec spec, ApiOptions service, String filters, String base, int limit, String cursor, boolean all, boolean json)
            throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ApiClient api = service.client(err);
        String next = cursor;
        int n = 0;
        try {
            if (!json) out.println(header());
            do {
                StringBuilder q = new StringBuilder(filters);
                add(q, "limit", String.valueOf(limit));
                add(q, "cursor", next);
                JsonNode page = api.get(base + "?" + q);
                for (JsonNode s : page.path("suppressions")) {
                    out.println(json ? ApiClient.JSON.writeValueAsString(s) : line(s));
                    n++;
                }
                next = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
            } while (all && next != null);
        } catch (ApiClient.Failed f) {
            out.flush();
            return f.exitCode;
        }
        if (!json) {
            out.println(n + (n == 1 ? " entry" : " entries"));
            if (next != null) out.println("more: --cursor " + next);
        }
        out.flush();
        return 0;
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one entry with the evidence that caused it (attempts, DSNs, provider events) and its audit trail.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "STREAM") String stream;
        @Parameters(index = "1", paramLabel = "ADDRESS") String address;
        @Option(names = "--json", description = "print the API's JSON") boolean json;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            JsonNode s;
            try {
                s = service.client(err).get(entryPath(stream, address));
            } catch (ApiClient.Failed f) {
                return f.exitCode;
            }
            if (json) {
                out.println(ApiClient.JSON.writeValueAsString(s));
            } else {
                out.println(header());
                out.println(line(s));
                if (!s.path("note").asString().isEmpty()) out.println("note: " + s.path("note").asString());
                if (s.path("complaint").asBoolean()) out.println("a complaint: removing it needs --force and an admin key");
                out.println("evidence:");
                if (s.path("evidence").isEmpty()) out.println("  none stored (manual or imported entry)");
                for (JsonNode e : s.path("evidence")) {
                    if (e.path("kind").asString().equals("attempt")) {
                        JsonNode a = e.path("attempt");
                        out.println("  attempt " + e.path("ref").asString() + " (message " + e.path("message_id").asString() + ") "
                                + a.path("started_at").asString() + " " + a.path("mx_host").asString() + ": "
                                + String.join(" | ", a.path("reply_lines").valueStream().map(JsonNode::asString).toList())
                                + " => " + a.path("outcome").asString() + "/" + a.path("reason").asString() + " [" + a.path("rule").asString() + "]");
                    } else {
                        JsonNode v = e.path("evidence");
                        out.println("  " + e.path("kind").asString() + " " + e.path("ref").asString() + " " + v.path("received_at").asString() + " "
                                + v.path("provider").asString() + " " + v.path("provider_event").asString() + ": " + v.path("raw_reason").asString()
                                + " => " + v.path("outcome").asString() + "/" + v.path("reason").asString() + " [" + v.path("rule").asString() + "]");
                    }
                }
                out.println("audit:");
                audit(out, s.path("audit"));
            }
            out.flush();
            return 0;
        }
    }

    // ---- changes ----------------------------------------------------------------------------------------------

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Suppress an address by hand (origin manual); --reason is kept in the audit trail.")
    static final class Add implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "ADDRESS") String address;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (required)") String reason;
        @Option(names = "--stream", paramLabel = "S", defaultValue = "transactional", description = "the stream (default: ${DEFAULT-VALUE})") String stream;
        @Option(names = "--expires", paramLabel = "T", description = "when it ends (ISO-8601); default never") String expires;
        @Option(names = "--actor", paramLabel = "NAME", description = "who asks (kept with the key's fingerprint)") String actor;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            ObjectNode body = change(reason, actor).put("address", address.strip()).put("stream", stream.strip());
            if (expires != null && !expires.isBlank()) body.put("expires_at", expires.strip());
            try {
                JsonNode s = service.client(err).send("POST", "/v1/suppressions", ApiClient.JSON.writeValueAsString(body));
                out.println("added: " + line(s));
                audit(out, s.path("audit"));
            } catch (ApiClient.Failed f) {
                return f.exitCode;
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove an entry with a reason; mail held for the address within suppression.release-window is sent, once.",
                    "An entry that records a complaint needs --force and an API key with the admin scope."})
    static final class Remove implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "STREAM") String stream;
        @Parameters(index = "1", paramLabel = "ADDRESS") String address;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (required)") String reason;
        @Option(names = "--force", description = "lift a complaint (needs the admin scope)") boolean force;
        @Option(names = "--actor", paramLabel = "NAME", description = "who asks") String actor;

        @Override
        public Integer call() throws InterruptedException {
            ObjectNode body = change(reason, actor);
            if (force) body.put("force", true);
            return decide(spec, service, "DELETE", entryPath(stream, address), body, "removed");
        }
    }

    static int decide(CommandSpec spec, ApiOptions service, String method, String path, ObjectNode body, String done) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            JsonNode r = service.client(err).send(method, path, ApiClient.JSON.writeValueAsString(body));
            out.println(done + ": " + line(r.path("suppression")));
            if (r.has("released")) out.println("held messages released: " + r.path("released").asInt());
            audit(out, r.path("audit"));
        } catch (ApiClient.Failed f) {
            return f.exitCode;
        }
        out.flush();
        return 0;
    }

    @Command(name = "review", mixinStandardHelpOptions = true,
            description = "The review queue: entries in REVIEW (repeated soft failures, what the domain circuit breaker held). Without a subcommand: list.",
            subcommands = {Review.ListQueue.class, Review.Approve.class, Review.Reject.class})
    static final class Review implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;

        @Override
        public Integer call() throws InterruptedException {
            return page(spec, service, "", "/v1/suppressions/review", 100, null, true, false);
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List the entries in REVIEW, newest first.")
        static final class ListQueue implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Mixin ApiOptions service;
            @Mixin Filters filters;
            @Option(names = "--json", description = "print each entry as one JSON line") boolean json;

            @Override
            public Integer call() throws InterruptedException {
                return page(spec, service, filters.query(), "/v1/suppressions/review", 1000, null, true, json);
            }
        }

        @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve: REVIEW becomes SUPPRESSED (until --expires, else never).")
        static final class Approve implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Mixin ApiOptions service;
            @Parameters(index = "0", paramLabel = "STREAM") String stream;
            @Parameters(index = "1", paramLabel = "ADDRESS") String address;
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (required)") String reason;
            @Option(names = "--expires", paramLabel = "T", description = "when the suppression ends (ISO-8601); default never") String expires;
            @Option(names = "--actor", paramLabel = "NAME", description = "who decides") String actor;

            @Override
            public Integer call() throws InterruptedException {
                ObjectNode body = change(reason, actor);
                if (expires != null && !expires.isBlank()) body.put("expires_at", expires.strip());
                return decide(spec, service, "POST", entryPath(stream, address) + "/approve", body, "approved");
            }
        }

        @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject: the entry is removed; held mail is released as by remove.")
        static final class Reject implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Mixin ApiOptions service;
            @Parameters(index = "0", paramLabel = "STREAM") String stream;
            @Parameters(index = "1", paramLabel = "ADDRESS") String address;
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (required)") String reason;
            @Option(names = "--actor", paramLabel = "NAME", description = "who decides") String actor;

            @Override
            public Integer call() throws InterruptedException {
                return decide(spec, service, "POST", entryPath(stream, address) + "/reject", change(reason, actor), "rejected");
            }
        }
    }

    // ---- import, export ---------------------------------------------------------------------------------------

    static String format(String format, String file) {
        if (format != null && !format.isBlank()) return format.strip().toLowerCase(Locale.ROOT);
        String f = file.toLowerCase(Locale.ROOT);
        return f.endsWith(".jsonl") || f.endsWith(".ndjson") || f.endsWith(".json") ? "jsonl" : "csv";
    }

    /** A progress line on stderr, at most every half second, overwritten in place. */
    static final class Progress {
        private final PrintWriter err;
        private final String what;
        private long last;

        Progress(PrintWriter err, String what) {
            this.err = err;
            this.what = what;
        }

        void show(long bytes, long total, long lines, boolean done) {
            long now = System.nanoTime();
            if (!done && now - last < 500_000_000L) return;
            last = now;
            String pct = total > 0 ? String.format(Locale.ROOT, " (%d %%)", Math.min(100, bytes * 100 / total)) : "";
            err.print(String.format(Locale.ROOT, "\r%s: %,d lines, %.1f MB%s%s", what, lines, bytes / 1e6,
                    total > 0 ? String.format(Locale.ROOT, " of %.1f MB", total / 1e6) : "", pct) + (done ? System.lineSeparator() : ""));
            err.flush();
        }
    }

    /** Counts bytes and line feeds as the HTTP client reads the file, and shows the progress. */
    static final class CountingInput extends FilterInputStream {
        private final Progress progress;
        private final long total;
        long bytes, lines;

        CountingInput(InputStream in, Progress progress, long total) {
            super(in);
            this.progress = progress;
            this.total = total;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count(new byte[] {(byte) b}, 0, 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count(b, off, n);
            return n;
        }

        private void count(byte[] b, int off, int n) {
            bytes += n;
            for (int i = off; i < off + n; i++) if (b[i] == '\n') lines++;
            progress.show(bytes, total, lines, false);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import entries from a CSV file (a header line naming address and any of stream, reason, state, expires_at, note) "
                    + "or a JSONL file (one object per line with those fields). FILE - reads stdin.",
                    "The file is streamed to the service, which commits every 1000 entries; a progress line goes to stderr. Every failed "
                            + "line is listed with its number and why; the exit code is 1 when any line failed."})
    static final class Import implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Parameters(index = "0", paramLabel = "FILE") String file;
        @Option(names = "--format", paramLabel = "F", description = "csv or jsonl (default: from the file name; .jsonl/.ndjson = jsonl, else csv)") String format;
        @Option(names = "--stream", paramLabel = "S", description = "the stream of lines that name none (default: transactional)") String stream;
        @Option(names = "--events", description = "send one webhook event (suppressed / review, source import) per imported entry; "
                + "by default an import sends none (a bulk load is not news to the applications)") boolean events;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            String fmt = format(format, file);
            if (!fmt.equals("csv") && !fmt.equals("jsonl")) {
                err.println("rebound suppressions import: --format " + format + " is not csv or jsonl");
                err.flush();
                return 2;
            }
            Path path = Path.of(file);
            long total;
            try {
                total = file.equals("-") ? -1 : Files.size(path);
            } catch (IOException e) {
                err.println("rebound suppressions import: cannot read " + file + ": " + e.getMessage());
                err.flush();
                return 2;
            }
            Progress progress = new Progress(err, "import " + file);
            List<CountingInput> opened = new ArrayList<>(1);
            StringBuilder q = new StringBuilder("format=" + fmt);
            if (stream != null && !stream.isBlank()) q.append("&stream=").append(enc(stream.strip()));
            if (events) q.append("&events=true");
            JsonNode r;
            try {
                r = service.client(err).upload("/v1/suppressions/import?" + q, fmt.equals("csv") ? "text/csv" : "application/x-ndjson", () -> {
                    try {
                        CountingInput in = new CountingInput(file.equals("-") ? System.in : Files.newInputStream(path), progress, total);
                        opened.add(in);
                        return in;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (ApiClient.Failed f) {
                return f.exitCode;
            }
            CountingInput in = opened.isEmpty() ? null : opened.getLast();
            if (in != null) progress.show(in.bytes, total, in.lines, true);
            out.printf(Locale.ROOT, "%d lines: %d imported, %d already listed (left as they were), %d blank, %d header, %d failed%n",
                    r.path("lines").asLong(), r.path("imported").asLong(), r.path("already_listed").asLong(), r.path("blank").asLong(),
                    r.path("header").asLong(), r.path("failed").asLong());
            for (JsonNode e : r.path("errors"))
                out.println("line " + e.path("line").asLong() + ": " + e.path("error").asString() + (e.path("input").isNull() ? "" : "  | " + e.path("input").asString()));
            if (r.path("errors_not_listed").asLong() > 0) out.println("... and " + r.path("errors_not_listed").asLong() + " more failed lines not listed");
            out.flush();
            return r.path("failed").asLong() == 0 ? 0 : 1;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export the active entries (with the list's filters) as CSV or JSONL, streamed to --output (or stdout), with a progress line on stderr.")
    static final class Export implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ApiOptions service;
        @Mixin Filters filters;
        @Option(names = "--format", paramLabel = "F", description = "csv or jsonl (default: from --output's name, else csv)") String format;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here (default: stdout)") String output;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            String fmt = format(format, output == null ? "" : output);
            StringBuilder q = new StringBuilder(filters.query());
            add(q, "format", fmt);
            Progress progress = new Progress(err, "export");
            long bytes = 0, lines = 0;
            try (InputStream in = service.client(err).download("/v1/suppressions/export?" + q)) {
                if (output == null) { // to stdout as text, as it arrives
                    java.io.Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8);
                    PrintWriter out = spec.commandLine().getOut();
                    char[] buf = new char[16 * 1024];
                    int n;
                    while ((n = r.read(buf)) > 0) out.write(buf, 0, n);
                    out.flush();
                    return 0;
                }
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(output)), 64 * 1024)) {
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        bytes += n;
                        for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
                        progress.show(bytes, -1, lines, false);
                    }
                }
            } catch (ApiClient.Failed f) {
                return f.exitCode;
            } catch (IOException e) {
                err.println("rebound suppressions export: failed after " + lines + " lines: " + e.getMessage());
                err.flush();
                return 1;
            }
            if (output != null) progress.show(bytes, -1, lines, true);
            return 0;
        }
    }
}
