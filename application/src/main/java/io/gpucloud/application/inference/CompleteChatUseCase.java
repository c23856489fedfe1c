package io.gpucloud.application.inference;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A non-streamed chat completion: route, admit, run, meter. Non-blocking: the stage completes on
 * engine or quota threads. Calls that reach the engine are metered exactly once.
 */
public interface CompleteChatUseCase {
    CompletionStage<Outcome> complete(Command command);

    /**
     * @param startedNanos {@link System#nanoTime()} when the request arrived, for latency
     * @param engineCaller where the engine is called when admission answers later, from another thread (a quota on
     *                     Redis): the HTTP adapter gives the request's IO thread, whose own upstream connections the
     *                     {@code openai} engine then uses. When admission answers at once the engine is called right
     *                     there; if the executor refuses (its thread is gone) the engine is called where admission
     *                     answered
     */
    record Command(ApiKey caller, ChatRequest request, RequestId requestId, long startedNanos, Executor engineCaller) {

        /** The engine is called wherever admission answers. */
        public Command(ApiKey caller, ChatRequest request, RequestId requestId, long startedNanos) {
            this(caller, request, requestId, startedNanos, Runnable::run);
        }
    }

    sealed interface Outcome {
        RateLimitSnapshot snapshot();
    }

    record Completed(ChatCompletion completion, RateLimitSnapshot snapshot) implements Outcome {
    }

    record Rejected(ChatRejection rejection, RateLimitSnapshot snapshot) implements Outcome {
    }
}
