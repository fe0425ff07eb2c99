package dev.rebound.server.cli;

import dev.rebound.server.config.ConfigException;
import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.service.DeliveryAgents;
import dev.rebound.server.service.ReboundService;
import dev.rebound.server.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rebound serve}: runs the HTTP API, the SMTP listener and the delivery scheduler until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
                "Run the service: HTTP API, SMTP listener and delivery queue, until stopped (Ctrl-C / SIGTERM).",
                "Without a config file the built-in defaults are used. Every key can also be set with an environment variable, e.g. REBOUND_HTTP_LISTEN=127.0.0.1:9090 for http.listen."
        })
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config file (default: ${DEFAULT-VALUE}; optional when it does not exist). See rebound.example.yaml.",
            defaultValue = "${env:REBOUND_CONFIG:-rebound.yaml}")
    Path config;

    @Option(names = "--check", description = "Validate the configuration, print the addresses it would use, and exit.")
    boolean check;

    @Override
    public Integer call() throws InterruptedException {
        boolean explicit = System.getenv("REBOUND_CONFIG") != null || !config.toString().equals("rebound.yaml");
        ReboundConfig cfg;
        try {
            cfg = new ConfigLoader(System.getenv()).load(config, explicit);
        } catch (ConfigException e) {
            System.err.println("rebound: " + e.getMessage());
            return 2;
        }
        if (check) {
            System.out.println("configuration OK: http " + cfg.http().listen() + ", smtp " + cfg.smtp().listen() + ", store " + cfg.store().redactedUrl());
            return 0;
        }
        Clock clock = Clock.systemUTC();
        ReboundService service;
        try {
            service = ReboundService.start(cfg, clock, DeliveryAgents.forConfig(cfg, clock), true);
        } catch (StoreException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("rebound: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println("rebound: cannot start: " + e);
            return 1;
        }
        String host = cfg.http().listen().host();
        System.out.println("rebound: node " + cfg.node().id());
        System.out.println("rebound: HTTP API on http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + service.httpPort() + "/v1/messages");
        System.out.println("rebound: SMTP listener on " + cfg.smtp().listen().host() + ":" + service.smtpPort()
                + " (relay for " + cfg.smtp().relayNetworks()
                + (cfg.smtp().tls().isPresent() ? "; STARTTLS" : "")
                + (cfg.smtp().authUsers().isEmpty() ? "" : "; AUTH after STARTTLS for " + cfg.smtp().authUsers().size() + " user(s) from any address") + ")");
        System.out.println("rebound: store " + service.store().location());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "rebound-shutdown"));
        stopped.await();
        return 0;
    }
}
