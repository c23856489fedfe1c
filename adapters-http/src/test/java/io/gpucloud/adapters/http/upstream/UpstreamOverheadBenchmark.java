package io.gpucloud.adapters.http.upstream;

import io.gpucloud.application.inference.StaticModelCatalog;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What the gateway adds to a call: latency (p50, p99) of the same chat request sent straight to a
 * fast OpenAI-compatible upstream and through the gateway (the real HTTP API with its
 * {@code openai} engine, authentication, JSON decoding and re-encoding, metering) in front of that
 * upstream, in the same run, alternating blocks so that drift hits both alike. Not a test: run it
 * by hand.
 *
 * <pre>
 * ./mvnw -o -q -pl adapters-http test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp adapters-http/target/classes:adapters-http/target/test-classes:$(cat adapters-http/target/cp.txt) \
 *      io.gpucloud.adapters.http.upstream.UpstreamOverheadBenchmark [requests per case, default 20000]
 * </pre>
 *
 * The upstream is a minimal Undertow server answering a fixed completion (or a 7-event stream) on
 * its IO thread; the load client is Jetty's; quota admits everything (no Redis in the path).
 */
public final class UpstreamOverheadBenchmark {
    private static final String MODEL = "bench-model";
    private static final String COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Hello from the upstream.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16}}";
    private static final String STREAM = stream();

    private UpstreamOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Undertow upstream = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1)
                .setHandler(UpstreamOverheadBenchmark::answer).build();
        upstream.start();
        int upstreamPort = ((InetSocketAddress) upstream.getListenerInfo().getFirst().getAddress()).getPort();
        String direct = "http://127.0.0.1:" + upstreamPort + "/v1/chat/completions";

        UpstreamClient engineClient = UpstreamClient.start(UpstreamSettings.defaults());
        OpenAiUpstreamEngine engine = new OpenAiUpstreamEngine(engineClient,
                List.of(URI.create("http://127.0.0.1:" + upstreamPort + "/v1")), Optional.empty(),
                Gateway.TOKENIZER, Clock.systemUTC());
        Gateway gateway = new Gateway(UpstreamSettings.defaults(), Duration.ofSeconds(10),
                new StaticModelCatalog(Map.of(MODEL, 128_000), "gpucloud", engine));
        String key = gateway.newKey();
        String through = gateway.base().resolve("/v1/chat/completions").toString();

        HttpClient load = new HttpClient();
        load.setMaxConnectionsPerDestination(256);
        load.start();
        try {
            System.out.printf(Locale.ROOT, "%d cores, %s, %d requests per case%n", Runtime.getRuntime().availableProcessors(),
                    Runtime.version(), requests);
            String body = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                    + "{\"role\":\"user\",\"content\":\"Say hello to the benchmark\"}],\"max_tokens\":32}";
            String streamBody = body.replace("\"max_tokens\":32", "\"max_tokens\":32,\"stream\":true");
            for (String[] kase : new String[][]{{"completion, 1 at a time", body, "1"}, {"stream, 1 at a time", streamBody, "1"},
                    {"completion, 16 concurrent", body, "16"}}) {
                int concurrency = Integer.parseInt(kase[2]);
                run(load, direct, through, key, kase[1], concurrency, Math.max(2_000, requests / 4)); // warm-up
                long[][] both = run(load, direct, through, key, kase[1], concurrency, requests);
                report(kase[0], both[0], both[1]);
            }
        } finally {
            load.stop();
            gateway.close();
            engine.close();
            engineClient.close();
            upstream.stop();
        }
        System.exit(0);
    }

    /** Latencies (ns) of direct and gateway calls, in alternating blocks of 500. */
    private static long[][] run(HttpClient load, String direct, String through, String key, String body, int concurrency,
                                int requests) throws Exception {
        long[] directNanos = new long[requests];
        long[] throughNanos = new long[requests];
        int block = 500;
        for (int done = 0; done < requests; done += block) {
            int size = Math.min(block, requests - done);
            measure(load, direct, null, body, concurrency, directNanos, done, size);
            measure(load, through, key, body, concurrency, throughNanos, done, size);
        }
        return new long[][]{directNanos, throughNanos};
    }

    private static void measure(HttpClient load, String url, String key, String body, int concurrency, long[] into, int from,
                                int count) throws Exception {
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch finished = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            slots.acquire();
            int slot = from + i;
            long started = System.nanoTime();
            Request request = load.newRequest(url).method(HttpMethod.POST).timeout(30, TimeUnit.SECONDS)
                    .body(new StringRequestContent("application/json", body));
            if (key != null) {
                request.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + key));
            }
            request.send(new BufferingResponseListener(1 << 20) {
                @Override
                public void onComplete(Result result) {
                    into[slot] = System.nanoTime() - started;
                    if (result.isFailed() || result.getResponse().getStatus() != 200) {
                        System.err.println("request failed: " + (result.isFailed() ? result.getFailure()
                                : result.getResponse().getStatus() + " " + getContentAsString()));
                    }
                    slots.release();
                    finished.countDown();
                }
            });
        }
        if (!finished.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests did not finish");
        }
    }

    private static void report(String name, long[] direct, long[] through) {
        long[] d = direct.clone();
        long[] t = through.clone();
        Arrays.sort(d);
        Arrays.sort(t);
        System.out.printf(Locale.ROOT, "%-28s direct p50 %7.3f ms p99 %7.3f ms | gateway p50 %7.3f ms p99 %7.3f ms | "
                        + "added p50 %6.3f ms p99 %6.3f ms%n", name, ms(pct(d, 50)), ms(pct(d, 99)), ms(pct(t, 50)), ms(pct(t, 99)),
                ms(pct(t, 50) - pct(d, 50)), ms(pct(t, 99) - pct(d, 99)));
    }

    private static long pct(long[] sorted, int percentile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static void answer(HttpServerExchange exchange) {
        exchange.getRequestReceiver().receiveFullBytes((done, bytes) -> {
            boolean stream = new String(bytes, StandardCharsets.UTF_8).contains("\"stream\":true");
            done.getResponseHeaders().put(Headers.CONTENT_TYPE, stream ? "text/event-stream" : "application/json");
            done.getResponseSender().send(stream ? STREAM : COMPLETION);
        });
    }

    private static String stream() {
        StringBuilder events = new StringBuilder();
        String head = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench-model\","
                + "\"choices\":[{\"index\":0,\"delta\":";
        events.append("data: ").append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String word : FakeUpstream.WORDS) {
            events.append("data: ").append(head).append("{\"content\":\"").append(word).append("\"},\"finish_reason\":null}]}\n\n");
        }
        events.append("data: ").append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        events.append("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16}}\n\n");
        events.append("data: [DONE]\n\n");
        return events.toString();
    }
}
