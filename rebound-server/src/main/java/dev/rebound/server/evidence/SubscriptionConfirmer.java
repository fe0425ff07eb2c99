package dev.rebound.server.evidence;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Confirms an SNS subscription by GET of its SubscribeURL (host already checked by the core verifier to be
 * {@code sns.<region>.amazonaws.com}, topic allow-listed, signature verified). Off by default
 * ({@code providers.ses.confirm-subscriptions}): then the URL is only logged and shown by
 * {@code GET /v1/providers/ses/subscriptions} for an operator to open.
 */
@FunctionalInterface
public interface SubscriptionConfirmer {
    /** @return a short result for the log ("confirmed: 200", "failed: ...") */
    String confirm(String subscribeUrl);

    /** The default: nothing is fetched. */
    SubscriptionConfirmer OFF = url -> "not confirmed automatically (providers.ses.confirm-subscriptions is false)";

    /** An HTTPS GET with the JDK client, no redirects. */
    static SubscriptionConfirmer overHttps() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        return url -> {
            URI u = URI.create(url);
            if (!"https".equals(u.getScheme())) return "failed: not https";
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return (r.statusCode() == 200 ? "confirmed: " : "failed: HTTP ") + r.statusCode();
            } catch (IOException e) {
                return "failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "failed: interrupted";
            }
        };
    }
}
