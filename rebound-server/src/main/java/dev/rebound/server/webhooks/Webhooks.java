package dev.rebound.server.webhooks;

import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.store.WebhookStore.Endpoint;
import dev.rebound.server.store.WebhookStore.EndpointState;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The outbound webhooks as the service sees them: the endpoints of {@code webhooks.endpoints} written to the store
 * at start (added, changed, removed to match the file; an endpoint the dispatcher disabled stays disabled until
 * re-enabled through the API) and the {@link WebhookDispatcher}; the {@code /v1/webhooks} routes are the API
 * package's {@code WebhookRoutes}.
 */
public final class Webhooks implements AutoCloseable {
    static final String CONFIG_DISABLED = "disabled in the config file (enabled: false)";
    private static final Instant ROTATION_WITHOUT_END = Instant.parse("9999-12-31T00:00:00Z");

    private final WebhookDispatcher dispatcher;
    private final WebhookStore store;
    private final EndpointRules rules;

    private Webhooks(WebhookDispatcher dispatcher, WebhookStore store, EndpointRules rules) {
        this.dispatcher = dispatcher;
        this.store = store;
        this.rules = rules;
    }

    /**
     * @param runLoop false leaves the dispatcher loop stopped (tests drive it with {@link WebhookDispatcher#runOnce()})
     * @throws IllegalArgumentException when a configured endpoint breaks a rule (the message names it)
     */
    public static Webhooks start(ReboundConfig.Webhooks config, WebhookStore store, Clock clock, String owner,
                                 MeterRegistry metrics, boolean runLoop) {
        EndpointRules rules = new EndpointRules(config.allowedNetworks());
        syncConfigured(config.endpoints(), store, rules, clock);
        WebhookDispatcher dispatcher = new WebhookDispatcher(store, new DeliveryPolicy(config.retrySchedule(), config.disableAfter()),
                clock, owner, config.timeout(), config.pollInterval(), config.batchSize(), metrics);
        if (runLoop) dispatcher.start();
        else dispatcher.releaseLeases();
        return new Webhooks(dispatcher, store, rules);
    }

    static void syncConfigured(List<ReboundConfig.WebhookEndpoint> configured, WebhookStore store, EndpointRules rules, Clock clock) {
        List<String> ids = new ArrayList<>();
        Instant now = clock.instant();
        for (ReboundConfig.WebhookEndpoint c : configured) {
            String key = "webhooks.endpoints[id=" + c.id() + "]";
            String url, secret;
            Optional<String> previous;
            List<String> types, streams;
            try {
                url = rules.url("url", c.url());
                secret = EndpointRules.secret("secret", c.secret());
                previous = c.previousSecret().isPresent() ? Optional.of(EndpointRules.secret("previous-secret", c.previousSecret().get())) : Optional.empty();
                types = EndpointRules.eventTypes("event-types", c.eventTypes());
                streams = EndpointRules.streams("streams", c.streams());
                EndpointRules.consistent(c.finalOnly(), types);
            } catch (EndpointRules.Invalid e) {
                throw new IllegalArgumentException("config " + key + "." + e.field.replace('_', '-') + ": "
                        + (e.value == null ? "" : "'" + e.value + "': ") + e.getMessage());
            }
            Optional<Endpoint> existing = store.endpoint(c.id());
            if (existing.isPresent() && !existing.get().source().equals("config"))
                throw new IllegalArgumentException("config " + key + ".id: an endpoint created through the API already has the id '" + c.id() + "'; choose another id");
            EndpointState state = EndpointState.ENABLED;
            String reason = "";
            if (!c.enabled()) {
                state = EndpointState.DISABLED;
                reason = CONFIG_DISABLED;
            } else if (existing.isPresent() && existing.get().state() == EndpointState.DISABLED && !existing.get().stateReason().equals(CONFIG_DISABLED)) {
                state = EndpointState.DISABLED; // disabled by the dispatcher or the API: re-enable there
                reason = existing.get().stateReason();
            }
            store.save(new Endpoint(c.id(), "config", url, secret, previous, previous.map(p -> ROTATION_WITHOUT_END), types, streams,
                    c.finalOnly(), state, reason, existing.flatMap(Endpoint::failingSince), "",
                    existing.map(Endpoint::createdAt).orElse(now), now));
            ids.add(c.id());
        }
        store.deleteConfiguredExcept(ids);
    }

    public WebhookDispatcher dispatcher() {
        return dispatcher;
    }

    /** The endpoints' tables (for the API's route class). */
    public WebhookStore store() {
        return store;
    }

    /** The URL and settings rules (for the API's route class). */
    public EndpointRules rules() {
        return rules;
    }

    /** Makes the dispatcher look now (after an API change, a redelivery or a replay). */
    public void wake() {
        dispatcher.wake();
    }

    @Override
    public void close() {
        dispatcher.close();
    }
}
