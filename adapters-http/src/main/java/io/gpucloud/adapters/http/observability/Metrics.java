package io.gpucloud.adapters.http.observability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The process's Prometheus metrics: the HTTP adapter's own (requests by route/method/status/model,
 * latency histogram by route, tokens by model, in-flight requests, open and cancelled streams) and
 * whatever the embedding application registers with {@link #gauge}, {@link #counter} and {@link #family} (e.g. the
 * usage batch's lag, pending and dropped records). Lock-free on the request path; thread-safe.
 */
public final class Metrics {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /**
     * Down to a tenth of a millisecond: the gateway's own time for a chat call is well under 5 ms at load, and with
     * Prometheus's default first bucket of 5 ms every quantile of it would read "at most 5 ms"; a proxied call's
     * added latency is judged against 0.3 ms.
     */
    static final double[] LATENCY_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    static final double[] RELAY_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

    private record RequestKey(String route, String method, int status, String model) {
    }

    private record TokenKey(String model, String type) {
    }

    private record Registered(String name, String help, String type, DoubleSupplier value) {
    }

    /** One sample of a labelled family: the label values, in the family's label order, and the value. */
    public record Sample(List<String> labelValues, double value) {
        public Sample {
            labelValues = List.copyOf(labelValues);
        }
    }

    private record Family(String name, String help, String type, List<String> labelNames, Supplier<List<Sample>> samples) {
    }

    private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<TokenKey, LongAdder> tokens = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong openStreams = new AtomicLong();
    private final LongAdder cancelledStreams = new LongAdder();
    private final Histogram chunkRelay = new Histogram(RELAY_BUCKETS);
    private final List<Registered> registered = new CopyOnWriteArrayList<>();
    private final List<Family> families = new CopyOnWriteArrayList<>();

    /**
     * Registers a gauge read at every scrape. {@code value} must be cheap, non-blocking and
     * thread-safe; it may go up and down.
     *
     * @throws IllegalArgumentException for a name that is not a Prometheus metric name or is taken
     */
    public void gauge(String name, String help, DoubleSupplier value) {
        register(name, help, "gauge", value);
    }

    /** Registers a counter kept elsewhere (monotonic, e.g. records dropped so far), read at every scrape. */
    public void counter(String name, String help, DoubleSupplier total) {
        register(name, help, "counter", total);
    }

    /**
     * Registers a family of samples with labels (e.g. one per model), read at every scrape.
     * {@code samples} must be cheap, non-blocking and thread-safe; each sample's label values follow
     * {@code labelNames}. {@code type} is {@code gauge} or {@code counter}.
     *
     * @throws IllegalArgumentException for a name or label that is not a Prometheus name, or a name that is taken
     */
    public synchronized void family(String name, String help, String type, List<String> labelNames, Supplier<List<Sample>> samples) {
        checkName(name);
        if (!type.equals("gauge") && !type.equals("counter")) {
            throw new IllegalArgumentException("a family is a gauge or a counter, not " + type);
        }
        for (String label : labelNames) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("not a Prometheus label name: " + label);
            }
        }
        families.add(new Family(name, help == null ? "" : help, type, List.copyOf(labelNames), samples));
    }

    private synchronized void register(String name, String help, String type, DoubleSupplier value) {
        checkName(name);
        registered.add(new Registered(name, help == null ? "" : help, type, value));
    }

    private void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: " + name);
        }
        if (name.startsWith("gpucloud_http_") || name.startsWith("gpucloud_chat_") || name.equals("gpucloud_tokens_total")
                || registered.stream().anyMatch(existing -> existing.name().equals(name))
                || families.stream().anyMatch(existing -> existing.name().equals(name))) {
            throw new IllegalArgumentException("metric name taken: " + name);
        }
    }

    /** Requests being served now. */
    public long inFlight() {
        return inFlight.get();
    }

    /** Streams open now. */
    public long openStreams() {
        return openStreams.get();
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /**
     * One finished request.
     *
     * @param route the matched route template (bounded set), never the raw path
     * @param model a model the catalog knows, or empty
     */
    public void requestFinished(String route, String method, int status, String model, long nanos) {
        inFlight.decrementAndGet();
        requests.computeIfAbsent(new RequestKey(route, knownMethod(method), status, model), key -> new LongAdder()).increment();
        latency.computeIfAbsent(route, key -> new Histogram(LATENCY_BUCKETS)).observe(nanos / 1e9);
    }

    public void tokens(String model, long prompt, long completion) {
        if (prompt > 0) {
            tokens.computeIfAbsent(new TokenKey(model, "prompt"), key -> new LongAdder()).add(prompt);
        }
        if (completion > 0) {
            tokens.computeIfAbsent(new TokenKey(model, "completion"), key -> new LongAdder()).add(completion);
        }
    }

    public void streamOpened() {
        openStreams.incrementAndGet();
    }

    public void streamClosed(boolean cancelledByClient) {
        openStreams.decrementAndGet();
        if (cancelledByClient) {
            cancelledStreams.increment();
        }
    }

    /** A streamed chunk went out: {@code nanos} from the engine handing it over to its write to the client's socket. */
    public void chunkRelayed(long nanos) {
        chunkRelay.observe(nanos / 1e9);
    }

    /** The Prometheus text exposition format, version 0.0.4. */
    public String scrape() {
        PrometheusText text = new PrometheusText();
        text.header("gpucloud_http_requests_total", "HTTP requests by route template, method, status and model.", "counter");
        requests.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<RequestKey, LongAdder> e) -> e.getKey().route())
                        .thenComparing(e -> e.getKey().method()).thenComparing(e -> e.getKey().status())
                        .thenComparing(e -> e.getKey().model()))
                .forEach(e -> text.sample("gpucloud_http_requests_total", List.of(
                        "route", e.getKey().route(), "method", e.getKey().method(),
                        "status", Integer.toString(e.getKey().status()), "model", e.getKey().model()), e.getValue().sum()));

        text.header("gpucloud_http_request_duration_seconds", "Time from request start to the end of the response.", "histogram");
        latency.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> e.getValue().writeTo(text, "gpucloud_http_request_duration_seconds", List.of("route", e.getKey())));

        text.header("gpucloud_http_requests_in_flight", "Requests being served now, streams included.", "gauge");
        text.sample("gpucloud_http_requests_in_flight", List.of(), inFlight.get());

        text.header("gpucloud_tokens_total", "Tokens served, by model and type (prompt or completion).", "counter");
        tokens.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TokenKey, LongAdder> e) -> e.getKey().model())
                        .thenComparing(e -> e.getKey().type()))
                .forEach(e -> text.sample("gpucloud_tokens_total",
                        List.of("model", e.getKey().model(), "type", e.getKey().type()), e.getValue().sum()));

        text.header("gpucloud_chat_streams_open", "Chat completion streams open now.", "gauge");
        text.sample("gpucloud_chat_streams_open", List.of(), openStreams.get());
        text.header("gpucloud_chat_streams_cancelled_total", "Streams whose client went away before the end.", "counter");
        text.sample("gpucloud_chat_streams_cancelled_total", List.of(), cancelledStreams.sum());
        text.header("gpucloud_chat_stream_chunk_relay_seconds", "Time from the engine (an upstream's bytes, parsed) handing a "
                + "streamed chunk over to the write of its bytes to the client's socket.", "histogram");
        chunkRelay.writeTo(text, "gpucloud_chat_stream_chunk_relay_seconds", List.of());

        for (Registered metric : new ArrayList<>(registered)) {
            text.header(metric.name(), metric.help(), metric.type());
            text.sample(metric.name(), List.of(), read(metric.value()));
        }
        for (Family family : new ArrayList<>(families)) {
            text.header(family.name(), family.help(), family.type());
            for (Sample sample : read(family)) {
                if (sample.labelValues().size() != family.labelNames().size()) {
                    continue;
                }
                List<String> labels = new ArrayList<>(2 * family.labelNames().size());
                for (int i = 0; i < family.labelNames().size(); i++) {
                    labels.add(family.labelNames().get(i));
                    labels.add(sample.labelValues().get(i));
                }
                text.sample(family.name(), labels, sample.value());
            }
        }
        return text.toString();
    }

    private static List<Sample> read(Family family) {
        try {
            List<Sample> samples = family.samples().get();
            return samples == null ? List.of() : samples;
        } catch (RuntimeException broken) {
            return List.of();
        }
    }

    private static double read(DoubleSupplier supplier) {
        try {
            return supplier.getAsDouble();
        } catch (RuntimeException broken) {
            return Double.NaN;
        }
    }

    private static String knownMethod(String method) {
        return switch (method) {
            case "GET", "POST", "DELETE", "OPTIONS", "HEAD", "PUT", "PATCH" -> method;
            default -> "other";
        };
    }
}
