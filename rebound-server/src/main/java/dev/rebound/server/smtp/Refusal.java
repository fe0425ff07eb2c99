package dev.rebound.server.smtp;

import java.util.List;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;

/** A reply of {@link ListenerReply} with its arguments: a decision of the listener's limits, written later. */
record Refusal(ListenerReply reply, List<Object> args) {
    static Refusal of(ListenerReply reply, Object... args) {
        return new Refusal(reply, List.of(args));
    }

    String line() {
        return reply.line(args.toArray());
    }

    String text() {
        return reply.text(args.toArray());
    }

    RejectException reject() {
        return new RejectException(reply.code(), text());
    }

    DropConnectionException drop() {
        return new DropConnectionException(reply.code(), text());
    }
}
