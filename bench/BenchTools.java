import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The benchmark's own programs, run by {@code bench/run.sh} on the project's classpath (the shaded
 * {@code cli/target/gpucloud.jar}: Undertow, Jackson and Jetty's client are in it):
 *
 * <ul>
 *   <li>{@code bare PORT COMPLETION_FILE}: the baseline the gateway is measured against. Undertow
 *       with 2 IO threads (the gateway's default on 2 cores) that receives the body on the IO thread,
 *       parses it with Jackson (a tree, as the gateway does) and answers a fixed 301-byte
 *       {@code chat.completion}. No auth, quota, metering, logging or metrics: what a Java server
 *       on this machine costs at the least.</li>
 *   <li>{@code jdk-hop PORT UPSTREAM_URL}: the naive proxy the {@code openai} engine is measured
 *       against: the bare server's Undertow and Jackson parse, then the body forwarded unchanged with
 *       one JDK {@code HttpClient.sendAsync} from the IO thread to {@code UPSTREAM_URL}, and the
 *       upstream's answer sent back. No auth, quota, metering or logging.</li>
 *   <li>{@code stream-upstream PORT}: an OpenAI-compatible mock upstream for streams. A streamed
 *       request gets its {@code max_tokens} content chunks at {@code tokens_per_second} (a request
 *       field, default 50), each chunk's content the wall-clock time it was written, in
 *       microseconds ({@code t1732800000123456}), so a client can tell how long the chunk took to
 *       reach it. Pacing runs on the IO thread's timer; no thread per stream.</li>
 *   <li>{@code stream-client URL KEY STREAMS SECONDS TOKENS RATE}: keeps {@code STREAMS} streams
 *       open against {@code URL} for {@code SECONDS} (a new one starts when one ends), reads every
 *       content chunk and records its delay (arrival minus the time written in it). Prints one
 *       {@code STREAMS ...} line: streams finished, chunks, delay p50/p99/max in microseconds,
 *       failures.</li>
 * </ul>
 */
public final class BenchTools {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private BenchTools() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "bare" -> bare(Integer.parseInt(args[1]), Files.readAllBytes(Path.of(args[2])));
            case "jdk-hop" -> jdkHop(Integer.parseInt(args[1]), args[2]);
            case "stream-upstream" -> streamUpstream(Integer.parseInt(args[1]));
            case "stream-client" -> streamClient(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            default -> {
                System.err.println("usage: BenchTools bare PORT COMPLETION_FILE | jdk-hop PORT UPSTREAM_URL | stream-upstream PORT | "
                        + "stream-client URL KEY STREAMS SECONDS TOKENS RATE");
                System.exit(2);
            }
        }
    }

    // ---------------------------------------------------------------- the bare fixed-JSON server

    private static void bare(int port, byte[] completion) {
        ByteBuffer body = ByteBuffer.allocateDirect(completion.length).put(completion).flip();
        chatServer(port, (done, bytes) -> {
            done.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            done.getResponseSender().send(body.duplicate());
        });
        System.out.println("bare server listening on 127.0.0.1:" + port);
    }

    /** Both baselines' server: Undertow with 2 IO threads, the body received on the IO thread, 400 unless a chat request. */
    private static void chatServer(int port, java.util.function.BiConsumer<HttpServerExchange, byte[]> answer) {
        Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(2)
                .setWorkerThreads(2)
                .setHandler(exchange -> exchange.getRequestReceiver().receiveFullBytes((done, bytes) -> {
                    if (!isChatRequest(bytes)) {
                        done.setStatusCode(400);
                        done.endExchange();
                        return;
                    }
                    answer.accept(done, bytes);
                }))
                .build()
                .start();
    }

    /** The baselines' share of the gateway's work: a Jackson parse of the body (a tree) and a model present. */
    private static boolean isChatRequest(byte[] body) {
        try {
            return !MAPPER.readTree(body).path("model").asText().isEmpty();
        } catch (IOException malformed) {
            return false;
        }
    }

    // ---------------------------------------------------------------- the naive JDK HttpClient hop

    private static void jdkHop(int port, String upstreamUrl) {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        java.net.URI upstream = java.net.URI.create(upstreamUrl);
        chatServer(port, (done, bytes) -> {
            java.net.http.HttpRequest forward = java.net.http.HttpRequest.newBuilder(upstream)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build();
            done.dispatch(SameThreadExecutor.INSTANCE, () -> client.sendAsync(forward,
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).whenComplete((answer, failure) ->
                    done.getIoThread().execute(() -> {
                        if (failure != null) {
                            done.setStatusCode(502);
                            done.endExchange();
                            return;
                        }
                        done.setStatusCode(answer.statusCode());
                        done.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                        done.getResponseSender().send(ByteBuffer.wrap(answer.body()));
                    })));
        });
        System.out.println("jdk-hop listening on 127.0.0.1:" + port + ", forwarding to " + upstreamUrl);
    }

    // ---------------------------------------------------------------- the streaming mock upstream

    private static final HttpString CACHE_CONTROL = new HttpString("Cache-Control");
    private static final byte[] MODELS = ("{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\","
            + "\"created\":1732800000,\"owned_by\":\"bench\"}]}").getBytes(StandardCharsets.UTF_8);

    private static void streamUpstream(int port) {
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(1)
                .setWorkerThreads(1)
                .setHandler(BenchTools::upstreamRequest)
                .build();
        server.start();
        System.out.println("stream upstream listening on 127.0.0.1:" + port);
    }

    private static void upstreamRequest(HttpServerExchange exchange) {
        if (exchange.getRequestPath().endsWith("/models")) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(ByteBuffer.wrap(MODELS));
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes((done, bytes) -> {
            JsonNode request;
            try {
                request = MAPPER.readTree(bytes);
            } catch (IOException malformed) {
                done.setStatusCode(400);
                done.endExchange();
                return;
            }
            String model = request.path("model").asText("gpt-4o-mini");
            int tokens = request.path("max_tokens").asInt(50);
            double rate = request.path("tokens_per_second").asDouble(50);
            if (!request.path("stream").asBoolean(false)) {
                done.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                done.getResponseSender().send("{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\",\"created\":1732800000,"
                        + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"The sea is calm.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":35,\"completion_tokens\":5,\"total_tokens\":40}}");
                return;
            }
            done.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
            done.getResponseHeaders().put(CACHE_CONTROL, "no-cache");
            UpstreamStream stream = new UpstreamStream(done, model, tokens, (long) (1_000_000_000L / rate));
            // Dispatched: the exchange stays open after this callback returns, until the last chunk ends it.
            done.dispatch(SameThreadExecutor.INSTANCE, stream::start);
        });
    }

    /** One paced stream, driven by the exchange's IO thread timer. */
    private static final class UpstreamStream {
        private final HttpServerExchange exchange;
        private final String head;
        private final int tokens;
        private final long intervalNanos;
        private final long startNanos = System.nanoTime();
        private int sent;

        UpstreamStream(HttpServerExchange exchange, String model, int tokens, long intervalNanos) {
            this.exchange = exchange;
            this.head = "data: {\"id\":\"chatcmpl-up" + ThreadLocalRandom.current().nextInt(1_000_000)
                    + "\",\"object\":\"chat.completion.chunk\",\"created\":1732800000,\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"delta\":";
            this.tokens = tokens;
            this.intervalNanos = intervalNanos;
        }

        void start() {
            write(head + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n", false);
            schedule();
        }

        private void schedule() {
            // Paced against the stream's start, not the previous tick, so timer lateness does not accumulate.
            long due = startNanos + (sent + 1) * intervalNanos - System.nanoTime();
            exchange.getIoThread().executeAfter(this::tick, Math.max(0, due / 1000), TimeUnit.MICROSECONDS);
        }

        private void tick() {
            if (exchange.isComplete()) {
                return;
            }
            sent++;
            String content = "t" + micros();
            if (sent < tokens) {
                write(head + "{\"content\":\"" + content + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n", false);
                schedule();
                return;
            }
            write(head + "{\"content\":\"" + content + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                    + head + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: {\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":1732800000,"
                    + "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":35,\"completion_tokens\":" + tokens
                    + ",\"total_tokens\":" + (35 + tokens) + "}}\n\ndata: [DONE]\n\n", true);
        }

        private void write(String text, boolean last) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            // The sender writes without blocking and completes on the IO thread; one write at a time per stream,
            // which the 20 ms pacing guarantees in practice (a slow reader would simply be cut by the callback).
            if (last) {
                exchange.getResponseSender().send(bytes);
            } else {
                exchange.getResponseSender().send(bytes, new io.undertow.io.IoCallback() {
                    @Override
                    public void onComplete(HttpServerExchange ex, io.undertow.io.Sender sender) {
                    }

                    @Override
                    public void onException(HttpServerExchange ex, io.undertow.io.Sender sender, IOException failure) {
                        ex.endExchange();
                    }
                });
            }
        }
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    // ---------------------------------------------------------------- the streaming load client

    private static void streamClient(String url, String key, int streams, int seconds, int tokens, int rate) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8);
        threads.setName("bench-client");
        threads.setDaemon(true);
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setSelectors(1);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(streams + 16);
        client.setMaxRequestsQueuedPerDestination(streams + 16);
        client.setIdleTimeout(60_000);
        client.start();

        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":" + tokens + ",\"tokens_per_second\":" + rate
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Stream to the benchmark.\"}]}";
        Delays delays = new Delays();
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastFailure = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            if (System.nanoTime() >= deadline) {
                return;
            }
            ChunkReader reader = new ChunkReader(delays);
            Request request = client.newRequest(url).method(HttpMethod.POST).timeout(seconds + 60L, TimeUnit.SECONDS)
                    .body(new StringRequestContent("application/json", body));
            if (!key.isEmpty() && !key.equals("-")) {
                request.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + key));
            }
            request.onResponseContent((response, content) -> reader.read(content))
                    .send(result -> {
                        if (result.isFailed() || result.getResponse().getStatus() != 200 || !reader.done) {
                            failed.incrementAndGet();
                            if (lastFailure.getAndSet(System.nanoTime()) == 0) {
                                System.err.println("stream failed: " + (result.isFailed() ? result.getFailure()
                                        : "HTTP " + result.getResponse().getStatus() + " done=" + reader.done));
                            }
                        } else {
                            finished.incrementAndGet();
                        }
                        launch[0].run();
                    });
        };
        // Staggered over one token interval times 10, so the streams' ticks do not all fall on the same instant.
        long spreadNanos = Math.min(TimeUnit.SECONDS.toNanos(2), 10L * 1_000_000_000L / Math.max(1, rate));
        for (int i = 0; i < streams; i++) {
            launch[0].run();
            long pause = spreadNanos / streams;
            if (pause > 0) {
                TimeUnit.NANOSECONDS.sleep(pause);
            }
        }
        long waitUntil = deadline + TimeUnit.SECONDS.toNanos(tokens / Math.max(1, rate) + 30L);
        while (System.nanoTime() < waitUntil && finished.get() + failed.get() < delays.started.get()) {
            Thread.sleep(50);
        }
        long[] sorted = delays.sorted();
        System.out.printf(Locale.ROOT, "STREAMS finished=%d failed=%d chunks=%d p50_us=%d p99_us=%d max_us=%d%n",
                finished.get(), failed.get(), sorted.length, pct(sorted, 50), pct(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        client.stop();
        System.exit(0);
    }

    private static long pct(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1))];
    }

    /** Chunk delays in microseconds, from every stream (bounded: the first 4M). */
    private static final class Delays {
        final long[] values = new long[4_000_000];
        final AtomicInteger count = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        final LongAdder skipped = new LongAdder();

        void add(long micros) {
            int at = count.getAndIncrement();
            if (at < values.length) {
                values[at] = micros;
            } else {
                skipped.increment();
            }
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, Math.min(count.get(), values.length));
            Arrays.sort(copy);
            return copy;
        }
    }

    /** Finds {@code "content":"t<micros>"} in the SSE bytes as they arrive (chunk boundaries anywhere). */
    private static final class ChunkReader {
        private static final byte[] MARK = "\"content\":\"t".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
        private final Delays delays;
        private final StringBuilder carry = new StringBuilder();
        volatile boolean done;

        ChunkReader(Delays delays) {
            this.delays = delays;
            delays.started.incrementAndGet();
        }

        void read(ByteBuffer content) {
            long now = micros();
            byte[] bytes = new byte[content.remaining()];
            content.get(bytes);
            carry.append(new String(bytes, StandardCharsets.ISO_8859_1));
            int from = 0;
            while (true) {
                int at = carry.indexOf("\"content\":\"t", from);
                if (at < 0) {
                    break;
                }
                int digits = at + MARK.length;
                int end = digits;
                while (end < carry.length() && Character.isDigit(carry.charAt(end))) {
                    end++;
                }
                if (end >= carry.length()) {
                    break; // the number continues in the next piece
                }
                delays.add(now - Long.parseLong(carry, digits, end, 10));
                from = end;
            }
            if (carry.indexOf("[DONE]", Math.max(0, from - DONE.length)) >= 0) {
                done = true;
            }
            // Keep only an unfinished tail (at most one marker's worth plus digits).
            int keep = Math.max(from, carry.length() - 64);
            carry.delete(0, keep);
        }
    }
}
