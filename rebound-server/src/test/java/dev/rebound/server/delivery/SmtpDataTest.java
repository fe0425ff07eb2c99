package dev.rebound.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Line-ending normalisation and dot-stuffing of the DATA payload (RFC 5321 §4.5.2, §2.3.8). */
class SmtpDataTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CRLF kept                    | a\\r\\nb\\r\\n      | a\\r\\nb\\r\\n.\\r\\n
            bare LF becomes CRLF         | a\\nb\\n            | a\\r\\nb\\r\\n.\\r\\n
            bare CR becomes CRLF         | a\\rb               | a\\r\\nb\\r\\n.\\r\\n
            missing final line ending    | a                   | a\\r\\n.\\r\\n
            leading dot doubled          | .a\\r\\n..b\\r\\n   | ..a\\r\\n...b\\r\\n.\\r\\n
            dot after bare LF doubled    | x\\n.\\ny           | x\\r\\n..\\r\\ny\\r\\n.\\r\\n
            dot inside a line kept       | a.b\\r\\n           | a.b\\r\\n.\\r\\n
            empty message                | ''                  | .\\r\\n
            smuggling attempt neutralised| a\\n.\\r\\nMAIL     | a\\r\\n..\\r\\nMAIL\\r\\n.\\r\\n
            """)
    void encodes(String name, String in, String expected) {
        assertThat(new String(SmtpData.encode(unescape(in).getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1))
                .isEqualTo(unescape(expected));
    }

    @Test
    void shortcutForCleanContent_givesTheSameBytesAsTheGeneralEncoding() {
        byte[] alphabet = {'.', '\r', '\n', '\r', '\n', 'a', 'b', (byte) 0xe9};
        int shortcuts = 0;
        for (long seed = 0; seed < 3000; seed++) {
            Random r = new Random(seed);
            byte[] content = new byte[r.nextInt(40)];
            for (int i = 0; i < content.length; i++) content[i] = alphabet[r.nextInt(alphabet.length)];
            if (seed % 2 == 0) content = new String(content, StandardCharsets.ISO_8859_1).replace("\r", "").replace("\n", "\r\n")
                    .replace("\r\n.", "\r\nx").concat("\r\n").getBytes(StandardCharsets.ISO_8859_1); // mostly clean
            if (SmtpData.onTheWireAlready(content)) shortcuts++;
            assertThat(SmtpData.encode(content)).as("seed %d", seed).isEqualTo(SmtpData.transform(content));
        }
        assertThat(shortcuts).as("the shortcut was taken").isGreaterThan(1000);
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n");
    }
}
