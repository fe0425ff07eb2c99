package dev.rebound.server.testing;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.delivery.DeliveryRequest;
import dev.rebound.server.delivery.RecipientResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A DeliveryAgent for scheduler tests that do not exercise SMTP: each recipient's reply comes from a script
 * (address → replies in order; the last repeats). End-to-end tests use the real agent with FakeMx instead.
 */
public final class ScriptedAgent implements DeliveryAgent {
    private final Clock clock;
    private final Map<String, List<SmtpReply>> script = new ConcurrentHashMap<>();
    private final Map<String, Integer> calls = new ConcurrentHashMap<>();
    public final List<DeliveryRequest> requests = new CopyOnWriteArrayList<>();
    private Function<String, SmtpReply> fallback = r -> SmtpReply.of(250, "2.0.0 ok");

    public ScriptedAgent(Clock clock) {
        this.clock = clock;
    }

    public ScriptedAgent on(String address, SmtpReply... replies) {
        script.put(address, List.of(replies));
        return this;
    }

    @Override
    public List<RecipientResult> deliver(DeliveryRequest request) {
        requests.add(request);
        List<RecipientResult> out = new ArrayList<>();
        for (String r : request.recipients()) {
            int n = calls.merge(r, 1, Integer::sum) - 1;
            List<SmtpReply> s = script.get(r);
            SmtpReply reply = s == null ? fallback.apply(r) : s.get(Math.min(n, s.size() - 1));
            SmtpPhase phase = reply.code() >= 400 ? SmtpPhase.RCPT : SmtpPhase.END_OF_DATA;
            out.add(new RecipientResult(r, phase, reply, false, "mx.test", "127.0.0.1", clock.instant(), Duration.ofMillis(3)));
        }
        return out;
    }
}
