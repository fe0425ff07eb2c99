package dev.rebound.server.api;

import dev.rebound.core.events.ProviderWebhooks;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.evidence.EvidenceRecorder;
import dev.rebound.server.evidence.SubscriptionConfirmer;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreUnavailableException;
import dev.rebound.server.webhooks.Webhooks;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.json.JavalinJackson3;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API (Javalin on virtual threads): one route class per resource ({@link MessageRoutes},
 * {@link QueueRoutes}, {@link SuppressionRoutes}, {@link AddressRoutes}, {@link ProviderRoutes},
 * {@link ServiceRoutes}, {@link WebhookRoutes}) declares its {@link Route}s; this class registers exactly those, checks {@code api.keys}
 * on the authenticated ones, and writes every {@link ApiError} in the one error shape. Writes answer 2xx only after
 * the store committed. The routes are described in {@code openapi.json} (served at {@code /openapi.json}); a test
 * keeps it equal to {@link #routes()}.
 */
public final class ApiServer implements AutoCloseable {
    private final ReboundConfig config;
    private final List<Route> routes;
    private final Javalin app;

    /** The evidence side of the API: provider webhooks in, stored through the recorder. */
    public record ProviderEvents(ProviderWebhooks webhooks, EvidenceRecorder recorder, SubscriptionConfirmer confirmer) {}

    public ApiServer(ReboundConfig config, MessageIntake intake, Store store, AttemptDecider retry, Clock clock,
                     PrometheusMeterRegistry metrics, ProviderEvents providerEvents, Webhooks webhooks) {
        this.config = config;
        ApiKeys keys = new ApiKeys(config.api().keys());
        List<Route> all = new ArrayList<>();
        all.addAll(new MessageRoutes(config, intake, store, retry, clock).routes());
        all.addAll(new QueueRoutes(store, clock).routes());
        all.addAll(new SuppressionRoutes(store, keys).routes());
        all.addAll(new AddressRoutes(store).routes());
        all.addAll(new ProviderRoutes(providerEvents, store, metrics).routes());
        all.addAll(new ServiceRoutes(store, metrics).routes());
        all.addAll(new WebhookRoutes(webhooks, clock).routes());
        this.routes = List.copyOf(all);
        this.app = Javalin.create(cfg -> configure(cfg, keys));
    }

    private void configure(JavalinConfig cfg, ApiKeys keys) {
        cfg.concurrency.useVirtualThreads = true;
        cfg.jsonMapper(new JavalinJackson3(Json.MAPPER, true));
        cfg.startup.showJavalinBanner = false;
        cfg.http.maxRequestSize = config.http().maxBodySize();
        for (Route r : routes) {
            Handler h = r.authenticated() ? ctx -> { keys.check(ctx); r.handler().handle(ctx); } : r.handler();
            switch (r.method()) {
                case "GET" -> cfg.routes.get(r.path(), h);
                case "POST" -> cfg.routes.post(r.path(), h);
                case "DELETE" -> cfg.routes.delete(r.path(), h);
                case "PATCH" -> cfg.routes.patch(r.path(), h);
                default -> throw new IllegalArgumentException("unsupported method " + r.method() + " for " + r.path());
            }
        }
        cfg.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status).json(e.json()));
        // A store fault anywhere (disk full, I/O error): nothing was stored, the client should retry later.
        cfg.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
            ApiError a = ApiError.storeUnavailable(e.getMessage());
            ctx.header("Retry-After", String.valueOf(ApiError.STORE_RETRY_AFTER_SECONDS)).status(a.status).json(a.json());
        });
    }

    public ApiServer start() {
        app.start(config.http().listen().host(), config.http().listen().port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The registered routes as "METHOD path" (for the OpenAPI drift test). */
    public List<String> routes() {
        return routes.stream().map(Route::toString).toList();
    }

    @Override
    public void close() {
        app.stop();
    }

    /** {@code api.keys}: bearer keys compared in constant time; none configured means the API is open. */
    static final class ApiKeys {
        private final List<String> keys;

        ApiKeys(List<String> keys) {
            this.keys = List.copyOf(keys);
        }

        void check(Context ctx) {
            if (keys.isEmpty()) return;
            String h = ctx.header("Authorization");
            if (h != null && h.startsWith("Bearer ")) {
                byte[] given = h.substring(7).strip().getBytes(StandardCharsets.UTF_8);
                for (String k : keys) if (MessageDigest.isEqual(given, k.getBytes(StandardCharsets.UTF_8))) return;
            }
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "unauthorized", null, null, "send Authorization: Bearer <key> with one of the keys in api.keys");
        }

        /** Who made an API call, for audit rows: the key's fingerprint when keys are configured, else "api". */
        String caller(Context ctx) {
            String h = ctx.header("Authorization");
            if (keys.isEmpty() || h == null || !h.startsWith("Bearer ")) return "api";
            return "api-key:" + Sha256.hex(h.substring(7).strip().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        }
    }
}
