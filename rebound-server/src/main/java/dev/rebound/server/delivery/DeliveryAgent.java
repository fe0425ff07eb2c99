package dev.rebound.server.delivery;

import java.util.List;

/**
 * Delivers one transaction to the domain's MX hosts (or a configured route/relay) and reports per recipient.
 * Blocking: callers run it on a virtual thread. Never throws for delivery failures; every recipient of the
 * request gets exactly one {@link RecipientResult}, in request order.
 */
public interface DeliveryAgent extends AutoCloseable {
    List<RecipientResult> deliver(DeliveryRequest request);

    @Override
    default void close() {}
}
