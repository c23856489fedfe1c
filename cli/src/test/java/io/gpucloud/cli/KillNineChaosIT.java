package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 14: {@code kill -9} of the server in the middle of a run, repeated; the server restarts on the same
 * database each time. Per kill, the calls answered 200 but missing from the ledger are at most what the README states
 * — the usage flush interval's worth of traffic (checked as: the lost calls were all answered within the last
 * 2 × {@value #FLUSH_INTERVAL_MS} ms before the kill, the interval plus the write in progress) — and the ledger never holds more than the calls that were answered or cut mid-way (no duplicate).
 *
 * <p>Runs in {@code scripts/chaos.sh} only ({@code --short}: ~3,000 calls and 2 kills; long: 50,000 calls and 5
 * kills), at a paced 300 calls/s; skipped in the normal test command.
 */
class KillNineChaosIT {
    private static final String MODE = System.getProperty("gpucloud.chaos.mode", "fast");
    private static final int CLIENTS = 4;
    /**
     * Calls per second, paced: the README's bound holds while the usage writer keeps up with the traffic. Pushed past
     * what PostgreSQL takes on this machine (-Dgpucloud.chaos.killRate=0: as fast as the clients go), the buffer's
     * lag grows and a crash loses the backlog, which gpucloud_usage_batch_lag_seconds shows; the test then reports it.
     */
    private static final int RATE = Integer.getInteger("gpucloud.chaos.killRate", 300);
    private static final long FLUSH_INTERVAL_MS = 250;
    private ServeProcess server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void killNine_losesAtMostAFlushIntervalOfUsage_andNeverWritesTwice() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(!MODE.equals("fast"), "kill -9 runs in scripts/chaos.sh");
        boolean longRun = MODE.equals("long");
        long totalCalls = Long.getLong("gpucloud.chaos.killCalls", longRun ? 50_000 : 3_000);
        int kills = Integer.getInteger("gpucloud.chaos.kills", longRun ? 5 : 2);
        long perRound = totalCalls / (kills + 1);

        DatabaseUrl database = TestDatabase.createDatabase();
        Path log = Files.createTempFile("gpucloud-kill9", ".log");
        Map<String, String> env = Map.of("USAGE_FLUSH_INTERVAL_MS", Long.toString(FLUSH_INTERVAL_MS));
        server = ServeProcess.start(database, env, log);
        String[] key = server.createKey("");
        Database db = TestDatabase.open(database);

        long answered = 0;
        long lostTotal = 0;
        List<String> rounds = new ArrayList<>();
        for (int round = 0; round <= kills; round++) {
            if (round > 0) {
                server = ServeProcess.start(database, env, log);
            }
            long before = count(db, key[0]);
            Load load = new Load(server.port, key[1], RATE);
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MINUTES.toNanos(5);
            while (load.ok.get() < perRound && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            boolean kill = round < kills;
            long killedAt = System.nanoTime();
            if (kill) {
                server.kill9();
            }
            load.stop();
            double seconds = (System.nanoTime() - started) / 1e9;
            if (!kill) {
                server.sigterm();
                assertTrue(server.process.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, server.process.exitValue());
            }
            long ok = load.ok.get();
            long cut = load.failed.get();
            long recorded = count(db, key[0]) - before;
            double rate = ok / seconds;
            long lost = ok - recorded;
            // The window the lost calls were answered in: from the first unrecorded answer (answers are recorded in
            // order, give or take the clients in flight) to the kill.
            long[] times = java.util.Arrays.copyOf(load.answeredAt, (int) Math.min(ok, load.answeredAt.length));
            java.util.Arrays.sort(times);
            int firstLost = (int) Math.max(0, Math.min(times.length - 1, ok - lost + CLIENTS));
            long lostWindowMs = lost <= CLIENTS ? 0 : TimeUnit.NANOSECONDS.toMillis(killedAt - times[firstLost]);
            String line = String.format("round %d (%s): %d answered at %.0f/s, %d cut by the kill, %d recorded, %d lost "
                            + "(answered in the last %d ms before the kill; flush interval %d ms)", round,
                    kill ? "kill -9" : "SIGTERM", ok, rate, cut, recorded, lost, lostWindowMs, FLUSH_INTERVAL_MS);
            rounds.add(line);
            System.out.println("CHAOS [" + MODE + "] kill -9 " + line);
            assertTrue(recorded <= ok + cut, "more usage than calls (a duplicate): " + line);
            if (kill && RATE <= 0) {
                // Unpaced: an overload measurement, reported above, not held to the bound.
            } else if (kill) {
                // One flush interval, plus the write in progress when the process died (slow on a loaded 2-core machine).
                assertTrue(lostWindowMs <= 2 * FLUSH_INTERVAL_MS, "lost more than a flush interval's worth: " + line);
            } else {
                assertTrue(lost <= 0, "a graceful stop lost usage: " + line);
            }
            answered += ok;
            lostTotal += Math.max(0, lost);
        }
        long duplicates = db.withHandle(handle -> handle.createQuery(
                "SELECT count(*) - count(DISTINCT request_id) FROM usage_events").mapTo(Long.class).one());
        assertEquals(0, duplicates);
        System.out.printf("CHAOS [%s] kill -9 x%d: %d calls answered, %d usage records lost in total (%.3f%%)%n", MODE, kills,
                answered, lostTotal, 100.0 * lostTotal / answered);
    }

    private static long count(Database db, String keyId) {
        return db.withHandle(handle -> handle.createQuery("SELECT count(*) FROM usage_events WHERE key_id = CAST(:key AS uuid)")
                .bind("key", keyId).mapTo(Long.class).one());
    }

    /** {@value #CLIENTS} clients, paced to a total rate; counts 200s and calls that died with the server. */
    private static final class Load {
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        /** When each 200 arrived (System.nanoTime), in order of arrival. */
        final long[] answeredAt = new long[2_000_000];
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(int port, String key, int rate) {
            URI uri = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
            long periodNanos = rate <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) * CLIENTS / rate;
            for (int c = 0; c < CLIENTS; c++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    long next = System.nanoTime();
                    while (running.get()) {
                        if (periodNanos > 0) {
                            next += periodNanos;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                        }
                        try {
                            HttpResponse<String> response = ServeProcess.HTTP.send(HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"max_tokens\":3,"
                                            + "\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                long at = System.nanoTime();
                                long index = ok.getAndIncrement();
                                if (index < answeredAt.length) {
                                    answeredAt[(int) index] = at;
                                }
                            }
                        } catch (Exception serverGone) {
                            failed.incrementAndGet();
                            return;
                        }
                    }
                }));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(60));
            }
        }
    }
}
