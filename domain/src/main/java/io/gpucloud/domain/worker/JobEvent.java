package io.gpucloud.domain.worker;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a worker tells the caller about a job, in order: {@link Started}, then for a streamed job
 * {@link Chunk}s and {@link Finished}, for a whole one {@link Answered}; {@link Failed} may end
 * either. {@link #isTerminal() Terminal} events end an attempt.
 */
public sealed interface JobEvent {

    /** A worker began an attempt. */
    record Started(WorkerId worker) implements JobEvent {
        public Started {
            Objects.requireNonNull(worker, "worker");
        }
    }

    /** The next piece of a streamed answer. */
    record Chunk(ChatChunk chunk) implements JobEvent {
        public Chunk {
            Objects.requireNonNull(chunk, "chunk");
        }
    }

    /** A streamed answer ended normally; {@code usage} is what it consumed. */
    record Finished(TokenUsage usage) implements JobEvent {
        public Finished {
            Objects.requireNonNull(usage, "usage");
        }
    }

    /** The whole answer of a job that was not streamed. */
    record Answered(ChatCompletion completion) implements JobEvent {
        public Answered {
            Objects.requireNonNull(completion, "completion");
        }
    }

    /** The job failed; the fields are those of the {@link EngineException} the caller gets. */
    record Failed(EngineException.Kind kind, String message, int upstreamStatus, Optional<Duration> retryAfter,
                  TokenUsage usageSoFar) implements JobEvent {
        public Failed {
            Objects.requireNonNull(kind, "kind");
            message = message == null ? "" : message;
            Objects.requireNonNull(retryAfter, "retryAfter");
            Objects.requireNonNull(usageSoFar, "usageSoFar");
        }

        public static Failed of(EngineException error, TokenUsage usageSoFar) {
            return new Failed(error.kind(), error.getMessage(), error.upstreamStatus(), error.retryAfter(), usageSoFar);
        }

        public EngineException toException() {
            return new EngineException(kind, message, upstreamStatus, retryAfter, null);
        }
    }

    default boolean isTerminal() {
        return switch (this) {
            case Started started -> false;
            case Chunk chunk -> false;
            case Finished finished -> true;
            case Answered answered -> true;
            case Failed failed -> true;
        };
    }
}
