package dev.rebound.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WaitHintTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "451 4.7.1 Greylisted, please try again in 5 minutes | PT5M",
            "450 4.2.0 retry in 300 seconds                       | PT5M",
            "please try again after 10 min                        | PT10M",
            "421 Too many connections, try again in 2 hours       | PT2H",
            "451 4.7.1 Greylisted for 300 seconds (see http://postgrey.schweikert.ch/)| PT5M",
            "Try again in 5-10 minutes                            | PT10M",
            "451 Please wait 30 secs before retrying              | PT30S",
            "451 4.3.2 Try again later in 1 hr                    | PT1H",
            "TRY AGAIN IN 15M                                     | PT15M",
    })
    void findsHints(String text, String expected) {
        assertThat(WaitHint.find(text)).hasValueSatisfying(h -> assertThat(h.delay()).isEqualTo(Duration.parse(expected)));
    }

    @ParameterizedTest(name = "[{index}] {0}.")
    @ValueSource(strings = {
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume - 4.16.55.1",
            "451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714)",
            "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages",
            "550 5.1.1 user unknown; 3 minutes ago we tried", "", "retry; 5 minutes",
    })
    void ignoresTextWithoutAHint(String text) {
        assertThat(WaitHint.find(text)).isEmpty();
    }
}
