package dev.rebound.server.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A listener session's connection with every read timed by its {@link SessionGuard}: the one place all input of a
 * session passes (commands, AUTH responses, DATA, BDAT chunks), plain or over TLS. Before each read the socket
 * timeout is set to what the guard allows; when a limit runs out, the guard's {@code 421} is written and the
 * connection closed, and the read fails with a {@link SocketException} (SubEthaSMTP then ends the session without
 * a reply of its own, so every refusal comes from {@link ListenerReply}).
 *
 * <p>It wraps the accepted socket (and, after STARTTLS, the TLS socket layered on that one: see
 * {@link ListenerStartTls}); SubEthaSMTP's own {@code setSoTimeout} is ignored, the guard decides.
 */
final class GuardedSocket extends Socket {
    private final Socket delegate;
    private final SessionGuard guard;
    private final LongSupplier nanoTime;
    private final InputStream in;

    GuardedSocket(Socket delegate, SessionGuard guard, LongSupplier nanoTime) throws IOException {
        this.delegate = delegate;
        this.guard = guard;
        this.nanoTime = nanoTime;
        this.in = new TimedInput(delegate.getInputStream());
    }

    /** The socket this one wraps (STARTTLS layers TLS on it). */
    Socket delegate() {
        return delegate;
    }

    /** The same guard over another socket (the TLS one after STARTTLS). */
    GuardedSocket over(Socket other) throws IOException {
        return new GuardedSocket(other, guard, nanoTime);
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return delegate.getOutputStream();
    }

    @Override
    public void setSoTimeout(int timeout) {
        // the guard sets the timeout before every read
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return delegate.getSoTimeout();
    }

    @Override
    public synchronized void close() throws IOException {
        delegate.close();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public boolean isBound() {
        return delegate.isBound();
    }

    @Override
    public boolean isConnected() {
        return delegate.isConnected();
    }

    @Override
    public boolean isInputShutdown() {
        return delegate.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return delegate.isOutputShutdown();
    }

    @Override
    public void shutdownInput() throws IOException {
        delegate.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        delegate.shutdownOutput();
    }

    @Override
    public InetAddress getInetAddress() {
        return delegate.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public int getPort() {
        return delegate.getPort();
    }

    @Override
    public int getLocalPort() {
        return delegate.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return delegate.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return delegate.getLocalSocketAddress();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        delegate.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return delegate.getTcpNoDelay();
    }

    @Override
    public String toString() {
        return "guarded " + delegate;
    }

    private final class TimedInput extends InputStream {
        private final InputStream raw;

        TimedInput(InputStream raw) {
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            long start = nanoTime.getAsLong();
            Optional<Refusal> over = guard.expired(start);
            if (over.isPresent()) throw closeWith(over.get());
            delegate.setSoTimeout(guard.readTimeoutMillis(start));
            int n;
            try {
                n = raw.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw closeWith(guard.timedOut(nanoTime.getAsLong()));
            }
            if (n > 0) {
                long now = nanoTime.getAsLong();
                Optional<Refusal> broke = guard.afterRead(n, now - start, now);
                if (broke.isPresent()) throw closeWith(broke.get());
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return raw.available();
        }

        @Override
        public void close() throws IOException {
            raw.close();
        }

        private SocketException closeWith(Refusal refusal) {
            guard.closeWith(refusal);
            return new SocketException("closed by the listener: " + refusal.line());
        }
    }
}
