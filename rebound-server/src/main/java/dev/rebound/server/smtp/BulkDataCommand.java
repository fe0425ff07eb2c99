package dev.rebound.server.smtp;

import java.io.IOException;
import java.io.InputStream;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.internal.util.SMTPResponseHelper;
import org.subethamail.smtp.server.Session;

/**
 * SubEthaSMTP's DATA command with the data read in blocks ({@link DotTerminatedData}) instead of one byte per
 * call; same replies and order as SubEthaSMTP 7.2's {@code DataCommand} (503 without MAIL or RCPT, 354, the
 * handler's 250 only after {@code data()} returned, i.e. after the commit). The data is always read to its
 * terminator, also when the handler rejects, so the rest of it is never taken for commands. Received headers are
 * not supported here: the listener disables them.
 */
final class BulkDataCommand implements Command {
    @Override
    public void execute(String commandString, Session session) throws IOException, DropConnectionException {
        if (!session.isMailTransactionInProgress()) {
            session.sendResponse("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (session.getRecipientCount() == 0) {
            session.sendResponse("503 Error: need RCPT command");
            return;
        }
        session.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        InputStream data = new DotTerminatedData(session.getRawInput());
        String accepted;
        try {
            accepted = session.getMessageHandler().data(data);
        } catch (DropConnectionException e) {
            throw e; // a RejectException too: the session writes it and closes
        } catch (RejectException e) {
            data.skip(Long.MAX_VALUE);
            session.sendResponse(e.getErrorResponse());
            return;
        }
        data.skip(Long.MAX_VALUE);
        session.sendResponse(accepted == null ? "250 Ok" : SMTPResponseHelper.buildResponse("250", accepted));
        session.resetMailTransaction();
    }

    @Override
    public HelpMessage getHelp() {
        return new HelpMessage("DATA", "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");
    }

    @Override
    public String getName() {
        return "DATA";
    }
}
