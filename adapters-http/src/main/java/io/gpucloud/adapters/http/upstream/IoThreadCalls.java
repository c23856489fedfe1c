package io.gpucloud.adapters.http.upstream;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Non-streamed chat calls made on the Undertow IO thread that serves the client's request, with Undertow's own
 * HTTP/1.1 client: each IO thread keeps its own connections to each endpoint, so the upstream's answer is read by the
 * selector that serves the client's socket and the client's response is written from there, with no thread hand-off
 * and no lock. Through Jetty's client a proxied request crossed threads twice (to Jetty's selector, and back through the
 * IO thread's mailbox), and Jetty's client was about a quarter of the gateway's CPU per proxied request.
 *
 * <p>Streams too ({@link #stream}): an upstream's SSE bytes are read, parsed and written to the client's socket by
 * the selector that serves both, where through Jetty each read woke a Jetty selector thread that then wrote to the
 * client's socket from there.
 *
 * <p>Only for {@code http://} endpoints and callers on an IO thread ({@link #serves}); https endpoints and calls
 * from other threads (a large body decoded on a virtual thread) go through Jetty. Per thread and endpoint at most
 * {@code maxConnectionsPerEndpoint / IO threads} connections are open and {@code maxQueuedPerEndpoint / IO threads}
 * calls wait for one, for streams and for whole answers each (a stream holds its connection for minutes: whole
 * answers never wait behind streams); idle connections are closed after {@code poolIdleTimeout}. A host name is
 * looked up on a virtual thread when a connection opens and its address kept for 30 s.
 */
final class IoThreadCalls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoThreadCalls.class);
    private static final String USER_AGENT = "gpucloud";
    /** How long a host name's address is used before it is looked up again (the JVM's own default cache time). */
    private static final long RESOLVED_FOR_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final UpstreamSettings settings;
    private final ByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024, -1, 4);
    private final OptionMap options = OptionMap.builder().set(Options.TCP_NODELAY, true).set(Options.KEEP_ALIVE, true).getMap();
    private final Map<Thread, Map<Route, Line>> linesByThread = new ConcurrentHashMap<>();
    private final LongAdder connectionsOpened = new LongAdder();
    private final AtomicInteger connectionsOpen = new AtomicInteger();

    IoThreadCalls(UpstreamSettings settings) {
        this.settings = settings;
    }

    /** Whether a call to {@code endpoint} from the current thread goes this way. */
    static boolean serves(Endpoint endpoint) {
        return Thread.currentThread() instanceof XnioIoThread && "http".equalsIgnoreCase(endpoint.base().getScheme());
    }

    /**
     * {@code POST {base}/chat/completions}, from the current IO thread ({@link #serves} must be true); {@code done} is
     * called once, on this thread, with the answer or the failure ({@link TimeoutException} after {@code timeoutMillis}).
     */
    void post(Endpoint endpoint, byte[] body, Optional<String> authorization, long timeoutMillis, Consumer<AttemptReply> done) {
        Line line = line(endpoint, false);
        Post attempt = new Post(line, body, authorization, done);
        attempt.timer = line.thread.executeAfter(attempt::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        line.dispatch(attempt);
    }

    /**
     * A streamed {@code POST {base}/chat/completions}, from the current IO thread ({@link #serves} must be true): the
     * listener hears of the answer on this thread, in order. The call fails with a {@link TimeoutException} when
     * nothing arrives for {@code idleMillis}. The returned handle aborts it from any thread.
     */
    Abort stream(Endpoint endpoint, byte[] body, Optional<String> authorization, long idleMillis, StreamListener listener) {
        Line line = line(endpoint, true);
        Relay attempt = new Relay(line, body, authorization, idleMillis, listener);
        attempt.watchSilence();
        line.dispatch(attempt);
        return attempt;
    }

    private Line line(Endpoint endpoint, boolean streams) {
        XnioIoThread thread = (XnioIoThread) Thread.currentThread();
        return linesByThread.computeIfAbsent(thread, any -> new HashMap<>())
                .computeIfAbsent(new Route(endpoint, streams), route -> new Line(route.endpoint(), thread));
    }

    /** What a streamed call's answer is told, on the IO thread that made it: began, content any number of times, ended. */
    interface StreamListener {
        /** The status line and headers arrived. */
        void began(int status, Optional<String> retryAfter);

        /** Some of the body (chunked encoding removed), consumed before returning; a failure returned aborts the call with it. */
        Throwable content(ByteBuffer content);

        /** Once: the body ended ({@code failure} null), or the call failed (also after it began). */
        void ended(Throwable failure);
    }

    /** A streamed call in flight. */
    interface Abort {
        /** Stops the call, closing its connection; the listener ends with {@code why}, unless it has ended already. From any thread. */
        void abort(Throwable why);
    }

    /** One thread's connections for one endpoint, for streams or for whole answers. */
    private record Route(Endpoint endpoint, boolean streams) {
    }

    /** Connections opened since the start, all threads and endpoints. */
    long connectionsOpened() {
        return connectionsOpened.sum();
    }

    /** Connections open (or opening) now. */
    int openConnections() {
        return connectionsOpen.get();
    }

    /** Closes the connections of these endpoints (a removed deployment's); calls in flight finish first. */
    void forget(Iterable<Endpoint> endpoints) {
        linesByThread.forEach((thread, lines) -> onThread((XnioIoThread) thread, () -> {
            for (Endpoint endpoint : endpoints) {
                for (boolean streams : new boolean[] {false, true}) {
                    Line line = lines.remove(new Route(endpoint, streams));
                    if (line != null) {
                        line.close();
                    }
                }
            }
        }));
    }

    @Override
    public void close() {
        linesByThread.forEach((thread, lines) -> onThread((XnioIoThread) thread, () -> {
            lines.values().forEach(Line::close);
            lines.clear();
        }));
        linesByThread.clear();
        // The buffer pool stays open: connections still closing on their threads read into it; the GC reclaims it.
    }

    private static void onThread(XnioIoThread thread, Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException stopped) {
            // The server stopped: its IO threads closed their connections on the way out.
        }
    }

    /** A pooled connection. */
    private static final class Pooled {
        final ClientConnection connection;
        long idleSince;

        Pooled(ClientConnection connection) {
            this.connection = connection;
        }
    }

    /** One IO thread's connections to one endpoint; touched only by that thread, so nothing is locked. */
    private final class Line {
        private final Endpoint endpoint;
        private final XnioIoThread thread;
        private final String hostName;
        private final int port;
        private final boolean literal;
        private final String host;
        private final String path;
        private final int maxOpen;
        private final int maxWaiting;
        private final ArrayDeque<Pooled> idle = new ArrayDeque<>();
        private final ArrayDeque<Attempt> waiting = new ArrayDeque<>();
        private int open;
        private boolean sweeping;
        private boolean closed;
        private InetAddress address;
        private long resolvedAt;

        Line(Endpoint endpoint, XnioIoThread thread) {
            this.endpoint = endpoint;
            this.thread = thread;
            URI target = endpoint.chatCompletions();
            this.host = target.getRawAuthority();
            String name = target.getHost();
            this.hostName = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
            this.port = target.getPort() == -1 ? 80 : target.getPort();
            InetAddress ip = literal(hostName);
            this.literal = ip != null;
            this.address = ip;
            this.path = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
            int threads = Math.max(1, thread.getWorker().getIoThreadCount());
            this.maxOpen = Math.max(1, settings.maxConnectionsPerEndpoint() / threads);
            this.maxWaiting = Math.max(1, settings.maxQueuedPerEndpoint() / threads);
        }

        private static InetAddress literal(String name) {
            try {
                return InetAddress.ofLiteral(name);
            } catch (IllegalArgumentException notAnAddress) {
                return null;
            }
        }

        void dispatch(Attempt attempt) {
            Pooled pooled = takeIdle();
            if (pooled != null) {
                attempt.start(pooled);
            } else if (open < maxOpen) {
                connect(attempt);
            } else if (waiting.size() < maxWaiting) {
                waiting.add(attempt);
            } else {
                attempt.fail(new IOException("more than " + maxWaiting + " calls are waiting for a connection to " + endpoint));
            }
        }

        private Pooled takeIdle() {
            long now = System.nanoTime();
            for (Pooled pooled = idle.pollLast(); pooled != null; pooled = idle.pollLast()) {
                if (pooled.connection.isOpen() && now - pooled.idleSince < settings.poolIdleTimeout().toNanos()) {
                    return pooled;
                }
                IoUtils.safeClose(pooled.connection);
            }
            return null;
        }

        private void connect(Attempt attempt) {
            open++;
            connectionsOpen.incrementAndGet();
            connectionsOpened.increment();
            long now = System.nanoTime();
            if (address != null && (literal || now - resolvedAt < RESOLVED_FOR_NANOS)) {
                connect(attempt, address);
                return;
            }
            // A lookup can block for seconds when DNS is slow: never on the IO thread, which serves other clients.
            Thread.ofVirtual().name("upstream-resolve").start(() -> {
                try {
                    InetAddress found = InetAddress.getByName(hostName);
                    onThread(thread, () -> {
                        address = found;
                        resolvedAt = System.nanoTime();
                        connect(attempt, found);
                    });
                } catch (UnknownHostException | RuntimeException unknown) {
                    onThread(thread, () -> notConnected(attempt, unknown));
                }
            });
        }

        private void connect(Attempt attempt, InetAddress to) {
            IoFuture<ClientConnection> connecting;
            try {
                URI target = new URI("http", null, to.getHostAddress(), port, null, null, null);
                connecting = UndertowClient.getInstance().connect(target, thread, buffers, options);
            } catch (URISyntaxException | RuntimeException refused) {
                notConnected(attempt, refused);
                return;
            }
            XnioExecutor.Key timer = thread.executeAfter(connecting::cancel, settings.connectTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            connecting.addNotifier((future, unused) -> {
                timer.remove();
                switch (future.getStatus()) {
                    case DONE -> connected(attempt, result(future));
                    case FAILED -> notConnected(attempt, future.getException());
                    default -> notConnected(attempt, new ConnectException("no connection to " + endpoint + " within "
                            + settings.connectTimeout().toMillis() + " ms"));
                }
            }, null);
        }

        private void notConnected(Attempt attempt, Throwable why) {
            open--;
            connectionsOpen.decrementAndGet();
            attempt.fail(why);
            pump();
        }

        private static ClientConnection result(IoFuture<? extends ClientConnection> done) {
            try {
                return done.get();
            } catch (IOException impossible) {
                throw new IllegalStateException("a connection that is DONE", impossible);
            }
        }

        private void connected(Attempt attempt, ClientConnection connection) {
            Pooled pooled = new Pooled(connection);
            // Every connection ends here exactly once, whoever closed it: the one place that counts it out.
            connection.addCloseListener(gone -> {
                open--;
                connectionsOpen.decrementAndGet();
                idle.remove(pooled);
                pump();
            });
            if (attempt.finished) {
                release(pooled);
            } else {
                attempt.start(pooled);
            }
        }

        /** A connection whose call is over: to the next waiting call, else idle (closed, once the line is). */
        void release(Pooled pooled) {
            if (!pooled.connection.isOpen()) {
                return;
            }
            Attempt next = waiting.poll();
            if (next != null) {
                next.start(pooled);
                return;
            }
            if (closed) {
                IoUtils.safeClose(pooled.connection);
                return;
            }
            pooled.idleSince = System.nanoTime();
            idle.addLast(pooled);
            if (!sweeping) {
                sweeping = true;
                thread.executeAfter(this::sweep, settings.poolIdleTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        /** After a connection closed: a waiting call may open another (also once the line is closed: calls made finish). */
        private void pump() {
            if (!waiting.isEmpty() && open < maxOpen) {
                connect(waiting.poll());
            }
        }

        /** Closes the connections idle longer than the pool's idle timeout, so that we, not the upstream, close them. */
        private void sweep() {
            sweeping = false;
            long now = System.nanoTime();
            long limit = settings.poolIdleTimeout().toNanos();
            for (Pooled oldest = idle.peekFirst(); oldest != null && now - oldest.idleSince >= limit; oldest = idle.peekFirst()) {
                idle.pollFirst();
                IoUtils.safeClose(oldest.connection);
            }
            Pooled oldest = idle.peekFirst();
            if (oldest != null) {
                sweeping = true;
                long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(limit - (now - oldest.idleSince)) + 1);
                thread.executeAfter(this::sweep, wait, TimeUnit.MILLISECONDS);
            }
        }

        void close() {
            closed = true;
            for (Pooled pooled = idle.pollFirst(); pooled != null; pooled = idle.pollFirst()) {
                IoUtils.safeClose(pooled.connection);
            }
        }
    }

    /** One POST on one line: sent when it has a connection, ended once (answered, or failed). */
    private abstract class Attempt implements ClientCallback<ClientExchange> {
        final Line line;
        private final byte[] body;
        private final Optional<String> authorization;
        private final String accept;
        XnioExecutor.Key timer;
        private Pooled pooled;
        boolean finished;
        boolean began;
        int status;
        Optional<String> retryAfter = Optional.empty();

        Attempt(Line line, byte[] body, Optional<String> authorization, String accept) {
            this.line = line;
            this.body = body;
            this.authorization = authorization;
            this.accept = accept;
        }

        /** The answer's status line and headers are in: read its body from the exchange's response channel. */
        abstract void answerBegan(ClientExchange exchange);

        /** Once, when the call failed: {@link #fail} closed its connection. */
        abstract void failed(Throwable failure);

        void start(Pooled connection) {
            if (finished) {
                line.release(connection);
                return;
            }
            this.pooled = connection;
            ClientRequest request = new ClientRequest().setMethod(Methods.POST).setPath(line.path);
            request.getRequestHeaders()
                    .put(Headers.HOST, line.host)
                    .put(Headers.CONTENT_TYPE, "application/json")
                    .put(Headers.CONTENT_LENGTH, body.length)
                    .put(Headers.ACCEPT, accept)
                    .put(Headers.USER_AGENT, USER_AGENT);
            authorization.ifPresent(value -> request.getRequestHeaders().put(Headers.AUTHORIZATION, value));
            connection.connection.sendRequest(request, this);
        }

        /** The request may be written. */
        @Override
        public void completed(ClientExchange exchange) {
            if (finished) {
                IoUtils.safeClose(exchange.getConnection());
                return;
            }
            exchange.setResponseListener(new ClientCallback<>() {
                @Override
                public void completed(ClientExchange answered) {
                    if (finished) {
                        IoUtils.safeClose(answered.getConnection());
                        return;
                    }
                    began = true;
                    ClientResponse response = answered.getResponse();
                    status = response.getResponseCode();
                    retryAfter = Optional.ofNullable(response.getResponseHeaders().getFirst(Headers.RETRY_AFTER));
                    answerBegan(answered);
                }

                @Override
                public void failed(IOException failure) {
                    fail(failure);
                }
            });
            StreamSinkChannel channel = exchange.getRequestChannel();
            ByteBuffer remaining = ByteBuffer.wrap(body);
            try {
                if (write(channel, remaining)) {
                    return;
                }
            } catch (IOException failure) {
                fail(failure);
                return;
            }
            channel.getWriteSetter().set(writable -> {
                try {
                    if (write(channel, remaining)) {
                        channel.suspendWrites();
                    }
                } catch (IOException failure) {
                    fail(failure);
                }
            });
            channel.resumeWrites();
        }

        /** @return true when the whole body went out (or is flushing on its own) */
        private boolean write(StreamSinkChannel channel, ByteBuffer remaining) throws IOException {
            while (remaining.hasRemaining()) {
                if (channel.write(remaining) == 0) {
                    return false;
                }
            }
            channel.shutdownWrites();
            if (!channel.flush()) {
                channel.getWriteSetter().set(ChannelListeners.flushingChannelListener(null,
                        (flushing, failure) -> fail(failure)));
                channel.resumeWrites();
            }
            return true;
        }

        /** The request could not be sent. */
        @Override
        public void failed(IOException failure) {
            fail(failure);
        }

        /** The answer was read whole: its connection goes back to the line. */
        void finishWell() {
            finished = true;
            timer.remove();
            line.release(pooled);
        }

        void fail(Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
            timer.remove();
            if (pooled != null) {
                // Mid-call, the connection's state is unknown: it is not reused.
                IoUtils.safeClose(pooled.connection);
            } else {
                line.waiting.remove(this);
            }
            failed(failure);
        }
    }

    /** A non-streamed call: the answer read whole, within the call's timeout. */
    private final class Post extends Attempt {
        private final Consumer<AttemptReply> done;
        private byte[] content;
        private int length;

        Post(Line line, byte[] body, Optional<String> authorization, Consumer<AttemptReply> done) {
            super(line, body, authorization, "application/json");
            this.done = done;
        }

        @Override
        void answerBegan(ClientExchange exchange) {
            int limit = settings.maxBodyBytes();
            long declared = parseLength(exchange.getResponse().getResponseHeaders().getFirst(Headers.CONTENT_LENGTH));
            if (declared > limit) {
                fail(new AttemptReply.TooLarge(limit));
                return;
            }
            content = new byte[declared >= 0 ? (int) declared + 1 : 4096];
            StreamSourceChannel channel = exchange.getResponseChannel();
            ChannelListener<StreamSourceChannel> reader = this::read;
            channel.getReadSetter().set(reader);
            read(channel);
        }

        private static long parseLength(String value) {
            if (value == null) {
                return -1;
            }
            try {
                return Long.parseLong(value.strip());
            } catch (NumberFormatException notANumber) {
                return -1;
            }
        }

        private void read(StreamSourceChannel channel) {
            if (finished) {
                return;
            }
            int limit = settings.maxBodyBytes();
            try {
                while (true) {
                    if (length == content.length) {
                        // Never past limit + 1 bytes: a body that reaches it failed below.
                        content = Arrays.copyOf(content, (int) Math.min((long) limit + 1, content.length * 2L));
                    }
                    int read = channel.read(ByteBuffer.wrap(content, length, content.length - length));
                    if (read == -1) {
                        finishWell();
                        deliver(AttemptReply.answered(status, retryAfter, content, length));
                        return;
                    }
                    if (read == 0) {
                        channel.resumeReads();
                        return;
                    }
                    length += read;
                    if (length > limit) {
                        fail(new AttemptReply.TooLarge(limit));
                        return;
                    }
                }
            } catch (IOException failure) {
                fail(failure);
            }
        }

        void timedOut() {
            fail(new TimeoutException("no answer within the request timeout"));
        }

        @Override
        void failed(Throwable failure) {
            deliver(AttemptReply.failed(failure, began));
        }

        private void deliver(AttemptReply reply) {
            try {
                done.accept(reply);
            } catch (RuntimeException unexpected) {
                LOG.error("handling an upstream answer from {} failed", line.endpoint, unexpected);
            }
        }
    }

    /** A streamed call: the answer handed to the listener as it arrives, until it ends or is silent too long. */
    private final class Relay extends Attempt implements Abort {
        /** Buffers read before the thread turns to its other work and comes back. */
        private static final int READS_PER_TURN = 16;
        private final long silenceNanos;
        private final StreamListener listener;
        private long lastHeardNanos;

        Relay(Line line, byte[] body, Optional<String> authorization, long silenceMillis, StreamListener listener) {
            super(line, body, authorization, "text/event-stream");
            this.silenceNanos = TimeUnit.MILLISECONDS.toNanos(silenceMillis);
            this.listener = listener;
        }

        /** Arms the read timeout: one timer per silence period, re-armed for what is left of it, not one per read. */
        void watchSilence() {
            lastHeardNanos = System.nanoTime();
            timer = line.thread.executeAfter(this::checkSilence, TimeUnit.NANOSECONDS.toMillis(silenceNanos), TimeUnit.MILLISECONDS);
        }

        private void checkSilence() {
            if (finished) {
                return;
            }
            long quiet = System.nanoTime() - lastHeardNanos;
            if (quiet >= silenceNanos) {
                fail(new TimeoutException("nothing from the upstream within the read timeout"));
                return;
            }
            timer = line.thread.executeAfter(this::checkSilence, TimeUnit.NANOSECONDS.toMillis(silenceNanos - quiet) + 1,
                    TimeUnit.MILLISECONDS);
        }

        @Override
        void answerBegan(ClientExchange exchange) {
            lastHeardNanos = System.nanoTime();
            try {
                listener.began(status, retryAfter);
            } catch (RuntimeException unexpected) {
                fail(unexpected);
                return;
            }
            StreamSourceChannel channel = exchange.getResponseChannel();
            ChannelListener<StreamSourceChannel> reader = this::read;
            channel.getReadSetter().set(reader);
            read(channel);
        }

        private void read(StreamSourceChannel channel) {
            if (finished) {
                return;
            }
            try (PooledByteBuffer pooledBuffer = buffers.allocate()) {
                ByteBuffer buffer = pooledBuffer.getBuffer();
                for (int reads = 0; ; reads++) {
                    if (reads == READS_PER_TURN) {
                        // An upstream that sends faster than the thread parses would otherwise keep it here: the
                        // tasks queued meanwhile (a client gone, which stops this call) and other connections wait.
                        channel.wakeupReads();
                        return;
                    }
                    buffer.clear();
                    int read = channel.read(buffer);
                    if (read == -1) {
                        finishWell();
                        ended(null);
                        return;
                    }
                    if (read == 0) {
                        channel.resumeReads();
                        return;
                    }
                    lastHeardNanos = System.nanoTime();
                    buffer.flip();
                    Throwable stop = listener.content(buffer);
                    if (stop != null) {
                        fail(stop);
                        return;
                    }
                    if (finished) {
                        return; // aborted by the listener's sink
                    }
                }
            } catch (IOException | RuntimeException failure) {
                fail(failure);
            }
        }

        @Override
        public void abort(Throwable why) {
            if (Thread.currentThread() == line.thread) {
                fail(why);
            } else {
                onThread(line.thread, () -> fail(why));
            }
        }

        @Override
        void failed(Throwable failure) {
            ended(failure);
        }

        private void ended(Throwable failure) {
            try {
                listener.ended(failure);
            } catch (RuntimeException unexpected) {
                LOG.error("ending a stream from {} failed", line.endpoint, unexpected);
            }
        }
    }
}
