package dev.rebound.server.api;

import dev.rebound.core.events.ProviderWebhooks;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.evidence.EvidenceRecorder;
import dev.rebound.server.evidence.SubscriptionConfirmer;
import dev.rebound.server.intake.MessageIntake;
import dev.rebound.server.access.ApiKeys;
import dev.rebound.server.access.ApiKeys.Decision;
import dev.rebound.server.access.Scope;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.StoreUnavailableException;
import dev.rebound.server.webhooks.Webhooks;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.NotFoundResponse;
import io.javalin.json.JavalinJackson3;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP API (Javalin on virtual threads): one route class per resource ({@link MessageRoutes},
 * {@link QueueRoutes}, {@link SuppressionRoutes}, {@link AddressRoutes}, {@link RecipientRoutes}, {@link ReplayRoutes}, {@link ProviderRoutes},
 * {@link ServiceRoutes}, {@link WebhookRoutes}, {@link MonitorRoutes}, {@link DomainRoutes}, {@link DashboardRoutes} for the web dashboard) declares its {@link Route}s;
 * this class registers exactly those, checks
 * the API key and scope of every route that needs one (in one place, {@link #authorize}), and writes every
 * {@link ApiError} in the one error shape. Writes answer 2xx only after
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
                     PrometheusMeterRegistry metrics, ProviderEvents providerEvents, Webhooks webhooks,
                     java.util.function.Supplier<List<dev.rebound.server.queue.DomainStatus>> domains) {
        this.config = config;
        ApiKeys keys = new ApiKeys(store, config.api().keys(), clock);
        List<Route> all = new ArrayList<>();
        all.addAll(new MessageRoutes(config, intake, store, retry, clock).routes());
        all.addAll(new QueueRoutes(store, clock).routes());
        all.addAll(new SuppressionRoutes(store, config.suppression(), clock, intake::wake).routes());
        all.addAll(new AddressRoutes(store).routes());
        all.addAll(new RecipientRoutes(store).routes());
        all.addAll(new ReplayRoutes(store, config, clock).routes());
        all.addAll(new ProviderRoutes(providerEvents, store, metrics).routes());
        all.addAll(new ServiceRoutes(store, metrics).routes());
        all.addAll(new WebhookRoutes(webhooks, clock).routes());
        all.addAll(new MonitorRoutes(store, clock).routes());
        all.addAll(new DomainRoutes(store, clock, domains, config.throttle().maxConcurrency()).routes());
        all.addAll(new DashboardRoutes().routes());
        this.routes = List.copyOf(all);
        this.app = Javalin.create(cfg -> configure(cfg, keys));
    }

    private void configure(JavalinConfig cfg, ApiKeys keys) {
        cfg.concurrency.useVirtualThreads = true;
        cfg.jsonMapper(new JavalinJackson3(Json.MAPPER, true));
        cfg.startup.showJavalinBanner = false;
        cfg.http.maxRequestSize = config.http().maxBodySize();
        cfg.http.prefer405over404 = true; // a known path with another method: 405 with Allow, not 404
        JsonErrors jettyErrors = new JsonErrors();
        cfg.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
        cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(jettyErrors));
        for (Route r : routes) {
            Handler h = r.scope().isEmpty() ? r.handler() : ctx -> {
                authorize(keys, ctx, r.scope().get(), r.toString());
                r.handler().handle(ctx);
            };
            switch (r.method()) {
                case "GET" -> cfg.routes.get(r.path(), h);
                case "POST" -> cfg.routes.post(r.path(), h);
                case "DELETE" -> cfg.routes.delete(r.path(), h);
                case "PATCH" -> cfg.routes.patch(r.path(), h);
                default -> throw new IllegalArgumentException("unsupported method " + r.method() + " for " + r.path());
            }
        }
        cfg.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status).json(e.json()));
        cfg.routes.exception(MethodNotAllowedResponse.class, (e, ctx) -> {
            String allow = String.join(", ", allowed(ctx.path()));
            ctx.header("Allow", allow);
            ApiError a = new ApiError(405, "method_not_allowed", "method", ctx.method().name(),
                    ctx.method().name() + " is not allowed on " + ctx.path() + "; allowed: " + allow);
            ctx.status(405).json(a.json());
        });
        cfg.routes.exception(NotFoundResponse.class, (e, ctx) -> ctx.status(404).json(
                ApiError.notFound("path", ctx.path(), "no such resource; the API is described at /openapi.json").json()));
        // A store fault anywhere (disk full, I/O error): nothing was stored, the client should retry later.
        cfg.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
            ApiError a = ApiError.storeUnavailable(e.getMessage());
            ctx.header("Retry-After", String.valueOf(ApiError.STORE_RETRY_AFTER_SECONDS)).status(a.status).json(a.json());
        });
    }

    /** The methods declared for the routes whose path pattern matches {@code path} (the 405's Allow header). */
    List<String> allowed(String path) {
        List<String> out = new ArrayList<>();
        for (Route r : routes) {
            String regex = java.util.Arrays.stream(r.path().split("/", -1))
                    .map(seg -> seg.startsWith("{") && seg.endsWith("}") ? "[^/]+" : java.util.regex.Pattern.quote(seg))
                    .collect(java.util.stream.Collectors.joining("/"));
            if (path.matches(regex) && !out.contains(r.method())) out.add(r.method());
        }
        return out;
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

    private static final String CALLER = "rebound.caller", SCOPES = "rebound.scopes";

    /** The one access check: the key, its scope, its rate ({@link ApiKeys}); a refusal is an {@link ApiError}. */
    private static void authorize(ApiKeys keys, Context ctx, Scope scope, String what) {
        switch (keys.authorize(Optional.ofNullable(ctx.header("Authorization")), scope, what)) {
            case Decision.Allowed a -> {
                ctx.attribute(CALLER, a.caller());
                ctx.attribute(SCOPES, a);
            }
            case Decision.Refused r -> {
                if (r.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
                r.retryAfter().ifPresent(d -> ctx.header("Retry-After", String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000))));
                throw new ApiError(r.status(), r.error(), r.status() == 403 ? "scope" : null, r.status() == 403 ? scope.id() : null, r.message());
            }
        }
    }

    /** Whether the caller's key holds {@code scope} (true on open routes only when no keys are required: never asked there). */
    static boolean callerMay(Context ctx, Scope scope) {
        Decision.Allowed a = ctx.attribute(SCOPES);
        return a != null && a.may(scope);
    }

    /** Who made an API call, for audit rows: {@code api-key:<id>} (or the config key's SHA-256 prefix), or "api" without keys. */
    static String caller(Context ctx) {
        String c = ctx.attribute(CALLER);
        return c == null ? "api" : c;
    }
}
