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
 * call; same order as SubEthaSMTP 7.2's {@code DataCommand} (503 without MAIL or RCPT, 354, the handler's 250 only
 * after {@code data()} returned, i.e. after the commit). The data is always read to its terminator, also when the
 * handler rejects, so the rest of it is never taken for commands. Received headers are not supported here: the
 * listener disables them.
 *
 * <p>The mail transaction ends with the DATA reply, accepted or refused (RFC 5321 §4.1.1.4: the receiver "MUST
 * clear" the buffers whether or not the DATA is accepted): after a refusal the sender and recipients of this
 * transaction are gone, so a client that goes on without a new MAIL cannot send a later message to them.
 */
final class BulkDataCommand implements Command {

    /**
     * DATA and BDAT need a mail transaction with at least one recipient (RFC 5321 §3.3, RFC 3030 §2): answers
     * {@code 503} from the reply table and returns true when there is none.
     */
    static boolean refusedOutsideATransaction(Session session) throws IOException {
        if (!session.isMailTransactionInProgress()) {
            session.sendResponse(ListenerReply.NEED_MAIL.line());
            return true;
        }
        if (session.getRecipientCount() == 0) {
            session.sendResponse(ListenerReply.NEED_RCPT.line());
            return true;
        }
        return false;
    }
    @Override
    public void execute(String commandString, Session session) throws IOException, DropConnectionException {
        if (refusedOutsideATransaction(session)) return;
        session.sendResponse(ListenerReply.DATA_GO_AHEAD.line());
        InputStream data = new DotTerminatedData(session.getRawInput());
        try {
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
            session.sendResponse(accepted == null ? ListenerReply.DATA_ACCEPTED_WITHOUT_ID.line() : SMTPResponseHelper.buildResponse("250", accepted));
        } finally {
            session.resetMailTransaction();
        }
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
