package dev.rebound.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the configuration: built-in defaults ({@code defaults.yaml} next to this class), then the YAML file,
 * then environment overrides. Every leaf key {@code a.b-c} can be overridden by {@code REBOUND_A_B_C}; lists are
 * comma separated ({@code REBOUND_DNS_SERVERS=127.0.0.1:5353}), maps are {@code key=value} pairs separated by
 * commas ({@code REBOUND_DELIVERY_ROUTES=example.test=127.0.0.1:2525}). Unknown keys and bad values are errors
 * that name the key, quote the value and say what is allowed.
 */
public final class ConfigLoader {
    /** Keys whose children are free-form (domain names), not fixed keys. */
    private static final Set<String> FREE_MAPS = Set.of("delivery.routes", "delivery.tls-policies", "smtp.auth.users", "bounces.notices");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Defaults plus environment only (no file). */
    public ReboundConfig load() {
        return load(null, false);
    }

    /**
     * @param file     the YAML file, or null for none
     * @param required when false a missing file is ignored (the default {@code rebound.yaml} is optional)
     */
    public ReboundConfig load(Path file, boolean required) {
        if (file == null) return load(null, "");
        if (!Files.exists(file)) {
            if (required) throw new ConfigException("config file " + file.toAbsolutePath() + " does not exist; pass an existing file or omit --config to use the built-in defaults");
            return load(null, "");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        return load(text, "config file " + file);
    }

    /** Parses YAML text over the defaults (for tests). */
    public ReboundConfig loadText(String yaml) {
        return load(yaml, "config text");
    }

    /**
     * The defaults, then {@code yaml} (null for none), then the environment, validated. Every problem is a
     * {@link ConfigException} naming the key, or {@code source} when the text is not a YAML mapping.
     */
    ReboundConfig load(String yaml, String source) {
        ObjectNode tree = defaults();
        if (yaml != null) {
            JsonNode user;
            try {
                user = YAML.readTree(yaml);
            } catch (JacksonException e) {
                throw new ConfigException(source + " cannot be read: " + e.getMessage());
            }
            if (user != null && !user.isNull() && !user.isMissingNode()) {
                if (!user.isObject()) throw new ConfigException(source + ": the top level must be a mapping of keys, got " + user.getNodeType());
                merge(tree, (ObjectNode) user, "");
            }
        }
        applyEnv(tree, "", tree);
        return bind(tree);
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return "REBOUND_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("built-in defaults.yaml missing from the jar", e);
        }
    }

