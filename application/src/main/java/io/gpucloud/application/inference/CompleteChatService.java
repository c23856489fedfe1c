package io.gpucloud.application.inference;

import io.gpucloud.application.usage.RecordUsageUseCase;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.usage.UsageStatus;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

public final class CompleteChatService implements CompleteChatUseCase {
    private final ChatAdmission admission;
    private final ChatMeter meter;

    public CompleteChatService(ModelCatalog catalog, QuotaGate quota, Tokenizer tokenizer, RecordUsageUseCase usage, Clock clock) {
        this.admission = new ChatAdmission(catalog, quota, tokenizer, clock);
        this.meter = new ChatMeter(quota, usage, clock);
    }

    @Override
    public CompletionStage<Outcome> complete(Command command) {
        CompletableFuture<ChatAdmission.Decision> decided = admission.decide(command).toCompletableFuture();
        Function<ChatAdmission.Decision, CompletionStage<Outcome>> next = decision -> switch (decision) {
            case ChatAdmission.Stop stop -> CompletableFuture.completedFuture(new Rejected(stop.rejection(), stop.snapshot()));
            case ChatAdmission.Pass pass -> run(command, pass);
        };
        if (decided.isDone()) {
            return decided.thenCompose(next);
        }
        Executor engineCaller = command.engineCaller();
        return decided.thenComposeAsync(next, task -> {
            try {
                engineCaller.execute(task);
            } catch (RejectedExecutionException gone) {
                task.run();
            }
        });
    }

    private CompletionStage<Outcome> run(Command command, ChatAdmission.Pass pass) {
        CompletionStage<ChatCompletion> running;
        try {
            running = pass.route().engine().complete(command.request().withModel(pass.route().engineModel()));
        } catch (RuntimeException failedToStart) {
            running = CompletableFuture.failedFuture(failedToStart);
        }
        return running.handle((completion, failure) -> {
            if (failure == null) {
                meter.meter(command, pass.reservation(), completion.usage(), UsageStatus.COMPLETED);
                ChatCompletion publicNamed = new ChatCompletion(completion.id(), completion.created(),
                        command.request().model(), completion.choices(), completion.usage());
                return new Completed(publicNamed, pass.snapshot());
            }
            meter.meter(command, pass.reservation(), new TokenUsage(0, 0), UsageStatus.FAILED);
            return new Rejected(new ChatRejection.EngineFailed(asEngineException(failure)), pass.snapshot());
        });
    }

    static EngineException asEngineException(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof EngineException engine) {
            return engine;
        }
        return new EngineException(EngineException.Kind.UNAVAILABLE, "the engine failed: " + cause.getClass().getSimpleName(),
                0, java.util.Optional.empty(), cause);
    }
}
