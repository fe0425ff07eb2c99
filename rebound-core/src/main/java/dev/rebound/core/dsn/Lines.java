package dev.rebound.core.dsn;

import java.util.ArrayList;
import java.util.List;

/** Splits text into lines on CRLF, LF or a lone CR (bounces arrive with all three conventions). */
final class Lines {
    private Lines() {}

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0, n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(text.substring(start, i));
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < n) out.add(text.substring(start));
        return out;
    }
}
