package dev.rebound.server.smtp;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.CommandException;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.Session;

/**
 * Every command of the listener runs through this: its {@link SessionGuard} may close the session first (session
 * time, junk commands), the idle clock restarts when it ends, and DATA and BDAT read under the data clocks.
 */
final class GuardedCommand implements Command {
    private final Command inner;
    private final ListenerGate gate;
    private final boolean data;

    GuardedCommand(Command inner, ListenerGate gate) {
        this.inner = inner;
        this.gate = gate;
        String name = inner.getName().toUpperCase(Locale.ROOT);
        this.data = name.equals("DATA") || name.equals("BDAT");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException, DropConnectionException {
        SessionGuard guard = gate.guard(session);
        if (guard == null) {
            inner.execute(commandString, session);
            return;
        }
        Optional<Refusal> no = guard.beforeCommand(inner.getName(), gate.now());
        if (no.isPresent()) throw no.get().drop();
        if (data) guard.startData(gate.now());
        try {
            inner.execute(commandString, session);
        } finally {
            guard.afterCommand(gate.now());
        }
    }

    @Override
    public HelpMessage getHelp() throws CommandException {
        return inner.getHelp();
    }

    @Override
    public String getName() {
        return inner.getName();
    }
}
