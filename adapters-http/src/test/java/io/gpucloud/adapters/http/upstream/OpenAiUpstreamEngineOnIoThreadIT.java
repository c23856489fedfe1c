package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every test of {@link OpenAiUpstreamEngineIT} again, with each call, streamed or not, made from an Undertow (XNIO) IO
 * thread, as the gateway makes it: those calls go out on that thread's own connections ({@link IoThreadCalls}) and
 * must complete on it (a stream's every chunk and its end too). Plus what only that path has: kept connections and
 * the wait for one.
 */
class OpenAiUpstreamEngineOnIoThreadIT extends OpenAiUpstreamEngineIT {
    private static XnioWorker worker;

    @BeforeAll
    static void startWorker() throws IOException {
        worker = Xnio.getInstance().createWorker(OptionMap.create(Options.WORKER_IO_THREADS, 2));
    }

    @AfterAll
    static void stopWorker() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(10, TimeUnit.SECONDS);
    }

    private final List<String> offThread = new CopyOnWriteArrayList<>();

    @AfterEach
    void everyStreamCallback_ranOnTheIoThreadThatStartedTheStream() {
        assertEquals(List.of(), offThread);
    }

    @Override
    Cancellation startStream(OpenAiUpstreamEngine engine, ChatRequest request, ChunkSink sink) {
        return startStreamOn(worker.getIoThread(), engine, request, sink);
    }

    private Cancellation startStreamOn(XnioIoThread thread, OpenAiUpstreamEngine engine, ChatRequest request, ChunkSink sink) {
        ChunkSink checked = new ChunkSink() {
            @Override
            public void chunk(ChatChunk chunk) {
                check("a chunk");
                sink.chunk(chunk);
            }

            @Override
            public void complete(TokenUsage usage) {
                check("the end");
                sink.complete(usage);
            }

            @Override
            public void fail(EngineException error, TokenUsage usageSoFar) {
                check("the failure");
                sink.fail(error, usageSoFar);
            }

            private void check(String what) {
                if (Thread.currentThread() != thread) {
                    offThread.add(what + " on " + Thread.currentThread().getName());
                }
            }
        };
        CompletableFuture<Cancellation> started = new CompletableFuture<>();
        thread.execute(() -> started.complete(engine.stream(request, checked)));
        return started.orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    @Test
    void streamsOneAfterAnother_shareOneKeptConnection_ofTheirOwn() {
        try (UpstreamClient own = UpstreamClient.start(FAST)) {
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(upstream(FakeUpstream.Behaviour.NORMAL).base()));
            XnioIoThread thread = worker.getIoThread();
            for (int i = 0; i < 3; i++) {
                CollectingSink sink = new CollectingSink();
                startStreamOn(thread, engine, request("up-model", true), sink);
                assertEquals(FakeUpstream.TEXT, sink.awaitEnd(DEADLINE).text());
            }
            IoThreadCalls calls = own.ioThreadCalls().orElseThrow();
            assertEquals(1, calls.connectionsOpened(), "one connection for the streams, reused");
            onThread(thread, engine);
            assertEquals(2, calls.connectionsOpened(), "whole answers have connections of their own");
        }
    }

    @Override
    CompletionStage<ChatCompletion> call(OpenAiUpstreamEngine engine, ChatRequest request) {
        return completeOn(worker.getIoThread(), engine, request);
    }

    /** The call made from {@code thread}; fails unless it also completes there. */
    private static CompletableFuture<ChatCompletion> completeOn(XnioIoThread thread, OpenAiUpstreamEngine engine,
                                                               ChatRequest request) {
        CompletableFuture<ChatCompletion> answer = new CompletableFuture<>();
        thread.execute(() -> engine.complete(request).whenComplete((completion, failure) -> {
            try {
                assertSame(thread, Thread.currentThread(), "the call completes on the IO thread that made it");
            } catch (AssertionError elsewhere) {
                answer.completeExceptionally(elsewhere);
                return;
            }
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(completion);
            }
        }));
        return answer;
    }

    @Test
    void callsOneAfterAnother_shareOneKeptConnection() {
        assertCallsInTurnKeepOneConnection(FakeUpstream::base, 20);
    }

    /** {@code calls} calls in turn from one IO thread to the endpoint {@code base} gives for a fresh upstream. */
    private void assertCallsInTurnKeepOneConnection(Function<FakeUpstream, URI> base, int calls) {
        try (UpstreamClient own = UpstreamClient.start(FAST)) {
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(base.apply(upstream(FakeUpstream.Behaviour.NORMAL))));
            XnioIoThread thread = worker.getIoThread();
            for (int i = 0; i < calls; i++) {
                assertEquals(Optional.of(FakeUpstream.TEXT), onThread(thread, engine).choices().getFirst().content());
            }
            assertEquals(1, own.ioThreadCalls().orElseThrow().connectionsOpened());
        }
    }

    @Test
    void moreCallsThanConnections_waitForOne_andAllAreAnswered() {
        // Two connections per endpoint across the worker's two IO threads: one per thread.
        UpstreamSettings two = pool(2, FAST.poolIdleTimeout());
        try (UpstreamClient own = UpstreamClient.start(two)) {
            FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(upstream.base()));
            List<CompletableFuture<ChatCompletion>> calls = startAtOnce(engine, 30, () -> { });
            for (CompletableFuture<ChatCompletion> call : calls) {
                assertEquals(Optional.of(FakeUpstream.TEXT),
                        call.orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join().choices().getFirst().content());
            }
            assertEquals(30, upstream.chatCalls.get());
            assertEquals(1, own.ioThreadCalls().orElseThrow().connectionsOpened(), "one connection for the thread, reused");
        }
    }

    @Test
    void callsWaitingForAConnection_whenTheirDeploymentIsRemoved_stillFinish_andItsConnectionsClose() {
        UpstreamSettings two = pool(2, FAST.poolIdleTimeout());
        try (UpstreamClient own = UpstreamClient.start(two)) {
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(upstream(FakeUpstream.Behaviour.NORMAL).base()));
            List<CompletableFuture<ChatCompletion>> calls = startAtOnce(engine, 10, engine::close);
            for (CompletableFuture<ChatCompletion> call : calls) {
                // Well within the 5 s request timeout that a forgotten waiting call would end with.
                assertEquals(Optional.of(FakeUpstream.TEXT),
                        call.orTimeout(2, TimeUnit.SECONDS).join().choices().getFirst().content());
            }
            IoThreadCalls ioThreadCalls = own.ioThreadCalls().orElseThrow();
            until(() -> ioThreadCalls.openConnections() == 0, "the removed deployment's connection is closed");
        }
    }

    @Test
    void aConnectionIdleLongerThanThePoolsTimeout_isClosed_andTheNextCallOpensAnother() {
        UpstreamSettings briefIdle = pool(FAST.maxConnectionsPerEndpoint(), Duration.ofMillis(100));
        try (UpstreamClient own = UpstreamClient.start(briefIdle)) {
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(upstream(FakeUpstream.Behaviour.NORMAL).base()));
            XnioIoThread thread = worker.getIoThread();
            onThread(thread, engine);
            IoThreadCalls calls = own.ioThreadCalls().orElseThrow();
            until(() -> calls.openConnections() == 0, "the idle connection is closed by the sweep");
            onThread(thread, engine);
            assertEquals(2, calls.connectionsOpened());
        }
    }

    @Test
    void anEndpointNamedByHost_isLookedUp_andItsConnectionKept() {
        assertCallsInTurnKeepOneConnection(upstream -> URI.create("http://localhost:" + upstream.base().getPort() + "/v1"), 3);
    }

    @Test
    void aKeptConnectionTheUpstreamClosed_isDropped_andTheNextCallOpensAnother() {
        try (UpstreamClient own = UpstreamClient.start(FAST)) {
            FakeUpstream first = FakeUpstream.start();
            int port = first.port();
            OpenAiUpstreamEngine engine = engine(own, Optional.empty(), List.of(first.base()));
            XnioIoThread thread = worker.getIoThread();
            onThread(thread, engine);
            IoThreadCalls calls = own.ioThreadCalls().orElseThrow();
            assertEquals(1, calls.openConnections());

            first.close();
            until(() -> calls.openConnections() == 0, "the connection the upstream closed is dropped");
            try (FakeUpstream back = FakeUpstream.start(port)) {
                assertEquals(Optional.of(FakeUpstream.TEXT), onThread(thread, engine).choices().getFirst().content());
                assertEquals(1, back.chatCalls.get());
            }
            assertEquals(2, calls.connectionsOpened());
        }
    }

    @Test
    void withIoThreadCallsOff_theCallGoesThroughJetty() {
        try (UpstreamClient jettyOnly = UpstreamClient.start(FAST, false)) {
            OpenAiUpstreamEngine engine = engine(jettyOnly, Optional.empty(), List.of(upstream(FakeUpstream.Behaviour.NORMAL).base()));
            CompletableFuture<Thread> completedOn = new CompletableFuture<>();
            worker.getIoThread().execute(() -> engine.complete(request("up-model", false))
                    .whenComplete((completion, failure) -> completedOn.complete(Thread.currentThread())));
            Thread thread = completedOn.orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join();
            assertTrue(thread.getName().startsWith("upstream"), thread.getName());
        }
    }

    /** FAST with another connection cap per endpoint and idle timeout. */
    private static UpstreamSettings pool(int maxConnectionsPerEndpoint, Duration idleTimeout) {
        UpstreamSettings d = FAST;
        return new UpstreamSettings(d.connectTimeout(), d.readTimeout(), d.requestTimeout(), d.probeTimeout(), idleTimeout,
                d.maxAttempts(), d.ejectAfterFailures(), d.probeBackoff(), d.maxProbeBackoff(), maxConnectionsPerEndpoint,
                d.maxQueuedPerEndpoint(), d.maxLineBytes(), d.maxBodyBytes());
    }

    /** Starts {@code count} calls in one turn of an IO thread, then runs {@code then} in that same turn. */
    private static List<CompletableFuture<ChatCompletion>> startAtOnce(OpenAiUpstreamEngine engine, int count, Runnable then) {
        List<CompletableFuture<ChatCompletion>> calls = new ArrayList<>();
        CompletableFuture<Void> started = new CompletableFuture<>();
        worker.getIoThread().execute(() -> {
            for (int i = 0; i < count; i++) {
                calls.add(engine.complete(request("up-model", false)).toCompletableFuture());
            }
            then.run();
            started.complete(null);
        });
        started.orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join();
        return calls;
    }

    private static ChatCompletion onThread(XnioIoThread thread, OpenAiUpstreamEngine engine) {
        return completeOn(thread, engine, request("up-model", false)).orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join();
    }
}
