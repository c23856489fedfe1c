package io.gpucloud.adapters.http;

import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.Reservation;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The real in-process gate, unless a test scripts the next answers. Scripted answers complete on
 * another thread, as a Redis-backed gate's would, so the server's hand-over back to the IO thread
 * is exercised too.
 */
final class ScriptableQuotaGate implements QuotaGate, AutoCloseable {
    private final QuotaGate real;
    private final ExecutorService quotaThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon(true).name("quota").factory());
    private volatile Function<QuotaRequest, Optional<Admission>> script = request -> Optional.empty();

    ScriptableQuotaGate(QuotaGate real) {
        this.real = real;
    }

    /** {@code answer} decides each call; an empty answer falls through to the real gate. */
    void script(Function<QuotaRequest, Optional<Admission>> answer) {
        this.script = answer;
    }

    void unscript() {
        this.script = request -> Optional.empty();
    }

    @Override
    public CompletionStage<Admission> admit(QuotaRequest request) {
        Optional<Admission> scripted = script.apply(request);
        if (scripted.isPresent()) {
            return CompletableFuture.supplyAsync(scripted::get, quotaThread);
        }
        return real.admit(request);
    }

    @Override
    public CompletionStage<Void> settle(Reservation reservation, long actualTokens) {
        return real.settle(reservation, actualTokens);
    }

    @Override
    public void close() {
        quotaThread.shutdownNow();
    }
}
