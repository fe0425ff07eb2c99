package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.server.service.ReboundService;
import dev.rebound.server.testing.ScriptedAgent;
import dev.rebound.server.testing.ServiceHarness;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9, finding 5: a refused {@code store.url} is quoted without its password. */
@Tag("security")
class StoreUrlRedactionTest {
    @TempDir Path dir;

    @Test
    void passwordsInUserinfoAndParametersAreMasked() {
        assertThat(ReboundConfig.StoreSettings.redact("jdbc:postgresql://rebound:s3cret@db.internal:5432/rebound"))
                .isEqualTo("jdbc:postgresql://rebound:***@db.internal:5432/rebound");
        assertThat(ReboundConfig.StoreSettings.redact("jdbc:postgresql://db/rebound?user=rebound&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/rebound?user=rebound&password=***&ssl=true");
        assertThat(ReboundConfig.StoreSettings.redact("jdbc:sqlite:./data/rebound.db")).isEqualTo("jdbc:sqlite:./data/rebound.db");
    }

    @Test
    void aRefusedUrlIsReportedWithoutItsPassword() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_STORE_URL", "mysql://root:hunter2@db/rebound")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("root:***@db").hasMessageNotContaining("hunter2");
        ReboundConfig cfg = ServiceHarness.config(dir, Map.of("REBOUND_STORE_URL", "jdbc:postgresql://rebound:hunter2@127.0.0.1/rebound?password=hunter3"));
        assertThatThrownBy(() -> ReboundService.start(cfg, Clock.systemUTC(), new ScriptedAgent(Clock.systemUTC()), false))
                .hasMessageContaining("rebound:***@127.0.0.1").hasMessageNotContaining("hunter2").hasMessageNotContaining("hunter3");
    }
}
