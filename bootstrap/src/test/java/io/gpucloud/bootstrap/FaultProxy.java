package io.gpucloud.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback between the server and a dependency (PostgreSQL), that a test breaks on purpose:
 * <ul>
 *   <li>{@link #cut()}: every connection is closed at once and new ones are closed as soon as they are accepted — a
 *       dependency that is down (connection refused/reset);</li>
 *   <li>{@link #pause()}: connections stay open but no byte goes through, new ones are accepted and left hanging — a
 *       network partition or a frozen host, the case that needs timeouts;</li>
 *   <li>{@link #heal()}: back to normal (paused bytes flow on; cut connections stay closed).</li>
 * </ul>
 * Loopback only; one platform thread per direction and connection (a handful of pooled connections).
 */
final class FaultProxy implements AutoCloseable {
    enum Mode { OPEN, CUT, PAUSED }

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final AtomicLong connections = new AtomicLong();
    private volatile Mode mode = Mode.OPEN;
    private volatile boolean closed;

    FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
        Thread.ofPlatform().daemon().name("fault-proxy-accept").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    Mode mode() {
        return mode;
    }

    /** Connections accepted so far. */
    long connections() {
        return connections.get();
    }

    void cut() {
        mode = Mode.CUT;
        closeAll();
    }

    void pause() {
        mode = Mode.PAUSED;
    }

    void heal() {
        synchronized (gate) {
            mode = Mode.OPEN;
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                connections.incrementAndGet();
                if (mode == Mode.CUT) {
                    client.close();
                    continue;
                }
                sockets.add(client);
                Thread.ofPlatform().daemon().name("fault-proxy-connect").start(() -> connect(client));
            } catch (IOException stopped) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void connect(Socket client) {
        try {
            awaitNotPaused();
            if (mode == Mode.CUT) {
                closeQuietly(client);
                return;
            }
            Socket upstream = new Socket(targetHost, targetPort);
            sockets.add(upstream);
            Thread.ofPlatform().daemon().name("fault-proxy-up").start(() -> pump(client, upstream));
            Thread.ofPlatform().daemon().name("fault-proxy-down").start(() -> pump(upstream, client));
        } catch (IOException | InterruptedException failure) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                awaitNotPaused();
                if (mode == Mode.CUT) {
                    break;
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException ended) {
            // one side closed, or the proxy cut it
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void awaitNotPaused() throws InterruptedException {
        synchronized (gate) {
            while (mode == Mode.PAUSED && !closed) {
                gate.wait(100);
            }
        }
    }

    private void closeAll() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    @Override
    public void close() {
        closed = true;
        heal();
        closeAll();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
