package io.gpucloud.adapters.http.wire;

import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RefusalReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorMapperTest {

    private static EngineException engine(EngineException.Kind kind, int status) {
        return new EngineException(kind, "upstream said no", status, Optional.empty(), null);
    }

    @Test
    void modelNotFound_usesOpenAisMessage() {
        ApiError error = ErrorMapper.map(new ChatRejection.ModelNotFound("gpt-5x"));
        assertEquals(404, error.status());
        assertEquals("The model `gpt-5x` does not exist or you do not have access to it.", error.message());
        assertEquals(Optional.of("model_not_found"), error.code());
    }

    @Test
    void contextLengthExceeded_is400OnMessages() {
        ApiError error = ErrorMapper.map(new ChatRejection.ContextLengthExceeded("gpt-4", 9000, 100, 8192));
        assertEquals(400, error.status());
        assertEquals(Optional.of("context_length_exceeded"), error.code());
        assertTrue(error.message().contains("8192"));
    }

    @Test
    void budgetSpent_is429InsufficientQuota() {
        ApiError error = ErrorMapper.map(new ChatRejection.QuotaExceeded(
                new Admission.Refused(RefusalReason.BUDGET, Duration.ofHours(3), RateLimitSnapshot.unlimited())));
        assertEquals(429, error.status());
        assertEquals("insufficient_quota", error.type());
        assertEquals(Optional.of(Duration.ofHours(3)), error.retryAfter());
    }

    @Test
    void zeroRetryAfter_becomesOneSecond() {
        ApiError error = ErrorMapper.map(new ChatRejection.QuotaExceeded(
                new Admission.Refused(RefusalReason.TOKENS, Duration.ZERO, RateLimitSnapshot.unlimited())));
        assertEquals("tokens", error.type());
        assertEquals(Optional.of(Duration.ofSeconds(1)), error.retryAfter());
    }

    @Test
    void engineFailures_mapByKind() {
        assertEquals(503, ErrorMapper.map(new ChatRejection.EngineFailed(EngineException.unavailable("down"))).status());
        assertEquals(504, ErrorMapper.map(new ChatRejection.EngineFailed(engine(EngineException.Kind.TIMEOUT, 0))).status());
        assertEquals(502, ErrorMapper.map(new ChatRejection.EngineFailed(engine(EngineException.Kind.BAD_RESPONSE, 0))).status());
        ApiError rejected = ErrorMapper.map(new ChatRejection.EngineFailed(engine(EngineException.Kind.REJECTED, 422)));
        assertEquals(422, rejected.status());
        assertEquals("upstream said no", rejected.message());
    }

    @Test
    void upstreamRefusingThePlatformsCredentials_isNotTheClients401() {
        ApiError error = ErrorMapper.map(new ChatRejection.EngineFailed(engine(EngineException.Kind.REJECTED, 401)));
        assertEquals(502, error.status());
        assertEquals("server_error", error.type());
    }

    @Test
    void throwables_mapToStatusesWithoutLeakingDetails() {
        ApiError down = ErrorMapper.map(new CompletionException(new UnavailableException("database", "connection refused")), "r1");
        assertEquals(503, down.status());
        assertTrue(down.retryAfter().isPresent());
        assertFalse(down.message().contains("refused"));
        assertEquals(400, ErrorMapper.map(new IllegalArgumentException("name is required"), "r2").status());
        ApiError bug = ErrorMapper.map(new NullPointerException("secret internals"), "r3");
        assertEquals(500, bug.status());
        assertFalse(bug.message().contains("internals"));
        assertTrue(bug.message().contains("r3"));
    }
}
