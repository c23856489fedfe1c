package io.gpucloud.adapters.http.wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoThreadMailboxTest {
    private XnioWorker worker;

    @BeforeEach
    void startWorker() throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.EMPTY);
    }

    @AfterEach
    void stopWorker() throws Exception {
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
        IoThreadMailbox.forget(worker);
    }

    @Test
    void everyTaskRunsOnceOnTheIoThreadInTheOrderEachProducerAddedIt() throws Exception {
        XnioIoThread ioThread = worker.getIoThread();
        IoThreadMailbox mailbox = IoThreadMailbox.of(ioThread);
        int producers = 4;
        int tasksEach = 20_000;  // more than one turn's worth, so turns hand over to each other
        List<List<Integer>> seen = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            seen.add(new ArrayList<>());
        }
        AtomicInteger wrongThread = new AtomicInteger();
        CountDownLatch allRan = new CountDownLatch(producers * tasksEach);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            List<Integer> mine = seen.get(p);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < tasksEach; i++) {
                    int index = i;
                    mailbox.execute(() -> {
                        if (Thread.currentThread() != ioThread) {
                            wrongThread.incrementAndGet();
                        }
                        mine.add(index);  // only ever touched on the IO thread
                        allRan.countDown();
                    });
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(allRan.await(30, TimeUnit.SECONDS), "tasks left behind: " + allRan.getCount());
        assertEquals(0, wrongThread.get());
        CountDownLatch visible = new CountDownLatch(1);
        mailbox.execute(visible::countDown);
        assertTrue(visible.await(5, TimeUnit.SECONDS));
        for (List<Integer> mine : seen) {
            assertEquals(tasksEach, mine.size());
            for (int i = 0; i < tasksEach; i++) {
                assertEquals(i, mine.get(i));
            }
        }
    }

    @Test
    void aStoppedIoThreadRefusesWork() throws Exception {
        IoThreadMailbox mailbox = IoThreadMailbox.of(worker.getIoThread());
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(5, TimeUnit.SECONDS));
        assertThrows(RejectedExecutionException.class, () -> mailbox.execute(() -> { }));
    }
}
