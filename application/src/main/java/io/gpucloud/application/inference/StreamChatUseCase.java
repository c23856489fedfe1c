package io.gpucloud.application.inference;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.quota.RateLimitSnapshot;

import java.util.concurrent.CompletionStage;

/**
 * A streamed chat completion in two steps, so that refusals are ordinary HTTP errors: {@link #open}
 * routes and admits; only an {@link Opened} stream is started, and its chunks go to the sink. The
 * stream is metered once when it ends (completed, failed, or cancelled — billed for what was sent).
 */
public interface StreamChatUseCase {
    CompletionStage<Opening> open(CompleteChatUseCase.Command command);

    sealed interface Opening {
        RateLimitSnapshot snapshot();
    }

    /**
     * Admitted. {@code completionId} and {@code created} (Unix seconds) are shared by every chunk.
     * Exactly one of {@link Stream#start} or {@link Stream#abandon} must be called.
     */
    record Opened(String completionId, long created, String model, RateLimitSnapshot snapshot, Stream stream)
            implements Opening {
    }

    record Rejected(ChatRejection rejection, RateLimitSnapshot snapshot) implements Opening {
    }

    interface Stream {
        /** Starts the engine; the returned cancellation is for a client that went away. */
        Cancellation start(ChunkSink sink);

        /** The client left before the stream started: release the reservation, meter nothing. */
        void abandon();
    }
}
