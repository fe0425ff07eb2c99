package dev.rebound.server.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Message-ID of the header block (RFC 5322 §3.6.4), found without decoding the whole message. */
class HeaderMessageIdTest {
    private static String id(String raw) {
        return MessageIntake.headerMessageId(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void firstMessageIdOfTheHeaderBlock_anyCase_crlfOrLf() {
        assertThat(id("Subject: x\r\nMessage-ID: <a@b>\r\nmessage-id: <c@d>\r\n\r\nbody")).isEqualTo("<a@b>");
        assertThat(id("MESSAGE-ID:<a@b>\nSubject: x\n\nbody")).isEqualTo("<a@b>");
    }

    @Test
    void foldedValueIsUnfolded() {
        assertThat(id("Message-Id:\r\n <long@example.org>\r\nSubject: x\r\n\r\n")).isEqualTo("<long@example.org>");
    }

    @Test
    void noneInTheHeader_bodyIsNotSearched() {
        assertThat(id("Subject: x\r\n\r\nMessage-ID: <in-body@x>\r\n")).isEmpty();
        assertThat(id("")).isEmpty();
        assertThat(id("Message-ID")).isEmpty();
    }
}