    private static void merge(ObjectNode base, ObjectNode user, String prefix) {
        for (Map.Entry<String, JsonNode> e : user.properties()) {
            String key = prefix + e.getKey();
            JsonNode current = base.get(e.getKey());
            if (current == null && !FREE_MAPS.contains(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1))) {
                Set<String> known = new TreeSet<>(base.propertyNames());
                throw new ConfigException("unknown config key '" + key + "'; known keys" + (prefix.isEmpty() ? "" : " under '" + prefix.substring(0, prefix.length() - 1) + "'") + ": " + known);
            }
            if (current != null && current.isObject() && e.getValue().isObject() && !FREE_MAPS.contains(key)) {
                merge((ObjectNode) current, (ObjectNode) e.getValue(), key + ".");
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private void applyEnv(ObjectNode node, String prefix, ObjectNode root) {
        for (String name : new ArrayList<>(node.propertyNames())) {
            String key = prefix + name;
            JsonNode child = node.get(name);
            if (child.isObject() && !FREE_MAPS.contains(key)) {
                applyEnv((ObjectNode) child, key + ".", root);
                continue;
            }
            String value = env.get(envName(key));
            if (value == null) continue;
            JsonNodeFactory f = JsonNodeFactory.instance;
            if (child.isArray()) {
                ArrayNode list = f.arrayNode();
                for (String part : value.split(",")) if (!part.isBlank()) list.add(part.trim());
                node.set(name, list);
            } else if (FREE_MAPS.contains(key)) {
                ObjectNode map = f.objectNode();
                for (String part : value.split(",")) {
                    if (part.isBlank()) continue;
                    int eq = part.indexOf('=');
                    if (eq <= 0) throw ConfigException.bad(key + " (from " + envName(key) + ")", part, "write entries as key=value separated by commas, e.g. example.test=127.0.0.1:2525");
                    map.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
                }
                node.set(name, map);
            } else {
                node.put(name, value);
            }
        }
    }

    private static ReboundConfig bind(ObjectNode t) {
        String nodeId = string(t, "node.id");
        if (nodeId.isBlank()) {
            try {
                nodeId = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                nodeId = "rebound";
            }
        }
        var http = new ReboundConfig.Http(hostPort(t, "http.listen"), size(t, "http.max-body-size"));
        List<IpNetwork> nets = new ArrayList<>();
        for (String s : stringList(t, "smtp.relay-networks")) {
            IpNetwork n = IpNetwork.parseOrNull(s);
            if (n == null) throw ConfigException.bad("smtp.relay-networks", s, "expected an IP network in CIDR notation, e.g. 127.0.0.1/32 or 10.0.0.0/8");
            nets.add(n);
        }
        String cert = string(t, "smtp.tls.cert").trim(), key = string(t, "smtp.tls.key").trim();
        if (cert.isEmpty() != key.isEmpty())
            throw ConfigException.bad(cert.isEmpty() ? "smtp.tls.cert" : "smtp.tls.key", "", "smtp.tls.cert and smtp.tls.key go together: set both (PEM certificate chain and PKCS#8 PEM key) or neither");
        Optional<ReboundConfig.Tls> tls = cert.isEmpty() ? Optional.empty() : Optional.of(new ReboundConfig.Tls(Path.of(cert), Path.of(key)));
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        JsonNode u = at(t, "smtp.auth.users");
        if (u != null && !u.isNull()) {
            if (!u.isObject()) throw ConfigException.bad("smtp.auth.users", u, "expected a mapping of user name: password hash (print one with ./rebound hash-password)");
            for (Map.Entry<String, JsonNode> e : u.properties()) {
                String user = e.getKey().trim();
                PasswordHash hash = PasswordHash.parseOrNull(e.getValue().asString(""));
                if (user.isEmpty() || hash == null)
                    throw ConfigException.bad("smtp.auth.users." + e.getKey(), abbreviate(e.getValue().asString("")),
                            "expected pbkdf2-sha256$<iterations>$<salt>$<hash> as printed by ./rebound hash-password (never the password itself)");
                users.put(user, hash);
            }
        }
        if (!users.isEmpty() && tls.isEmpty())
            throw ConfigException.bad("smtp.auth.users", users.keySet(), "AUTH is offered only after STARTTLS, so smtp.tls.cert and smtp.tls.key must be set too");
        var smtp = new ReboundConfig.Smtp(hostPort(t, "smtp.listen"), List.copyOf(nets),
                (int) Math.min(Integer.MAX_VALUE, sizeIn(t, "smtp.max-message-size", 1024, 1L << 30)),
                intIn(t, "smtp.max-recipients", 1, 100_000), nonBlank(t, "smtp.hostname"), tls, Map.copyOf(users),
                smtpLimits(t), authLimits(t));
        String url = nonBlank(t, "store.url");
        if (url.startsWith("jdbc:postgresql:")) {
            if (url.length() == "jdbc:postgresql:".length() || url.equals("jdbc:postgresql://"))
                throw ConfigException.bad("store.url", url,
                        "expected jdbc:postgresql://<host>[:<port>]/<database>[?currentSchema=<schema>] (e.g. jdbc:postgresql://127.0.0.1:5432/rebound)");
        } else if (!url.startsWith("jdbc:sqlite:") || url.length() == "jdbc:sqlite:".length()) {
            throw ConfigException.bad("store.url", ReboundConfig.StoreSettings.redact(url),
                    "expected jdbc:sqlite:<file> (e.g. jdbc:sqlite:./data/rebound.db) or jdbc:postgresql://<host>[:<port>]/<database>");
        }
        String storeUser = string(t, "store.user").trim();
        String storePassword = string(t, "store.password");
        if (url.startsWith("jdbc:sqlite:") && (!storeUser.isEmpty() || !storePassword.isEmpty()))
            throw ConfigException.bad("store.user", storeUser.isEmpty() ? "***" : storeUser,
                    "store.user and store.password are for a jdbc:postgresql: store.url; a SQLite file has no login");
        var store = new ReboundConfig.StoreSettings(url, storeUser, storePassword, intIn(t, "store.read-connections", 1, 64));
        List<HostPort> servers = new ArrayList<>();
        for (String s : stringList(t, "dns.servers")) {
            HostPort hp = s.contains(":") && !s.contains("::") ? HostPort.parseOrNull(s) : HostPort.parseOrNull(s + ":53");
            if (s.startsWith("[")) hp = HostPort.parseOrNull(s);
            if (hp == null) throw ConfigException.bad("dns.servers", s, "expected an IP address with an optional port, e.g. 127.0.0.1 or 127.0.0.1:5353");
            servers.add(hp);
        }
        var dns = new ReboundConfig.Dns(List.copyOf(servers), duration(t, "dns.timeout"));
        JsonNode relayNode = at(t, "delivery.relay");
        Optional<HostPort> relay = Optional.empty();
        if (relayNode != null && !relayNode.isNull() && !relayNode.asString("").isBlank()) relay = Optional.of(hostPort(t, "delivery.relay"));
        Map<String, HostPort> routes = new LinkedHashMap<>();
        JsonNode r = at(t, "delivery.routes");
        if (r != null && !r.isNull()) {
            if (!r.isObject()) throw ConfigException.bad("delivery.routes", r, "expected a mapping of domain: host:port");
            for (Map.Entry<String, JsonNode> e : r.properties()) {
                String domain = e.getKey().trim().toLowerCase(Locale.ROOT);
                HostPort hp = HostPort.parseOrNull(e.getValue().asString(""));
                if (domain.isEmpty() || hp == null)
                    throw ConfigException.bad("delivery.routes." + e.getKey(), e.getValue().asString(""), "expected host:port, e.g. 127.0.0.1:2525");
                routes.put(domain, hp);
            }
        }
        Map<String, dev.rebound.core.tls.TlsMode> tlsPolicies = new LinkedHashMap<>();
        JsonNode tp = at(t, "delivery.tls-policies");
        if (tp != null && !tp.isNull()) {
            if (!tp.isObject()) throw ConfigException.bad("delivery.tls-policies", tp, "expected a mapping of domain: none | opportunistic | require | verify");
            for (Map.Entry<String, JsonNode> e : tp.properties()) {
                String domain = e.getKey().trim().toLowerCase(Locale.ROOT);
                if (!DOMAIN_NAME.matcher(domain).matches())
                    throw ConfigException.bad("delivery.tls-policies." + e.getKey(), e.getKey(), "expected a recipient domain name as the key, e.g. example.com: verify");
                tlsPolicies.put(domain, tlsMode("delivery.tls-policies." + e.getKey(), e.getValue().isContainer() ? e.getValue().toString() : e.getValue().asString("")));
            }
        }
        var delivery = new ReboundConfig.Delivery(relay, Map.copyOf(routes), nonBlank(t, "delivery.helo-name"),
                intIn(t, "delivery.mx-port", 1, 65535), tlsMode("delivery.tls", string(t, "delivery.tls")),
                Map.copyOf(tlsPolicies), bool(t, "delivery.mta-sts.enabled"), positive(t, "delivery.mta-sts.timeout"));
        List<Duration> schedule = new ArrayList<>();
        JsonNode sched = at(t, "retry.schedule");
        if (sched == null || !sched.isArray() || sched.isEmpty())
            throw ConfigException.bad("retry.schedule", sched, "expected a non-empty list of durations, e.g. [0s, 5m, 15m, 1h, 6h]");
        for (JsonNode d : sched) schedule.add(parseDuration("retry.schedule", d.asString("")));
        var retry = new ReboundConfig.Retry(List.copyOf(schedule), intIn(t, "retry.max-attempts", 1, 100), duration(t, "retry.max-age"));
        int minC = intIn(t, "throttle.min-concurrency", 1, 1000), initC = intIn(t, "throttle.initial-concurrency", 1, 1000),
                maxC = intIn(t, "throttle.max-concurrency", 1, 1000);
        if (!(minC <= initC && initC <= maxC))
            throw ConfigException.bad("throttle.initial-concurrency", initC, "it must lie between throttle.min-concurrency (" + minC + ") and throttle.max-concurrency (" + maxC + ")");
        String mps = string(t, "throttle.messages-per-second").trim();
        double rate;
        try {
            rate = Double.parseDouble(mps);
        } catch (NumberFormatException e) {
            rate = -1;
        }
        if (!(rate >= 0 && rate <= 1_000_000) || mps.isEmpty())
            throw ConfigException.bad("throttle.messages-per-second", mps, "expected a number of messages per second per domain from 0 (no limit) to 1000000, e.g. 10 or 0.5");
        var throttle = new ReboundConfig.Throttle(initC, minC, maxC, rate, intIn(t, "throttle.burst", 1, 1_000_000));
        var scheduler = new ReboundConfig.Scheduler(duration(t, "scheduler.poll-interval"), duration(t, "scheduler.lease"),
                intIn(t, "scheduler.batch-size", 1, 100_000), intIn(t, "scheduler.max-leased-per-domain", 0, 100_000));
        Duration heartbeat = duration(t, "node.heartbeat-interval");
        if (heartbeat.toMillis() < 100)
            throw ConfigException.bad("node.heartbeat-interval", string(t, "node.heartbeat-interval"), "expected at least 100ms, e.g. 5s");
        // the heartbeat renews the leases in flight: it must come round several times within one lease
        if (heartbeat.multipliedBy(3).compareTo(scheduler.lease()) > 0)
            throw ConfigException.bad("node.heartbeat-interval", string(t, "node.heartbeat-interval"),
                    "expected at most a third of scheduler.lease (" + string(t, "scheduler.lease") + "), since each heartbeat renews the leases in flight");
        var node = new ReboundConfig.Node(nodeId, heartbeat, intIn(t, "node.dead-after-missed", 1, 1000));
        List<String> keys = stringList(t, "api.keys");
        for (String k : keys) if (k.length() < 16) throw ConfigException.bad("api.keys", k.substring(0, Math.min(4, k.length())) + "...", "API keys must be at least 16 characters");
        return new ReboundConfig(node, http, smtp, store, dns, delivery, retry, throttle, scheduler,
                new ReboundConfig.Api(List.copyOf(keys)), providers(t), bounces(t), webhooks(t), suppressionPolicy(t),
                new ReboundConfig.Suppression(duration(t, "suppression.release-window")), monitor(t));
    }

    /** {@code suppression.policy.*}: the core suppression policy's thresholds and expiries (its own checks apply too). */
    private static dev.rebound.core.policy.SuppressionConfig suppressionPolicy(JsonNode t) {
        String p = "suppression.policy.";
        String share = string(t, p + "breaker-failure-share").trim();
        double breakerShare;
        try {
            breakerShare = Double.parseDouble(share);
        } catch (NumberFormatException e) {
            breakerShare = -1;
        }
        if (!(breakerShare > 0 && breakerShare <= 1))
            throw ConfigException.bad(p + "breaker-failure-share", share, "expected a share of the domain's recipients above 0 and at most 1, e.g. 0.5");
        return new dev.rebound.core.policy.SuppressionConfig(positive(t, p + "user-unknown-expiry"), positive(t, p + "has-moved-expiry"),
                positive(t, p + "host-unknown-expiry"), positive(t, p + "not-accept-expiry"), positive(t, p + "complaint-expiry"),
                softCount(t, p + "soft-review-messages"), positive(t, p + "soft-review-span"),
                softCount(t, p + "soft-suppress-messages"), positive(t, p + "soft-suppress-span"),
                softCount(t, p + "mailbox-full-messages"), positive(t, p + "mailbox-full-span"),
                positive(t, p + "soft-suppress-expiry"), positive(t, p + "soft-evidence-window"),
                breakerShare, intIn(t, p + "breaker-min-recipients", 1, 1_000_000), duration(t, p + "provisional-hold"));
    }

    /** A count of soft failures: at least 2, so that one soft bounce never suppresses. */
    private static int softCount(JsonNode t, String key) {
        String s = string(t, key).trim();
        try {
            int v = Integer.parseInt(s);
            if (v >= 2 && v <= 1000) return v;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ConfigException.bad(key, s, "expected a whole number of messages from 2 to 1000 (one soft bounce never suppresses)");
    }

    /** {@code monitor.*}: rates and alerts. */
    private static ReboundConfig.Monitor monitor(JsonNode t) {
        Duration window = positive(t, "monitor.window");
        if (window.toMinutes() < 5 || window.compareTo(Duration.ofDays(1)) > 0)
            throw ConfigException.bad("monitor.window", string(t, "monitor.window"), "expected a window from 5m to 1d, e.g. 1h");
        Duration baseline = positive(t, "monitor.baseline");
        if (baseline.compareTo(window) <= 0 || baseline.compareTo(Duration.ofDays(90)) > 0)
            throw ConfigException.bad("monitor.baseline", string(t, "monitor.baseline"), "expected a duration longer than monitor.window and at most 90d, e.g. 7d");
        Duration interval = positive(t, "monitor.interval");
        if (interval.compareTo(Duration.ofSeconds(10)) < 0)
            throw ConfigException.bad("monitor.interval", string(t, "monitor.interval"), "expected at least 10s, e.g. 1m");
        double hw = fraction(t, "monitor.ceilings.hard-bounce-warn"), hc = fraction(t, "monitor.ceilings.hard-bounce-critical");
        double cw = fraction(t, "monitor.ceilings.complaint-warn"), cc = fraction(t, "monitor.ceilings.complaint-critical");
        if (hc < hw) throw ConfigException.bad("monitor.ceilings.hard-bounce-critical", hc, "it must not be below monitor.ceilings.hard-bounce-warn (" + hw + ")");
        if (cc < cw) throw ConfigException.bad("monitor.ceilings.complaint-critical", cc, "it must not be below monitor.ceilings.complaint-warn (" + cw + ")");
        List<String> pause = stringList(t, "monitor.pause-on-critical");
        for (String k : pause)
            if (!k.equals("domain") && !k.equals("stream"))
                throw ConfigException.bad("monitor.pause-on-critical", k, "expected a list of scope kinds to pause on a critical alert: domain, stream (empty: never pause)");
        return new ReboundConfig.Monitor(bool(t, "monitor.enabled"), interval, window, baseline, hw, hc, cw, cc, List.copyOf(pause),
                intIn(t, "monitor.top-domains", 0, 1000));
    }

    /** A rate as a fraction in (0, 1], e.g. 0.05 for 5 %. */
    private static double fraction(JsonNode t, String key) {
        String s = string(t, key).trim();
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (!(v > 0 && v <= 1)) throw ConfigException.bad(key, s, "expected a rate as a fraction above 0 and at most 1, e.g. 0.05 for 5 %");
        return v;
    }

    private static final Pattern DOMAIN_NAME = Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    /** {@code providers.*}: each provider is configured only when its key material is given. */
    private static ReboundConfig.Providers providers(JsonNode t) {
        String stream = nonBlank(t, "providers.default-stream");
        if (!StreamName.valid(stream)) throw ConfigException.bad("providers.default-stream", stream, StreamName.EXPECTED);
        var w = dev.rebound.core.events.WebhookSettings.none();
        List<String> topics = stringList(t, "providers.ses.topic-arns");
        for (String arn : topics)
            if (!arn.matches("arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}"))
                throw ConfigException.bad("providers.ses.topic-arns", arn, "expected an SNS topic ARN, e.g. arn:aws:sns:us-east-1:123456789012:ses-feedback");
        if (!topics.isEmpty())
            w = w.withSes(new dev.rebound.core.events.WebhookSettings.Sns(Set.copyOf(topics), positive(t, "providers.ses.max-age"), Duration.ofMinutes(5)));
        List<String> sendgrid = stringList(t, "providers.sendgrid.public-keys");
        for (String k : sendgrid) {
            try {
                java.security.KeyFactory.getInstance("EC").generatePublic(new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder().decode(k)));
            } catch (IllegalArgumentException | java.security.GeneralSecurityException e) {
                throw ConfigException.bad("providers.sendgrid.public-keys", k.length() > 12 ? k.substring(0, 12) + "..." : k,
                        "expected the Signed Event Webhook verification key as SendGrid shows it (base64 of an ECDSA P-256 public key, starting MFkw...)");
            }
        }
        if (!sendgrid.isEmpty())
            w = w.withSendGrid(new dev.rebound.core.events.WebhookSettings.SendGrid(sendgrid, positive(t, "providers.sendgrid.tolerance")));
        List<String> mailgun = stringList(t, "providers.mailgun.signing-keys");
        if (!mailgun.isEmpty()) {
            for (String k : mailgun) if (k.isBlank()) throw ConfigException.bad("providers.mailgun.signing-keys", k, "a signing key must not be empty");
            w = w.withMailgun(new dev.rebound.core.events.WebhookSettings.Mailgun(mailgun, positive(t, "providers.mailgun.tolerance")));
        }
        Optional<dev.rebound.core.events.WebhookSettings.BasicAuth> postmark = basic(t, "providers.postmark");
        if (postmark.isPresent()) w = w.withPostmark(postmark.get());
        Optional<dev.rebound.core.events.WebhookSettings.BasicAuth> sparkpost = basic(t, "providers.sparkpost");
        if (sparkpost.isPresent()) w = w.withSparkPost(sparkpost.get());
        return new ReboundConfig.Providers(w, stream, bool(t, "providers.ses.confirm-subscriptions"));
    }

    private static Optional<dev.rebound.core.events.WebhookSettings.BasicAuth> basic(JsonNode t, String prefix) {
        String user = string(t, prefix + ".user").trim();
        String password = string(t, prefix + ".password");
        if (user.isEmpty() && password.isEmpty()) return Optional.empty();
        if (user.isEmpty() || user.contains(":"))
            throw ConfigException.bad(prefix + ".user", user, "set the user name of the webhook's HTTP Basic credentials (no ':'), together with " + prefix + ".password");
        if (password.isEmpty())
            throw ConfigException.bad(prefix + ".password", "", "set the password of the webhook's HTTP Basic credentials, together with " + prefix + ".user");
        return Optional.of(new dev.rebound.core.events.WebhookSettings.BasicAuth(user, password));
    }

    private static final Pattern ENDPOINT_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Set<String> ENDPOINT_KEYS = Set.of("id", "url", "secret", "previous-secret", "event-types", "streams", "final-only", "enabled");

    /** {@code webhooks.*}; endpoint URLs and event types are checked again by the webhooks package at start. */
    private static ReboundConfig.Webhooks webhooks(JsonNode t) {
        List<Duration> schedule = new ArrayList<>();
        JsonNode sched = at(t, "webhooks.retry-schedule");
        if (sched == null || !sched.isArray() || sched.isEmpty())
            throw ConfigException.bad("webhooks.retry-schedule", sched, "expected a non-empty list of durations, e.g. [5s, 5m, 30m, 2h, 5h, 10h, 10h]");
        for (JsonNode d : sched) schedule.add(parseDuration("webhooks.retry-schedule", d.asString("")));
        List<IpNetwork> nets = new ArrayList<>();
        for (String s : stringList(t, "webhooks.allowed-networks")) {
            IpNetwork n = IpNetwork.parseOrNull(s);
            if (n == null) throw ConfigException.bad("webhooks.allowed-networks", s, "expected an IP network in CIDR notation, e.g. 10.0.0.0/8");
            nets.add(n);
        }
        List<ReboundConfig.WebhookEndpoint> endpoints = new ArrayList<>();
        JsonNode list = at(t, "webhooks.endpoints");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) throw ConfigException.bad("webhooks.endpoints", list, "expected a list of endpoints, each with id, url and secret");
            Set<String> ids = new TreeSet<>();
            int i = 0;
            for (JsonNode e : list) {
                String key = "webhooks.endpoints[" + i++ + "]";
                if (!e.isObject()) throw ConfigException.bad(key, e, "expected a mapping with id, url and secret");
                for (String k : e.propertyNames())
                    if (!ENDPOINT_KEYS.contains(k)) throw new ConfigException("unknown config key '" + key + "." + k + "'; known keys: " + new TreeSet<>(ENDPOINT_KEYS));
                String id = string(e, "id").trim();
                if (!ENDPOINT_ID.matcher(id).matches()) throw ConfigException.bad(key + ".id", id, "an endpoint id is 1-64 characters of a-z, 0-9, '_', '.', '-'");
                if (!ids.add(id)) throw ConfigException.bad(key + ".id", id, "endpoint ids must be unique");
                String url = nonBlank(e, "url");
                String secret = nonBlank(e, "secret");
                String previous = string(e, "previous-secret").trim();
                String finalOnly = string(e, "final-only").trim();
                String enabled = string(e, "enabled").trim();
                endpoints.add(new ReboundConfig.WebhookEndpoint(id, url, secret, previous.isEmpty() ? Optional.empty() : Optional.of(previous),
                        stringList(e, "event-types"), stringList(e, "streams"), finalOnly.isEmpty() || bool(e, "final-only"),
                        enabled.isEmpty() || bool(e, "enabled")));
            }
        }
        return new ReboundConfig.Webhooks(List.copyOf(endpoints), List.copyOf(schedule), positive(t, "webhooks.timeout"),
                positive(t, "webhooks.disable-after"), List.copyOf(nets), positive(t, "webhooks.poll-interval"),
                intIn(t, "webhooks.batch-size", 1, 10_000));
    }

