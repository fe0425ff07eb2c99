package dev.rebound.server.cli;

import dev.rebound.core.dsn.BounceParser;
import dev.rebound.core.dsn.BounceRecord;
import dev.rebound.core.dsn.BounceResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code rebound bounce parse PATH...}: parses bounce emails and prints one JSON object per recipient per line. */
@Command(name = "bounce", mixinStandardHelpOptions = true,
        description = "Work with asynchronous bounces (RFC 3464 DSNs, MTA bounce texts, ARF complaints).",
        subcommands = {BounceCommand.Parse.class})
final class BounceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "parse", mixinStandardHelpOptions = true,
            description = {"Parse .eml files (directories are searched recursively, in sorted order) and print one "
                    + "JSON object per recipient per line: file, recipient, reason, status, replycode, hardbounce, "
                    + "feedbacktype, outcome, rule, decodedby, action, diagnostic.",
                    "An email that cannot be parsed prints {\"file\":...,\"error\":...} and the command goes on."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:all paths read", "2:a path does not exist or cannot be read"})
    static final class Parse implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH", description = ".eml files or directories of .eml files")
        List<Path> paths;

        @Spec
        CommandSpec spec;

        private static final JsonMapper JSON = ApiClient.JSON; // the command line's one mapper

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<Path> files = new ArrayList<>();
            for (Path p : paths) {
                if (!Files.exists(p)) {
                    err.println("bounce parse: no such file or directory: " + p
                            + " (give .eml files or directories that contain them)");
                    err.flush();
                    return 2;
                }
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.walk(p)) {
                        s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().toLowerCase().endsWith(".eml"))
                                .sorted().forEach(files::add);
                    } catch (IOException | RuntimeException e) {
                        err.println("bounce parse: cannot list directory " + p + ": " + e.getMessage());
                        err.flush();
                        return 2;
                    }
                } else {
                    files.add(p);
                }
            }
            for (Path f : files) {
                for (Map<String, Object> row : rows(f)) out.println(JSON.writeValueAsString(row));
            }
            out.flush();
            return 0;
        }

        static List<Map<String, Object>> rows(Path f) {
            String name = f.getFileName().toString();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                return List.of(error(name, "cannot read file: " + e.getMessage()));
            }
            BounceResult r;
            try {
                r = BounceParser.parse(bytes);
            } catch (RuntimeException e) {
                return List.of(error(name, "parser failed: " + e));
            }
            List<Map<String, Object>> out = new ArrayList<>();
            switch (r) {
                case BounceResult.Unparseable u -> out.add(error(name, u.error()));
                case BounceResult.NotABounce n -> out.add(error(name, "not a bounce: " + n.why()));
                case BounceResult.AutoReply a -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("file", name);
                    m.put("recipient", a.responder());
                    m.put("reason", "vacation");
                    m.put("status", "");
                    m.put("replycode", "");
                    m.put("hardbounce", false);
                    m.put("feedbacktype", "");
                    m.put("outcome", "");
                    m.put("rule", a.ruleId());
                    m.put("decodedby", "RFC3834");
                    m.put("action", "");
                    m.put("diagnostic", a.marker());
                    out.add(m);
                }
                case BounceResult.Bounces b -> b.records().forEach(x -> out.add(row(name, x)));
                case BounceResult.Complaint c -> c.records().forEach(x -> out.add(row(name, x)));
            }
            return out;
        }

        static Map<String, Object> row(String file, BounceRecord b) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file);
            m.put("recipient", b.recipient());
            m.put("reason", b.reason().id());
            m.put("status", b.status());
            m.put("replycode", b.replyCode());
            m.put("hardbounce", b.hardBounce());
            m.put("feedbacktype", b.feedbackType());
            m.put("outcome", b.outcome().name());
            m.put("rule", b.ruleId());
            m.put("decodedby", b.decodedBy());
            m.put("action", b.action());
            m.put("diagnostic", b.diagnosticText());
            m.put("messageid", b.messageId());
            return m;
        }

        static Map<String, Object> error(String file, String message) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file);
            m.put("error", message);
            return m;
        }
    }
}
