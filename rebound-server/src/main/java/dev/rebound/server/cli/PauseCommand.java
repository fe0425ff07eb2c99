package dev.rebound.server.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code rebound pause KIND SCOPE --reason ...} and {@code rebound resume KIND SCOPE}: POST / DELETE /v1/pauses. */
final class PauseCommand {
    private PauseCommand() {}

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause a recipient domain or a stream: its mail stays queued (not failed) until `rebound resume`. Needs the admin scope.")
    static final class Pause implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceClient client;

        @Parameters(index = "0", paramLabel = "KIND", description = "domain or stream") String kind;
        @Parameters(index = "1", paramLabel = "SCOPE", description = "the recipient domain (e.g. example.com) or the stream") String scope;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (kept with the pause, shown by rebound alerts).")
        String reason;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            String body = ServiceClient.JSON.createObjectNode().put("scope_kind", kind).put("scope", scope).put("reason", reason).toString();
            Optional<JsonNode> r = client.call("POST", "/v1/pauses", body, err);
            err.flush();
            if (r.isEmpty()) return 1;
            out.println("paused " + r.get().path("scope_kind").asString() + " " + r.get().path("scope").asString() + " since "
                    + r.get().path("paused_at").asString() + ": " + r.get().path("reason").asString());
            out.flush();
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume a paused recipient domain or stream: its queued mail is delivered again. Needs the admin scope.")
    static final class Resume implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceClient client;

        @Parameters(index = "0", paramLabel = "KIND", description = "domain or stream") String kind;
        @Parameters(index = "1", paramLabel = "SCOPE", description = "the recipient domain or the stream") String scope;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            Optional<JsonNode> r = client.call("DELETE", "/v1/pauses/" + java.net.URLEncoder.encode(kind, java.nio.charset.StandardCharsets.UTF_8)
                    + "/" + java.net.URLEncoder.encode(scope, java.nio.charset.StandardCharsets.UTF_8), null, err);
            err.flush();
            if (r.isEmpty()) return 1;
            out.println("resumed " + r.get().path("scope_kind").asString() + " " + r.get().path("scope").asString()
                    + " (paused since " + r.get().path("paused_at").asString() + ")");
            out.flush();
            return 0;
        }
    }
}