    private static ReboundConfig.Bounces bounces(JsonNode t) {
        String domain = string(t, "bounces.domain").trim().toLowerCase(Locale.ROOT);
        if (!domain.isEmpty() && !DOMAIN_NAME.matcher(domain).matches())
            throw ConfigException.bad("bounces.domain", domain, "expected a domain name whose MX points at Rebound's SMTP listener, e.g. bounces.example.com (empty turns VERP off)");
        Map<String, ReboundConfig.Notices> notices = new LinkedHashMap<>();
        JsonNode n = at(t, "bounces.notices");
        if (n != null && !n.isNull()) {
            if (!n.isObject()) throw ConfigException.bad("bounces.notices", n, "expected a mapping of stream: failures | delays | off");
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                String stream = e.getKey().trim();
                if (!StreamName.valid(stream)) throw ConfigException.bad("bounces.notices." + e.getKey(), stream, StreamName.EXPECTED);
                String v = e.getValue().asString("").trim().toLowerCase(Locale.ROOT);
                switch (v) {
                    case "failures" -> notices.put(stream, ReboundConfig.Notices.FAILURES);
                    case "delays" -> notices.put(stream, ReboundConfig.Notices.DELAYS);
                    case "off", "" -> { }
                    default -> throw ConfigException.bad("bounces.notices." + stream, v,
                            "expected failures (final failures only), delays (also a recipient's first deferral) or off");
                }
            }
        }
        return new ReboundConfig.Bounces(domain, Map.copyOf(notices));
    }

    private static ReboundConfig.SmtpLimits smtpLimits(JsonNode t) {
        int max = intIn(t, "smtp.limits.max-connections", 1, 1_000_000);
        int perClient = intIn(t, "smtp.limits.max-connections-per-client", 1, 1_000_000);
        int reserved = intIn(t, "smtp.limits.reserved-connections", 0, 1_000_000);
        if (reserved >= max)
            throw ConfigException.bad("smtp.limits.reserved-connections", reserved, "it must be smaller than smtp.limits.max-connections (" + max
                    + "), or no client outside smtp.relay-networks could connect");
        Duration idle = positive(t, "smtp.limits.idle-timeout");
        Duration session = positive(t, "smtp.limits.max-session-time");
        Duration data = positive(t, "smtp.limits.data-timeout");
        for (var e : Map.of("smtp.limits.idle-timeout", idle, "smtp.limits.max-session-time", session, "smtp.limits.data-timeout", data).entrySet())
            if (e.getValue().toMillis() > Integer.MAX_VALUE) throw ConfigException.bad(e.getKey(), string(t, e.getKey()), "expected at most 24d");
        return new ReboundConfig.SmtpLimits(max, perClient, reserved, idle, intIn(t, "smtp.limits.max-junk-commands", 1, 1_000_000),
                session, data, intIn(t, "smtp.limits.min-data-rate", 0, 1_000_000_000));
    }

    private static ReboundConfig.AuthLimits authLimits(JsonNode t) {
        int checks = intIn(t, "smtp.auth.max-concurrent-checks", 0, 4096);
        if (checks == 0) checks = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        return new ReboundConfig.AuthLimits(intIn(t, "smtp.auth.max-failures", 1, 1_000_000), positive(t, "smtp.auth.failure-window"),
                checks, duration(t, "smtp.auth.failure-delay"), duration(t, "smtp.auth.cache-ttl"));
    }

    private static boolean bool(JsonNode t, String key) {
        String s = string(t, key).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off", "" -> false;
            default -> throw ConfigException.bad(key, s, "expected true or false");
        };
    }

    private static Duration positive(JsonNode t, String key) {
        Duration d = duration(t, key);
        if (d.isZero() || d.isNegative()) throw ConfigException.bad(key, string(t, key), "expected a positive duration, e.g. 5m");
        return d;
    }

    /** A bad value that may be a secret: quoted by its first characters only. */
    private static String abbreviate(String s) {
        return s.length() <= 8 ? s.isEmpty() ? "" : s.charAt(0) + "..." : s.substring(0, 8) + "...";
    }

    private static JsonNode at(JsonNode t, String key) {
        JsonNode n = t;
        for (String part : key.split("\\.")) {
            if (n == null) return null;
            n = n.get(part);
        }
        return n;
    }

    private static String string(JsonNode t, String key) {
        JsonNode n = at(t, key);
        if (n == null || n.isNull()) return "";
        if (n.isContainer()) throw ConfigException.bad(key, n, "expected a single value, not a list or mapping");
        return n.asString("");
    }

    private static String nonBlank(JsonNode t, String key) {
        String s = string(t, key).trim();
        if (s.isEmpty()) throw ConfigException.bad(key, s, "it must not be empty");
        return s;
    }

    private static dev.rebound.core.tls.TlsMode tlsMode(String key, String value) {
        try {
            return dev.rebound.core.tls.TlsMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw ConfigException.bad(key, value.trim().toLowerCase(Locale.ROOT), "expected one of none, opportunistic (STARTTLS when offered, any certificate), "
                    + "require (STARTTLS must succeed, any certificate), verify (STARTTLS with a certificate valid for the MX host)");
        }
    }

    private static List<String> stringList(JsonNode t, String key) {
        JsonNode n = at(t, key);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (!n.isArray()) {
            for (String part : n.asString("").split(",")) if (!part.isBlank()) out.add(part.trim());
            return out;
        }
        for (JsonNode e : n) out.add(e.asString("").trim());
        return out;
    }

    private static HostPort hostPort(JsonNode t, String key) {
        String s = string(t, key);
        HostPort hp = HostPort.parseOrNull(s);
        if (hp == null) throw ConfigException.bad(key, s, "expected host:port, e.g. 127.0.0.1:8080 ([::1]:8080 for IPv6; port 0 picks a free port)");
        return hp;
    }

    private static int intIn(JsonNode t, String key, int min, int max) {
        String s = string(t, key).trim();
        try {
            int v = Integer.parseInt(s);
            if (v < min || v > max) throw ConfigException.bad(key, s, "expected a whole number from " + min + " to " + max);
            return v;
        } catch (NumberFormatException e) {
            throw ConfigException.bad(key, s, "expected a whole number from " + min + " to " + max);
        }
    }

    private static long size(JsonNode t, String key) {
        return sizeIn(t, key, 1, Long.MAX_VALUE);
    }

    private static long sizeIn(JsonNode t, String key, long min, long max) {
        String s = string(t, key).trim();
        Matcher m = SIZE.matcher(s);
        String allowed = "expected a size in bytes from " + min + " to " + max + ", optionally with KB, MB or GB (e.g. 25MB)";
        if (!m.matches()) throw ConfigException.bad(key, s, allowed);
        long v;
        try {
            v = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw ConfigException.bad(key, s, allowed);
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        v *= switch (unit) { case "KB" -> 1024L; case "MB" -> 1024L * 1024; case "GB" -> 1024L * 1024 * 1024; default -> 1L; };
        if (v < min || v > max) throw ConfigException.bad(key, s, allowed);
        return v;
    }

    private static Duration duration(JsonNode t, String key) {
        return parseDuration(key, string(t, key));
    }

    static Duration parseDuration(String key, String text) {
        String s = text.trim();
        String allowed = "expected a duration such as 500ms, 30s, 5m, 1h, 2d or ISO-8601 PT5M";
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            try {
                long v = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(v);
                    case "s" -> Duration.ofSeconds(v);
                    case "m" -> Duration.ofMinutes(v);
                    case "h" -> Duration.ofHours(v);
                    default -> Duration.ofDays(v);
                };
            } catch (NumberFormatException | ArithmeticException e) { // more digits than a long, or past Duration's range
                throw ConfigException.bad(key, s, allowed);
            }
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative()) throw ConfigException.bad(key, s, allowed);
            return d;
        } catch (DateTimeParseException e) {
            throw ConfigException.bad(key, s, allowed);
        }
    }
}
