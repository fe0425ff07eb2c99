package dev.rebound.server.cli;

import dev.rebound.server.access.ApiKeys;
import dev.rebound.server.access.Scope;
import dev.rebound.server.config.ConfigException;
import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.ApiKeyRecord;
import dev.rebound.server.store.SqlStore;
import dev.rebound.server.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code rebound keys create|list|revoke}: API keys with scopes, stored (hashed) in the service's store. The
 * command opens the store named by the config ({@code store.url}, the same file {@code rebound serve} uses), so
 * it works on the machine that holds the store, with or without the service running (SQLite lets both write);
 * the running service reads keys from the store on every request, so a new or revoked key counts at once.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {
                "Create, list and revoke API keys with scopes (" + "send, read, suppressions, webhooks, admin" + ").",
                "Works on the store named by the config (store.url), like `rebound serve`, also while the service runs; keys take effect at the next request.",
                "Once any key exists (api.keys or created here, revoked ones included), every /v1 route and /metrics need a key with the route's scope."
        },
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config file whose store.url holds the keys (default: ${DEFAULT-VALUE}; optional when it does not exist).",
            defaultValue = "${env:REBOUND_CONFIG:-rebound.yaml}", scope = picocli.CommandLine.ScopeType.INHERIT)
    Path config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs {@code action} against the store of the config; exit code 2 for a bad config, 1 for a store error. */
    int withKeys(picocli.CommandLine.Model.CommandSpec sub, Action action) {
        PrintWriter out = sub.commandLine().getOut();
        PrintWriter err = sub.commandLine().getErr();
        boolean explicit = System.getenv("REBOUND_CONFIG") != null || !config.toString().equals("rebound.yaml");
        ReboundConfig cfg;
        try {
            cfg = new ConfigLoader(System.getenv()).load(config, explicit);
        } catch (ConfigException e) {
            err.println("rebound: " + e.getMessage());
            return 2;
        }
        try (SqlStore store = SqlStore.open(cfg.store().url(), cfg.store().user(), cfg.store().password(), 1, Clock.systemUTC())) {
            return action.run(new ApiKeys(store, cfg.api().keys(), Clock.systemUTC()), out, err);
        } catch (StoreException e) {
            err.println("rebound: " + e.getMessage());
            return 1;
        }
    }

    @FunctionalInterface
    interface Action {
        int run(ApiKeys keys, PrintWriter out, PrintWriter err);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print it once (only its SHA-256 is stored: copy it now).")
    static final class Create implements Callable<Integer> {
        @ParentCommand KeysCommand parent;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, description = "What the key is for (shown by `keys list`).")
        String name;

        @Option(names = "--scope", required = true, split = ",", paramLabel = "SCOPE",
                description = "send, read, suppressions, webhooks or admin (admin includes all); repeat or separate with commas.")
        List<String> scopes;

        @Option(names = "--rate", defaultValue = "100", description = "Requests per second allowed for this key, 0 for no limit (default: ${DEFAULT-VALUE}); over it: 429 with Retry-After.")
        double rate;

        @Option(names = "--burst", defaultValue = "200", description = "Requests allowed at once above the rate (default: ${DEFAULT-VALUE}).")
        int burst;

        @Override
        public Integer call() {
            Set<Scope> parsed = EnumSet.noneOf(Scope.class);
            for (String s : scopes) {
                Optional<Scope> sc = Scope.of(s);
                if (sc.isEmpty()) {
                    spec.commandLine().getErr().println("rebound: unknown scope \"" + s + "\"; use " + ApiKeys.allScopes());
                    return 2;
                }
                parsed.add(sc.get());
            }
            return parent.withKeys(spec, (keys, out, err) -> {
                ApiKeys.Issued issued;
                try {
                    issued = keys.create(name, parsed, rate, burst);
                } catch (IllegalArgumentException e) {
                    err.println("rebound: " + e.getMessage());
                    return 2;
                }
                out.println(issued.key());
                err.println("rebound: key " + issued.record().id() + " (" + issued.record().name() + ", scopes "
                        + issued.record().scopes() + ") created; it is shown only this once");
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @ParentCommand KeysCommand parent;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return parent.withKeys(spec, (keys, out, err) -> {
                out.printf("%-16s  %-8s  %-24s  %-28s  %-20s  %s%n", "ID", "STATE", "CREATED", "SCOPES", "RATE", "NAME");
                for (ApiKeyRecord k : keys.list())
                    out.printf("%-16s  %-8s  %-24s  %-28s  %-20s  %s%n", k.id(), k.revokedAt().isPresent() ? "revoked" : "active",
                            k.createdAt(), k.scopes(), k.ratePerSecond() <= 0 ? "none" : k.ratePerSecond() + "/s burst " + k.burst(), k.name());
                return 0;
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by its id (or the whole key); it fails from the next request.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand KeysCommand parent;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id from `keys list`, or the key itself.")
        String id;

        @Override
        public Integer call() {
            return parent.withKeys(spec, (keys, out, err) -> {
                Optional<ApiKeyRecord> k = keys.revoke(id);
                if (k.isEmpty()) {
                    err.println("rebound: no key with id \"" + id + "\"; see `rebound keys list`");
                    return 1;
                }
                out.println("revoked " + k.get().id() + " (" + k.get().name() + ") at " + k.get().revokedAt().orElseThrow());
                return 0;
            });
        }
    }
}
