package io.gpucloud.application.inference;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelRoute;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.Reservation;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The steps every chat call passes before an engine sees it: route, context check, quota. */
final class ChatAdmission {
    sealed interface Decision {
        RateLimitSnapshot snapshot();
    }

    record Pass(ModelRoute route, Reservation reservation, long promptTokens, RateLimitSnapshot snapshot) implements Decision {
    }

    record Stop(ChatRejection rejection, RateLimitSnapshot snapshot) implements Decision {
    }

    private final ModelCatalog catalog;
    private final QuotaGate quota;
    private final Tokenizer tokenizer;
    private final Clock clock;

    ChatAdmission(ModelCatalog catalog, QuotaGate quota, Tokenizer tokenizer, Clock clock) {
        this.catalog = catalog;
        this.quota = quota;
        this.tokenizer = tokenizer;
        this.clock = clock;
    }

    CompletionStage<Decision> decide(CompleteChatUseCase.Command command) {
        ApiKey caller = command.caller();
        ChatRequest request = command.request();
        var route = catalog.route(request.model()).filter(found -> caller.limits().allowsModel(request.model()));
        if (route.isEmpty()) {
            return CompletableFuture.completedFuture(
                    new Stop(new ChatRejection.ModelNotFound(request.model()), RateLimitSnapshot.unlimited()));
        }
        long promptTokens = tokenizer.countPrompt(request);
        long requestedCompletion = request.maxTokens().orElse(0);
        int contextWindow = route.get().model().contextWindow();
        if (promptTokens + requestedCompletion > contextWindow) {
            return CompletableFuture.completedFuture(new Stop(
                    new ChatRejection.ContextLengthExceeded(request.model(), promptTokens, requestedCompletion, contextWindow),
                    RateLimitSnapshot.unlimited()));
        }
        QuotaRequest ask = new QuotaRequest(caller.id(), command.requestId(), caller.limits(),
                TokenEstimate.of(request, promptTokens), clock.instant());
        return quota.admit(ask).thenApply(admission -> switch (admission) {
            case Admission.Admitted admitted -> new Pass(route.get(), admitted.reservation(), promptTokens, admitted.snapshot());
            case Admission.Refused refused -> new Stop(new ChatRejection.QuotaExceeded(refused), refused.snapshot());
        });
    }
}
