package io.gpucloud.application.inference;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;

import java.util.concurrent.CompletionStage;

/**
 * A non-streamed chat completion: route, admit, run, meter. Non-blocking: the stage completes on
 * engine or quota threads. Calls that reach the engine are metered exactly once.
 */
public interface CompleteChatUseCase {
    CompletionStage<Outcome> complete(Command command);

    /** @param startedNanos {@link System#nanoTime()} when the request arrived, for latency */
    record Command(ApiKey caller, ChatRequest request, RequestId requestId, long startedNanos) {
    }

    sealed interface Outcome {
        RateLimitSnapshot snapshot();
    }

    record Completed(ChatCompletion completion, RateLimitSnapshot snapshot) implements Outcome {
    }

    record Rejected(ChatRejection rejection, RateLimitSnapshot snapshot) implements Outcome {
    }
}
