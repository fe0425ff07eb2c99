package dev.rebound.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Issue 9, finding 5: a refused {@code store.url} is quoted without its password. */
@Tag("security")
class StoreUrlRedactionTest {
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
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REBOUND_STORE_URL", "jdbc:mysql://rebound:hunter2@127.0.0.1/rebound?password=hunter3")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("rebound:***@127.0.0.1").hasMessageContaining("password=***")
                .hasMessageNotContaining("hunter2").hasMessageNotContaining("hunter3");
    }
}
