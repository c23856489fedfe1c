package io.gpucloud.adapters.http.inference;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.ApiException;
import io.gpucloud.domain.inference.ChatRequest;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the chat request decoder: whatever the bytes, the answer is a valid {@link ChatRequest} or a documented
 * 400 (adapters-http/README.md's codes), never another exception — which the error mapper would turn into a 500.
 *
 * <p>In the normal test run this replays the corpus in {@code src/test/resources/.../ChatRequestDecoderFuzzTestInputs}
 * (and the crashes Jazzer once found, kept there as regression inputs). {@code scripts/fuzz.sh} fuzzes for real
 * ({@code JAZZER_FUZZ=1}) for as long as it is told.
 */
class ChatRequestDecoderFuzzTest {
    /** The 400 codes the decoder may answer with, as documented. */
    static final Set<String> DOCUMENTED_CODES = Set.of("invalid_json", "missing_required_parameter", "invalid_type",
            "invalid_value", "empty_array", "integer_below_min_value", "integer_above_max_value",
            "decimal_below_min_value", "decimal_above_max_value", "array_above_max_length", "unknown_parameter");

    @FuzzTest(maxDuration = "10s")
    void decode_answersARequestOrADocumented400(byte[] body) {
        try {
            ChatRequest request = ChatRequestDecoder.decode(body);
            assertTrue(!request.model().isBlank() && !request.messages().isEmpty());
            assertTrue(request.messages().size() <= ChatRequestDecoder.MAX_MESSAGES);
            assertTrue(request.n() >= 1 && request.n() <= ChatRequest.MAX_CHOICES);
        } catch (ApiException refused) {
            ApiError error = refused.error();
            assertEquals(400, error.status(), error.toString());
            assertEquals(ApiError.INVALID_REQUEST, error.type());
            assertTrue(error.code().isPresent() && DOCUMENTED_CODES.contains(error.code().get()), error.toString());
        }
    }
}
