package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.quota.Admission;

/** Why a chat call got no completion; each maps to one OpenAI error. */
public sealed interface ChatRejection {

    /** Unknown model, or one the key may not use: 404 model_not_found. */
    record ModelNotFound(String model) implements ChatRejection {
    }

    /** Prompt (plus the completion asked for) over the model's context: 400 context_length_exceeded. */
    record ContextLengthExceeded(String model, long promptTokens, long requestedCompletionTokens, int contextWindow)
            implements ChatRejection {
    }

    /** rpm, tpm, budget or concurrency spent: 429 (or 503 when the quota store is down and policy refuses). */
    record QuotaExceeded(Admission.Refused refusal) implements ChatRejection {
    }

    /** The engine failed before anything was sent to the client. */
    record EngineFailed(EngineException error) implements ChatRejection {
    }
}
