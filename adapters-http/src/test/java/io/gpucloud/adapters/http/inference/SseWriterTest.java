package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.RawHttp;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Over a real socket: what an open stream keeps of the events it has written. */
class SseWriterTest {
    private final Object lock = new Object();
    private final CountDownLatch firstEventWritten = new CountDownLatch(1);
    private volatile WeakReference<byte[]> firstEvent;
    private volatile HttpServerExchange exchange;
    private volatile SseWriter writer;
    private Undertow server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private int start() {
        server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(1)
                .setHandler(incoming -> incoming.dispatch(SameThreadExecutor.INSTANCE, () -> {
                    synchronized (lock) {
                        exchange = incoming;
                        incoming.setStatusCode(200);
                        writer = new SseWriter(incoming, lock, () -> { });
                        writer.write(event());
                        writer.drain();
                    }
                    firstEventWritten.countDown();
                }))
                .build();
        server.start();
        return ((InetSocketAddress) server.getListenerInfo().getFirst().getAddress()).getPort();
    }

    private byte[] event() {
        byte[] event = "data: {\"first\":true}\n\n".getBytes(StandardCharsets.UTF_8);
        firstEvent = new WeakReference<>(event);
        return event;
    }

    @Test
    void aWrittenEvent_isNotKeptAlive_whileTheStreamStaysOpen() throws Exception {
        int port = start();
        try (RawHttp client = new RawHttp(port)) {
            client.write("GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertTrue(firstEventWritten.await(10, TimeUnit.SECONDS));
            assertEquals(200, client.readHead().status());

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (firstEvent.get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
            }

            assertTrue(exchange.getConnection().isOpen(), "the stream is still open");
            assertNull(firstEvent.get(), "the first event is still reachable from the open connection");
            exchange.getIoThread().execute(() -> {
                synchronized (lock) {
                    writer.end();
                }
            });
            assertTrue(client.readChunkedBody().contains("\"first\":true"));
        }
    }
}
