package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 15: SIGTERM to a real {@code serve} process with 100 long streams in flight. New requests get 503
 * with {@code Retry-After} (until the listener closes), every stream ends properly — its finish_reason then
 * {@code [DONE]}, or an error event then {@code [DONE]} — the process exits 0 within the grace, and every stream has
 * its usage record: none lost.
 */
class SigtermStreamsIT {
    private static final int STREAMS = Integer.getInteger("gpucloud.chaos.sigtermStreams", 100);
    private static final int GRACE_SECONDS = 20;
    private ServeProcess server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private record Ending(boolean done, boolean finished, boolean errorEvent, int contentChunks) {
    }

    @Test
    void sigterm_withAHundredStreamsInFlight_refusesNewRequests_finishesTheStreams_losesNoUsage() throws Exception {
        DatabaseUrl database = TestDatabase.createDatabase();
        server = ServeProcess.start(database, Map.of("SIMULATED_TOKENS_PER_SECOND", "20",
                "SHUTDOWN_GRACE_SECONDS", Integer.toString(GRACE_SECONDS)));
        String[] key = server.createKey("");

        CountDownLatch allStreaming = new CountDownLatch(STREAMS);
        List<Ending> endings = Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            readers.add(Thread.ofVirtual().start(() -> endings.add(stream(key[1], allStreaming))));
        }
        assertTrue(allStreaming.await(60, TimeUnit.SECONDS), "not all streams started: " + allStreaming.getCount() + " missing");

        long signalled = System.nanoTime();
        server.sigterm();
        Map<Integer, Integer> refusals = new TreeMap<>();
        int withRetryAfter = 0;
        int servedBeforeTheSignalLanded = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS + 5);
        while (server.process.isAlive() && System.nanoTime() < until && refusals.values().stream().mapToInt(i -> i).sum() < 50) {
            try {
                HttpResponse<String> response = server.post("/v1/chat/completions", key[1],
                        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"late\"}]}");
                if (response.statusCode() == 200 && refusals.isEmpty()) {
                    // The signal is asynchronous: until the JVM runs its shutdown hook, the server serves as before.
                    servedBeforeTheSignalLanded++;
                    continue;
                }
                refusals.merge(response.statusCode(), 1, Integer::sum);
                if (response.statusCode() == 503 && response.headers().firstValue("retry-after").isPresent()
                        && response.body().contains("server_shutting_down")) {
                    withRetryAfter++;
                }
            } catch (IOException listenerClosed) {
                break;
            }
        }
        for (Thread reader : readers) {
            reader.join(Duration.ofSeconds(GRACE_SECONDS + 15));
        }
        assertTrue(server.process.waitFor(GRACE_SECONDS + 15, TimeUnit.SECONDS), "the server did not exit");
        long exitedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertEquals(0, server.process.exitValue(), server.readLog());

        Database db = TestDatabase.open(database);
        long records = db.withHandle(handle -> handle.createQuery(
                "SELECT count(*) FROM usage_events WHERE key_id = CAST(:key AS uuid)").bind("key", key[0]).mapTo(Long.class).one());
        long finished = endings.stream().filter(Ending::finished).count();
        long errored = endings.stream().filter(Ending::errorEvent).count();
        System.out.printf("CHAOS SIGTERM with %d streams: exit 0 after %d ms (grace %d s); new requests %s (%d with Retry-After); "
                        + "streams %d finished, %d ended with an error event; %d usage records (%d calls served before the signal "
                        + "landed)%n", STREAMS, exitedAfterMs, GRACE_SECONDS, refusals, withRetryAfter, finished, errored, records,
                servedBeforeTheSignalLanded);
        assertEquals(STREAMS, endings.size());
        assertTrue(endings.stream().allMatch(ending -> ending.done() && (ending.finished() || ending.errorEvent())),
                "a stream ended without its finish_reason or error event and [DONE]: " + endings);
        assertTrue(refusals.getOrDefault(503, 0) > 0, "no new request was refused while draining: " + refusals);
        assertEquals(refusals.getOrDefault(503, 0), withRetryAfter, "every 503 carries Retry-After");
        assertEquals(Map.of(503, refusals.get(503)), refusals, "new requests during the drain: only 503s");
        assertTrue(exitedAfterMs < (GRACE_SECONDS + 12) * 1000L, "exited only after " + exitedAfterMs + " ms");
        assertEquals(STREAMS + servedBeforeTheSignalLanded, records, "usage records lost on shutdown");
    }

    /** One stream of ~3 s (60 tokens at 20/s) over a socket: counts down once its first content arrives. */
    private Ending stream(String key, CountDownLatch streaming) {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"max_tokens\":60,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"a long answer please\"}]}";
        boolean counted = false;
        try (Socket socket = new Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            boolean done = false;
            boolean finished = false;
            boolean error = false;
            int content = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                if (line.equals("data: [DONE]")) {
                    done = true;
                } else if (line.startsWith("data: {\"error\"")) {
                    error = true;
                } else if (line.contains("\"finish_reason\":\"")) {
                    finished = true;
                } else if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    content++;
                    if (!counted) {
                        counted = true;
                        streaming.countDown();
                    }
                }
            }
            return new Ending(done, finished, error, content);
        } catch (IOException broken) {
            return new Ending(false, false, false, -1);
        } finally {
            if (!counted) {
                streaming.countDown();
            }
        }
    }
}
