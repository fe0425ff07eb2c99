package dev.rebound.server.webhooks;

import dev.rebound.server.config.IpNetwork;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks of endpoint settings, each answering what is wrong and what to do. URL rule: {@code https://} to any
 * host; {@code http://} only when every address of the host is loopback or in {@code webhooks.allowed-networks}
 * (signed events in clear text stay on the machine or a network the operator named). Secrets are Standard
 * Webhooks {@code whsec_} + base64 of 24 to 64 bytes; new ones are 32 random bytes.
 */
public final class EndpointRules {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern STREAM = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

    private final List<IpNetwork> allowedNetworks;

    public EndpointRules(List<IpNetwork> allowedNetworks) {
        this.allowedNetworks = List.copyOf(allowedNetworks);
    }

    /** A setting that breaks a rule: the field, the value and what is allowed. */
    public static final class Invalid extends Exception {
        public final String field;
        public final String value;

        public Invalid(String field, String value, String message) {
            super(message);
            this.field = field;
            this.value = value;
        }
    }

    /** Resolves the host (DNS, when it is a name) to apply the http rule. */
    public String url(String field, String url) throws Invalid {
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new Invalid(field, url, "not a URL: " + e.getReason() + "; expected https://host/path");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || u.getHost().isEmpty() || !(scheme.equals("https") || scheme.equals("http")))
            throw new Invalid(field, url, "expected an absolute https:// URL with a host, e.g. https://app.example.com/rebound-events");
        if (u.getUserInfo() != null) throw new Invalid(field, url, "credentials in the URL are not sent; the signature authenticates the request");
        if (u.getFragment() != null) throw new Invalid(field, url, "a URL fragment is never sent to the server; remove the #part");
        if (scheme.equals("http")) {
            InetAddress[] all;
            try {
                all = InetAddress.getAllByName(u.getHost());
            } catch (UnknownHostException e) {
                throw new Invalid(field, url, "the host " + u.getHost() + " does not resolve; http:// is allowed only to loopback or webhooks.allowed-networks, use https:// otherwise");
            }
            for (InetAddress a : all) {
                if (a.isLoopbackAddress()) continue;
                if (allowedNetworks.stream().anyMatch(n -> n.contains(a))) continue;
                throw new Invalid(field, url, "http:// sends signed events in clear text: allowed only to loopback or webhooks.allowed-networks "
                        + allowedNetworks + ", and " + u.getHost() + " resolves to " + a.getHostAddress() + "; use https://");
            }
        }
        return u.toString();
    }

    public static String secret(String field, String secret) throws Invalid {
        String s = secret.trim();
        if (!s.startsWith("whsec_")) throw new Invalid(field, abbreviate(s), "expected whsec_ followed by base64 of 24 to 64 random bytes (omit it to have one generated)");
        byte[] key;
        try {
            key = Base64.getDecoder().decode(s.substring(6));
        } catch (IllegalArgumentException e) {
            throw new Invalid(field, abbreviate(s), "the part after whsec_ is not base64");
        }
        if (key.length < 24 || key.length > 64) throw new Invalid(field, abbreviate(s), "the key is " + key.length + " bytes; use 24 to 64");
        return s;
    }

    public static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "whsec_" + Base64.getEncoder().encodeToString(b);
    }

    public static List<String> eventTypes(String field, List<String> types) throws Invalid {
        for (String t : types)
            if (!EventTypes.ALL.contains(t)) throw new Invalid(field, t, "unknown event type; known: " + EventTypes.ALL);
        return List.copyOf(types);
    }

    public static List<String> streams(String field, List<String> streams) throws Invalid {
        for (String s : streams)
            if (!STREAM.matcher(s).matches()) throw new Invalid(field, s, "a stream name is 1-64 characters of a-z, 0-9, '_', '.', '-'");
        return List.copyOf(streams);
    }

    /** Final-only endpoints with a type filter naming a non-final type would never get it: refused, not ignored. */
    public static void consistent(boolean finalOnly, List<String> types) throws Invalid {
        Optional<String> nonFinal = types.stream().filter(t -> !EventTypes.isFinal(t)).findFirst();
        if (finalOnly && nonFinal.isPresent())
            throw new Invalid("event_types", nonFinal.get(), "a final-only endpoint never gets '" + nonFinal.get() + "'; set final_only to false or drop it");
    }

    private static String abbreviate(String s) {
        return s.length() <= 10 ? s.isEmpty() ? "" : s.substring(0, Math.min(6, s.length())) + "..." : s.substring(0, 10) + "...";
    }
}
