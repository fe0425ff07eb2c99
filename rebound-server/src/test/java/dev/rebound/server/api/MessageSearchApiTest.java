package dev.rebound.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code GET /v1/messages}: the search the dashboard's Messages page uses, and its refusals naming the filter. */
class MessageSearchApiTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    ServiceHarness h;

    @BeforeEach
    void start() {
        h = new ServiceHarness(dir, clock, new ScriptedAgent(clock), false, Map.of());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    String post(String to, String messageId) throws Exception {
        var r = h.post("/v1/messages", "{\"mail_from\":\"app@example.org\",\"rcpt_to\":[\"" + to + "\"],\"raw\":\"Message-ID: <" + messageId
                + ">\\r\\nSubject: s\\r\\n\\r\\nt\\r\\n\"}");
        assertThat(r.status()).as(r.raw().body()).isEqualTo(202);
        return r.json().get("id").asString();
    }

    List<String> ids(String query) throws Exception {
        var r = h.get("/v1/messages" + query);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode m : r.json().get("messages")) out.add(m.get("id").asString());
        assertThat(r.json().get("count").asInt()).isEqualTo(out.size());
        return out;
    }

    @Test
    void search_byMessageIdWithOrWithoutBrackets_addressAnyCase_stateAndTime() throws Exception {
        String first = post("Ann@example.com", "one@app.example.org");
        clock.advance(Duration.ofMinutes(10));
        String second = post("bob@example.com", "two@app.example.org");

        assertThat(ids("")).containsExactly(second, first);
        assertThat(ids("?message_id=one@app.example.org")).containsExactly(first);
        assertThat(ids("?message_id=%3Ctwo@app.example.org%3E")).containsExactly(second);
        assertThat(ids("?address=ANN@EXAMPLE.COM")).containsExactly(first);
        assertThat(ids("?state=queued")).containsExactly(second, first);
        assertThat(ids("?state=DELIVERED")).isEmpty();
        assertThat(ids("?since=2026-03-01T10:05:00Z")).containsExactly(second);
        assertThat(ids("?until=2026-03-01T10:05:00Z&limit=5")).containsExactly(first);
        assertThat(ids("?limit=1")).containsExactly(second);

        JsonNode hit = h.get("/v1/messages?address=bob@example.com").json().get("messages").get(0);
        assertThat(hit.get("message_id_header").asString()).isEqualTo("<two@app.example.org>");
        assertThat(hit.get("created_at").asString()).isEqualTo("2026-03-01T10:10:00Z");
        assertThat(hit.get("recipients").get(0).get("address").asString()).isEqualTo("bob@example.com");
        assertThat(hit.get("recipients").get(0).get("state").asString()).isEqualTo("QUEUED");
    }

    @Test
    void search_refusesABadFilter_namingIt() throws Exception {
        for (String[] bad : new String[][] {{"state=LOST", "state"}, {"limit=0", "limit"}, {"limit=501", "limit"}, {"since=yesterday", "since"},
                {"since=2026-03-01T11:00:00Z&until=2026-03-01T10:00:00Z", "until"}}) {
            var r = h.get("/v1/messages?" + bad[0]);
            assertThat(r.status()).as(bad[0]).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(bad[0]).isEqualTo(bad[1]);
            assertThat(r.json().get("message").asString()).as(bad[0]).isNotBlank();
        }
    }
}
