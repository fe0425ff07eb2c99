package dev.rebound.server.api;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.ServiceHarness;
import dev.rebound.server.testing.SmtpWire;
import dev.rebound.server.testing.WebhookReceiver;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The web dashboard in a real browser (Debian's chromium driven by Playwright) against the running service: real
 * SQLite store, HTTP on a real socket, SMTP delivery to a {@link FakeMx} that delivers, bounces and defers, and a
 * {@link WebhookReceiver} taking the outbound webhooks. Each test opens a fresh browser context (an empty
 * sessionStorage, so a fresh login) and asserts what a person sees: headings, table rows, reply lines, messages.
 *
 * <p>With {@code -Drebound.screenshots=DIR} the overview and message tests also write {@code overview.png} and
 * {@code message.png} there (how the README's screenshots under {@code docs/screenshots} are made).
 */
class DashboardBrowserTest {
    static final String KEY = "dashboard-test-key-0123456789abcdef";
    static final String DELIVERED = "alice@example.test", BOUNCED = "bob@example.test", DEFERRED = "carol@example.test";
    static final String SUPPRESSED_TOO = "dave@example.test";
    static final String BOUNCES = "bounces.rebound.test";
    /** Volume for the rates: 200 recipients, 30 of them unknown (15 % hard bounces, over SES's 10 % line). */
    static final String BULK = "bulk.test";
    /** A domain whose MX refuses connections: five messages make it dead on this node's throttle. */
    static final String DOWN = "down.test";
    /** A domain where every address bounces: past 20 recipients in the hour the circuit breaker turns suppressions into reviews. */
    static final String BREAKER = "breaker.test";

    @TempDir static Path dir;
    static FakeMx mx;
    static WebhookReceiver receiver;
    static ServiceHarness h;
    static Playwright playwright;
    static Browser browser;
    static String messageId, headerMessageId, endpointId;

    BrowserContext context;
    final List<String> scriptErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    Page page;

    @BeforeAll
    static void start() throws Exception {
        mx = FakeMx.start();
        mx.script().reply("RCPT TO:<" + BOUNCED + ">", "550 5.1.1 <" + BOUNCED + ">: Recipient address rejected: User unknown in virtual mailbox table")
                .reply("RCPT TO:<" + SUPPRESSED_TOO + ">", "550 5.1.1 The email account that you tried to reach does not exist")
                .reply("RCPT TO:<" + DEFERRED + ">", "451 4.2.1 Mailbox busy, try again later\n");
        for (int i = 0; i < 30; i++) mx.script().reply("RCPT TO:<r" + i + "@" + BULK + ">", "550 5.1.1 Unknown recipient");
        for (int i = 0; i < 24; i++) mx.script().reply("RCPT TO:<user" + i + "@" + BREAKER + ">", "550 5.1.1 No such user here");
        receiver = WebhookReceiver.start();
        Map<String, String> env = new HashMap<>();
        env.put("REBOUND_API_KEYS", KEY);
        // the provisional hold off: hard bounces suppress at once (the pages show SUPPRESSED entries and the breaker's reviews)
        env.put("REBOUND_SUPPRESSION_POLICY_PROVISIONAL_HOLD", "0s");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens there once closed: connection refused
        }
        env.put("REBOUND_DELIVERY_ROUTES", "example.test=127.0.0.1:" + mx.port() + "," + BULK + "=127.0.0.1:" + mx.port() + "," + DOWN + "=127.0.0.1:" + closed + "," + BREAKER + "=127.0.0.1:" + mx.port());
        env.put("REBOUND_DELIVERY_TLS", "none");
        env.put("REBOUND_RETRY_SCHEDULE", "0s,1h,4h");
        env.put("REBOUND_WEBHOOKS_POLL_INTERVAL", "200ms");
        env.put("REBOUND_BOUNCES_DOMAIN", BOUNCES);
        h = ServiceHarness.withRealDelivery(dir, Clock.systemUTC(), true, env);

        var ep = h.post("/v1/webhooks", "{\"url\":\"" + receiver.url() + "\",\"final_only\":false,\"description\":\"billing app\"}", auth());
        assertThat(ep.status()).as(ep.raw().body()).isEqualTo(201);
        endpointId = ep.json().get("id").asString();
        receiver.secrets(ep.json().get("secret").asString());

        var m = h.post("/v1/messages", "{\"from\":\"App <app@sender.test>\",\"to\":[\"" + DELIVERED + "\",\"" + BOUNCED + "\",\"" + DEFERRED
                + "\",\"" + SUPPRESSED_TOO + "\"],\"subject\":\"Your receipt\",\"text\":\"Thanks\"}", auth());
        assertThat(m.status()).as(m.raw().body()).isEqualTo(202);
        messageId = m.json().get("id").asString();
        for (int i = 0; i < 3; i++) {
            var other = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"user" + i + "@example.test\"],\"subject\":\"Code\",\"text\":\"" + i + "\"}", auth());
            assertThat(other.status()).isEqualTo(202);
        }
        for (int i = 0; i < 24; i++) {
            var b = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"user" + i + "@" + BREAKER + "\"],\"subject\":\"Hi\",\"text\":\"x\"}", auth());
            assertThat(b.status()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> h.get("/v1/messages?state=BOUNCED_HARD&limit=500", auth()).json().get("count").asInt() >= 25);
        await().atMost(Duration.ofSeconds(10)).until(() -> h.get("/v1/suppressions/review", auth()).json().get("count").asInt() >= 1);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 200; i++) bulk.append(i == 0 ? "" : ",").append("\"r").append(i).append("@").append(BULK).append("\"");
        assertThat(h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[" + bulk + "],\"subject\":\"News\",\"text\":\"x\"}", auth()).status())
                .isEqualTo(202);
        for (int i = 0; i < 5; i++) {
            var down = h.post("/v1/messages", "{\"from\":\"app@sender.test\",\"to\":[\"user" + i + "@" + DOWN + "\"],\"subject\":\"Hi\",\"text\":\"x\"}", auth());
            assertThat(down.status()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> h.get("/v1/messages?address=r199@" + BULK, auth()).json().get("messages").get(0)
                .get("recipients").get(199).get("state").asString().equals("DELIVERED")
                && h.get("/v1/messages?state=DEFERRED&limit=500", auth()).json().get("count").asInt() == 6);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode v = h.get("/v1/messages/" + messageId, auth()).json();
            return state(v, DELIVERED).equals("DELIVERED") && state(v, BOUNCED).equals("BOUNCED_HARD")
                    && state(v, DEFERRED).equals("DEFERRED") && state(v, SUPPRESSED_TOO).equals("BOUNCED_HARD");
        });
        headerMessageId = h.get("/v1/messages/" + messageId, auth()).json().get("message_id_header").asString();
        // alice, delivered, then complains through her provider's feedback loop (an RFC 5965 report to the bounce address)
        try (SmtpWire w = new SmtpWire(h.service.smtpPort())) {
            assertThat(w.reply()).startsWith("220");
            assertThat(w.send("EHLO fbl.isp.test\r\n")).startsWith("250");
            assertThat(w.send("MAIL FROM:<>\r\n")).startsWith("250");
            assertThat(w.send("RCPT TO:<bounces@" + BOUNCES + ">\r\n")).startsWith("250");
            assertThat(w.send("DATA\r\n")).startsWith("354");
            assertThat(w.send(complaint(DELIVERED, headerMessageId) + ".\r\n")).startsWith("250");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> state(h.get("/v1/messages/" + messageId, auth()).json(), DELIVERED).equals("COMPLAINT"));
        // every event of the seeding has reached the application once
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.accepted().size() >= 8
                && h.get("/v1/webhooks/" + endpointId, auth()).json().get("pending").asInt() == 0);

        h.service.alerts().evaluate(); // the minute's evaluation, now: the hard-bounce rate is over SES's line
        assertThat(api("/v1/alerts?state=open").get("alerts")).isNotEmpty();

        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Paths.get(System.getProperty("rebound.chromium", "/usr/bin/chromium"))).setHeadless(true)
                .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
    }

    /** An abuse report (RFC 5965 ARF) about {@code rcpt} and the message {@code messageId}. */
    static String complaint(String rcpt, String messageId) {
        return "From: fbl@isp.test\r\nTo: bounces@" + BOUNCES + "\r\nDate: Fri, 4 Dec 2026 09:00:00 +0000\r\n"
                + "Subject: Email Feedback Report\r\nMessage-ID: <fbl-1@isp.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=feedback-report; boundary=\"fbl\"\r\n\r\n"
                + "--fbl\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis is an email abuse report.\r\n\r\n"
                + "--fbl\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: ISP-FBL/1.0\r\n"
                + "Version: 1\r\nOriginal-Rcpt-To: <" + rcpt + ">\r\nSource-IP: 192.0.2.10\r\n\r\n"
                + "--fbl\r\nContent-Type: message/rfc822\r\n\r\nFrom: app@sender.test\r\nTo: " + rcpt + "\r\n"
                + "Subject: Your receipt\r\nMessage-ID: " + messageId + "\r\n\r\nThanks\r\n--fbl--\r\n";
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (playwright != null) playwright.close();
        if (h != null) h.close();
        if (receiver != null) receiver.close();
        if (mx != null) mx.close();
    }

    @BeforeEach
    void open() {
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1366, 900));
        context.setDefaultTimeout(10_000);
        page = context.newPage();
        page.onConsoleMessage(m -> {
            // the browser logs every non-2xx answer (a refused key, an unknown id): the page shows those itself
            if (m.type().equals("error") && !m.text().startsWith("Failed to load resource: the server responded with a status of 4"))
                scriptErrors.add(m.text() + " at " + m.location());
        });
        page.onPageError(scriptErrors::add);
    }

    @AfterEach
    void close() {
        context.close();
        assertThat(scriptErrors).as("script errors in the page's console").isEmpty();
    }

    static String[] auth() {
        return new String[] {"Authorization", "Bearer " + KEY};
    }

    static JsonNode api(String path) throws Exception {
        var r = h.get(path, auth());
        assertThat(r.status()).as(path).isEqualTo(200);
        return r.json();
    }

    static String state(JsonNode message, String address) {
        for (JsonNode r : message.get("recipients")) if (r.get("address").asString().equals(address)) return r.get("state").asString();
        throw new AssertionError("no recipient " + address + " in " + message);
    }

    /** The number of planned attempts the API reports for a recipient of the seeded message. */
    static int planned(String address) throws Exception {
        for (JsonNode r : h.get("/v1/messages/" + messageId, auth()).json().get("recipients"))
            if (r.get("address").asString().equals(address)) return r.get("planned_attempts").size();
        throw new AssertionError(address);
    }

    String url(String hash) {
        return "http://127.0.0.1:" + h.service.httpPort() + "/" + hash;
    }

    void login(String hash) {
        page.navigate(url(hash));
        page.getByLabel("API key").fill(KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log in")).click();
        assertThat(page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Sections"))).isVisible();
    }

    void screenshot(String name) {
        String target = System.getProperty("rebound.screenshots", "");
        if (target.isBlank()) return;
        page.screenshot(new Page.ScreenshotOptions().setPath(Paths.get(target).resolve(name)).setFullPage(true));
    }

    @Test
    void login_refusesAWrongKey_keepsTheKeyOutOfTheUrl_andOpensTheOverview() throws Exception {
        page.navigate(url(""));
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Log in"))).isVisible();
        assertThat(page.getByRole(AriaRole.NAVIGATION)).isHidden();

        page.getByLabel("API key").fill("not-a-key");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log in")).click();
        assertThat(page.getByRole(AriaRole.ALERT)).hasText("This key is not accepted (unknown or revoked).");

        page.getByLabel("API key").fill(KEY);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log in")).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview").setLevel(1))).isVisible();
        assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Overview"))).hasAttribute("aria-current", "page");
        // the deferred recipient is the one waiting; every state is counted
        // the figures the page shows are the queue's (GET /v1/queue), whatever else the seeding added
        JsonNode queue = api("/v1/queue");
        assertThat(page.getByLabel("Waiting recipients")).containsText(String.valueOf(queue.get("depth").asInt()));
        assertThat(queue.get("by_state").get("DEFERRED").asInt()).isPositive();
        page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Recipients by state")).getByText("As a table").click();
        Locator byState = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Recipients by state"));
        for (String state : List.of("DELIVERED", "DEFERRED", "BOUNCED_HARD", "COMPLAINT")) {
            String row = state.replace('_', ' ').toLowerCase(java.util.Locale.ROOT) + " " + queue.get("by_state").get(state).asInt();
            assertThat(byState.getByRole(AriaRole.ROW, new Locator.GetByRoleOptions().setName(row).setExact(true))).hasCount(1);
        }
        assertThat(queue.get("by_state").get("COMPLAINT").asInt()).isEqualTo(1);
        assertThat(page.getByRole(AriaRole.IMG, new Page.GetByRoleOptions().setName("Recipients by state"))).isVisible();
        assertThat(page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Attempt outcomes since this node started")))
                .containsText("bounced hard");
        assertThat(page).not().hasURL(Pattern.compile(".*" + KEY + ".*"));

        // a reload keeps the session (the tab's sessionStorage); logging out forgets it
        page.reload();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview").setLevel(1))).isVisible();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log out")).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Log in"))).isVisible();
        page.reload();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Log in"))).isVisible();
    }

    @Test
    void messages_searchByAddressStateAndMessageId_thenOpen_showsAttemptsRepliesAndPlan() throws Exception {
        login("#/messages");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Messages").setLevel(1))).isVisible();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText(api("/v1/messages?limit=500").get("count").asInt() + " messages, newest first");

        page.getByLabel("Recipient address").fill("BOB@example.test");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("1 message found, newest first");
        assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(messageId))).isVisible();

        page.getByLabel("Recipient address").fill("");
        page.getByLabel("Recipient state").selectOption("DEFERRED");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
        int deferred = api("/v1/messages?state=DEFERRED&limit=500").get("count").asInt();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText(deferred + (deferred == 1 ? " message found" : " messages found") + ", newest first");
        page.getByLabel("Recipient address").fill(DEFERRED);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("1 message found, newest first");
        page.getByLabel("Recipient address").fill("");

        page.getByLabel("Recipient state").selectOption("");
        page.getByLabel("Message-ID header").fill(headerMessageId.substring(1, headerMessageId.length() - 1));
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("1 message found, newest first");

        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(messageId)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Message " + messageId))).isVisible();
        Locator bob = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(BOUNCED + " bounced hard"));
        assertThat(bob).containsText("userunknown");
        assertThat(bob.getByRole(AriaRole.ARTICLE, new Locator.GetByRoleOptions().setName("Attempt 1 to " + BOUNCED)))
                .containsText("550 5.1.1 <" + BOUNCED + ">: Recipient address rejected: User unknown in virtual mailbox table");
        assertThat(bob).containsText("RCPT");

        Locator carol = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(DEFERRED + " deferred"));
        assertThat(carol.getByRole(AriaRole.ARTICLE)).containsText("451 4.2.1 Mailbox busy, try again later");
        Locator plan = carol.getByRole(AriaRole.TABLE, new Locator.GetByRoleOptions().setName("Planned retries for " + DEFERRED));
        assertThat(plan.getByRole(AriaRole.ROW).nth(1)).containsText("2"); // attempt 2 is the first planned one
        assertThat(plan.getByRole(AriaRole.ROW)).hasCount(1 + planned(DEFERRED));

        Locator alice = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(DELIVERED + " complaint"));
        assertThat(alice.getByRole(AriaRole.ARTICLE)).containsText("code.2xx");
        Locator evidence = alice.getByRole(AriaRole.TABLE, new Locator.GetByRoleOptions().setName("DSNs and provider events for " + DELIVERED));
        assertThat(evidence.getByRole(AriaRole.ROW)).hasCount(2);
        assertThat(evidence.getByRole(AriaRole.ROW).nth(1)).containsText("complaint");
        screenshot("message.png");

        // an unknown id: the API's own message, not a blank page
        page.navigate(url("#/messages/no-such-id"));
        assertThat(page.getByRole(AriaRole.ALERT)).containsText("no message with this id");
    }

    @Test
    void timeline_ofAnAddress_fromTheMessagePage_showsItsAttemptDecisionAndSuppression() {
        login("#/messages/" + messageId);
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("everything that happened to " + SUPPRESSED_TOO)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Timeline").setLevel(1))).isVisible();
        assertThat(page.getByLabel("Recipient address")).hasValue(SUPPRESSED_TOO);
        Locator entries = page.getByRole(AriaRole.LIST, new Page.GetByRoleOptions().setName("Timeline of " + SUPPRESSED_TOO)).getByRole(AriaRole.LISTITEM);
        assertThat(entries.first()).containsText("accepted");
        assertThat(entries.filter(new Locator.FilterOptions().setHasText("Attempt 1")))
                .containsText("550 5.1.1 The email account that you tried to reach does not exist");
        assertThat(entries.filter(new Locator.FilterOptions().setHasText("suppress.hard.userunknown")).first()).isVisible();
        entries.first().getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName(messageId)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Message " + messageId))).isVisible();
    }

    @Test
    void suppressions_removeNeedsAReason_andShowsTheAuditRow() {
        login("#/suppressions");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Suppressions").setLevel(1))).isVisible();
        page.getByLabel("Address").fill(BOUNCED);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
        Locator row = page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(BOUNCED));
        assertThat(row).hasCount(1);
        assertThat(row).containsText("userunknown");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Remove " + BOUNCED + " (transactional)")).click();
        Locator dialog = page.getByRole(AriaRole.DIALOG);
        assertThat(dialog).isVisible();
        assertThat(dialog.getByLabel("Reason")).isFocused();
        dialog.getByLabel("Reason").fill("   ");
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Remove")).click();
        assertThat(dialog.getByRole(AriaRole.ALERT)).hasText("Say why the suppression is lifted.");

        dialog.getByLabel("Reason").fill("customer fixed the mailbox, ticket 4711");
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Remove")).click();
        assertThat(dialog).isHidden();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("Removed " + BOUNCED + " from the transactional suppression list.");
        Locator audit = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Audit trail of " + BOUNCED + " (transactional)"));
        assertThat(audit.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("removed")))
                .containsText("customer fixed the mailbox, ticket 4711");
        assertThat(audit.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("created"))).containsText("policy");

        // the list no longer has it, the other hard bounce is still there
        page.getByLabel("Address").fill("");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
        assertThat(page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(SUPPRESSED_TOO))).hasCount(1);
        assertThat(page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(BOUNCED))).hasCount(0);
    }

    @Test
    void reviewQueue_approveNeedsAReason_andShowsTheAuditRow() {
        login("#/review");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Review queue").setLevel(1))).isVisible();
        Locator approve = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(Pattern.compile("^Approve user\\d+@" + BREAKER))).first();
        String label = approve.getAttribute("aria-label");
        String address = label.substring("Approve ".length(), label.indexOf(' ', "Approve ".length()));
        Locator row = page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(address));
        assertThat(row).containsText("userunknown");

        approve.click();
        Locator dialog = page.getByRole(AriaRole.DIALOG);
        assertThat(dialog.getByRole(AriaRole.HEADING)).hasText("Approve the review of " + address + " (transactional)");
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve")).click();
        assertThat(dialog.getByRole(AriaRole.ALERT)).hasText("Say why the review is approved.");
        dialog.getByLabel("Reason").fill("the customer confirmed the mailbox is closed");
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve")).click();
        assertThat(dialog).isHidden();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("Approved: " + address + " is suppressed on transactional.");
        assertThat(row).hasCount(0);
        Locator audit = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Audit trail of " + address + " (transactional)"));
        assertThat(audit.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("approved")))
                .containsText("the customer confirmed the mailbox is closed");

        // on the suppression list it is now a suppression
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Suppressions")).click();
        page.getByLabel("Address").fill(address);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
        assertThat(page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(address))).containsText("suppressed");
    }

    @Test
    void overview_plotsTheRatesAgainstTheSesLines_andCountsTheOpenAlerts() throws Exception {
        login("");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Rates over the last 24h, one point per 1h"))).isVisible();
        Locator hard = page.getByRole(AriaRole.IMG, new Page.GetByRoleOptions().setName("Hard bounce rate"));
        assertThat(hard).isVisible();
        assertThat(hard.locator("desc")).containsText("warn at 5.0 %, critical at 10.0 %");
        assertThat(page.getByRole(AriaRole.IMG, new Page.GetByRoleOptions().setName("Complaint rate")).locator("desc"))
                .containsText("critical at 0.50 %");
        int open = api("/v1/alerts?state=open").get("alerts").size();
        assertThat(open).isPositive();
        assertThat(page.getByLabel("Open alerts").getByRole(AriaRole.LINK)).hasText(String.valueOf(open));
        assertThat(page.getByLabel("Open alerts")).containsText("critical");
        screenshot("overview.png");
    }

    @Test
    void domains_showTheDeadDomainAndWhereTheFailuresAre() {
        login("#/domains");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Domains").setLevel(1))).isVisible();
        Locator rows = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Per domain, last hour")).getByRole(AriaRole.ROW);
        assertThat(rows.filter(new Locator.FilterOptions().setHasText(DOWN))).containsText("dead until the probe");
        assertThat(rows.filter(new Locator.FilterOptions().setHasText(BULK))).containsText("15.0 %");
        assertThat(page.getByRole(AriaRole.IMG, new Page.GetByRoleOptions().setName("Share of the failures by domain"))).isVisible();
        page.getByLabel("Window", new Page.GetByLabelOptions().setExact(true)).selectOption("24h");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show")).click();
        assertThat(page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Per domain, last 24 hours"))
                .getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(BULK))).containsText("15.0 %");
    }

    @Test
    void alerts_showTheOpenAlertWithTheNumbersThatDecided() {
        login("#/alerts");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Alerts").setLevel(1))).isVisible();
        Locator open = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName("Open alerts")).getByRole(AriaRole.ROW)
                .filter(new Locator.FilterOptions().setHasText("hard bounces"));
        assertThat(open.first()).containsText("critical");
        assertThat(open.first()).containsText(" of ");
        assertThat(open.first()).containsText("threshold");
        assertThat(open.first()).containsText("15.0 %");
    }

    @Test
    void webhooks_redeliverAnEvent_addsARowToTheDeliveryLog() {
        login("#/webhooks");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Webhooks").setLevel(1))).isVisible();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(endpointId)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Endpoint " + endpointId))).isVisible();
        assertThat(page.getByText("billing app")).isVisible();
        Locator deliveries = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Deliveries"));
        assertThat(deliveries.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("delivered"))).not().hasCount(0);
        Locator first = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(Pattern.compile("^Redeliver evt_"))).first();
        String event = first.getAttribute("aria-label").substring("Redeliver ".length());
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log of " + event)).click();
        Locator attempts = page.getByRole(AriaRole.TABLE, new Page.GetByRoleOptions().setName(Pattern.compile("^Attempts of " + event)))
                .locator("tbody tr");
        assertThat(attempts).hasCount(1);
        long sentBefore = receiver.requests().stream().filter(r -> r.webhookId().equals(event)).count();

        first.click();
        assertThat(page.getByRole(AriaRole.STATUS)).hasText("The delivery log has a new attempt.",
                new LocatorAssertions.HasTextOptions().setTimeout(20_000));
        assertThat(attempts).hasCount(2);
        assertThat(attempts.first()).containsText("200");
        assertThat(receiver.requests().stream().filter(r -> r.webhookId().equals(event)).count()).isEqualTo(sentBefore + 1);
    }

    @Test
    void webhooks_olderDeliveriesAndAttempts_loadTheNextPage_afterTheRowsShown() throws Exception {
        // the seeding gave the endpoint more than a page of deliveries and attempts (the 200-recipient message alone)
        JsonNode first = h.get("/v1/webhooks/" + endpointId + "/deliveries?limit=100", auth()).json();
        assertThat(first.get("next_cursor").isNull()).as("more than one page of deliveries").isFalse();
        login("#/webhooks/" + endpointId);
        Locator deliveries = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Deliveries")).locator("tbody tr");
        assertThat(deliveries).hasCount(100);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Older deliveries")).click();
        assertThat(deliveries.nth(100)).isVisible();
        List<String> ids = deliveries.locator("td:first-child").allTextContents();
        // newest event first across both pages (event ids are time-ordered): the older page follows the first, none twice
        assertThat(ids).hasSizeGreaterThan(100).doesNotHaveDuplicates().isSortedAccordingTo(java.util.Comparator.reverseOrder());

        Locator attempts = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Delivery log")).locator("tbody tr");
        assertThat(attempts).hasCount(100);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Older attempts")).click();
        assertThat(attempts.nth(100)).isVisible();
        assertThat(scriptErrors).isEmpty();
    }

    @Test
    void everyPage_hasItsHeading_landmarks_labelledControls_andASkipLink() {
        login("");
        for (String[] p : new String[][] {{"#/", "Overview"}, {"#/messages", "Messages"}, {"#/suppressions", "Suppressions"},
                {"#/webhooks", "Webhooks"}, {"#/messages/" + messageId, "Message " + messageId}, {"#/timeline?address=" + DEFERRED, "Timeline"}, {"#/domains", "Domains"}, {"#/alerts", "Alerts"}, {"#/review", "Review queue"}}) {
            page.navigate(url(p[0]));
            Locator heading = page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(p[1]).setLevel(1));
            assertThat(heading).isVisible();
            assertThat(heading).isFocused();
            assertThat(page.getByRole(AriaRole.MAIN)).hasCount(1);
            assertThat(page.getByRole(AriaRole.BANNER)).hasCount(1);
            Object unlabelled = page.evaluate("() => [...document.querySelectorAll('input, select, textarea, button')]"
                    + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
                    + ".map(e => e.outerHTML)");
            assertThat((List<?>) unlabelled).as("controls without a name on %s", p[0]).isEmpty();
        }
        page.navigate(url("#/messages"));
        page.reload(); // a fresh load: focus starts at the top of the document
        assertThat(page.getByLabel("Message id")).isVisible();
        page.keyboard().press("Tab");
        Locator skip = page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Skip to content"));
        assertThat(skip).isFocused();
        assertThat(skip).isInViewport();
        page.keyboard().press("Enter");
        page.keyboard().press("Tab");
        assertThat(page.getByLabel("Message id")).isFocused();
    }

    @Test
    void assets_comeFromTheServiceWithAContentSecurityPolicy_andDataNeedsTheKey() throws Exception {
        var index = h.get("/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(index.raw().headers().firstValue("Content-Security-Policy")).contains(DashboardRoutes.CSP);
        assertThat(index.raw().body()).doesNotContain("http://", "https://");
        var js = h.get("/ui/app.js");
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(h.get("/ui/..%2Fopenapi.json").status()).isIn(400, 404);
        assertThat(h.get("/ui/nothing.js").status()).isEqualTo(404);
        assertThat(h.get("/v1/messages").status()).isEqualTo(401);
        // every request the page makes goes to this origin
        List<String> hosts = new java.util.concurrent.CopyOnWriteArrayList<>();
        page.onRequest(r -> hosts.add(java.net.URI.create(r.url()).getAuthority()));
        login("#/messages/" + messageId);
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Message " + messageId))).isVisible();
        assertThat(hosts).isNotEmpty().allSatisfy(a -> assertThat(a).isEqualTo("127.0.0.1:" + h.service.httpPort()));
    }
}
