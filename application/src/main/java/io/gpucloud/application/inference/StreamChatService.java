package io.gpucloud.application.inference;

import io.gpucloud.application.usage.RecordUsageUseCase;
import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.usage.UsageStatus;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

public final class StreamChatService implements StreamChatUseCase {
    private final ChatAdmission admission;
    private final ChatMeter meter;
    private final Clock clock;

    public StreamChatService(ModelCatalog catalog, QuotaGate quota, Tokenizer tokenizer, RecordUsageUseCase usage, Clock clock) {
        this.admission = new ChatAdmission(catalog, quota, tokenizer, clock);
        this.meter = new ChatMeter(quota, usage, clock);
        this.clock = clock;
    }

    @Override
    public CompletionStage<Opening> open(CompleteChatUseCase.Command command) {
        return admission.decide(command).thenApply(decision -> switch (decision) {
            case ChatAdmission.Stop stop -> new Rejected(stop.rejection(), stop.snapshot());
            case ChatAdmission.Pass pass -> new Opened(newCompletionId(), clock.instant().getEpochSecond(),
                    command.request().model(), pass.snapshot(), new MeteredStream(command, pass));
        });
    }

    /**
     * {@code chatcmpl-} and 128 random bits in hex (the shape of a UUID without dashes). From
     * {@link ThreadLocalRandom}: an id needs to be unique, not unguessable, and {@code UUID.randomUUID()}
     * would take the shared SecureRandom's lock and a read of the OS's random device on every call.
     */
    public static String newCompletionId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        HexFormat hex = HexFormat.of();
        return "chatcmpl-" + hex.toHexDigits(random.nextLong()) + hex.toHexDigits(random.nextLong());
    }

    private final class MeteredStream implements Stream {
        private final CompleteChatUseCase.Command command;
        private final ChatAdmission.Pass pass;
        private final AtomicBoolean used = new AtomicBoolean();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicBoolean cancelled = new AtomicBoolean();

        MeteredStream(CompleteChatUseCase.Command command, ChatAdmission.Pass pass) {
            this.command = command;
            this.pass = pass;
        }

        @Override
        public Cancellation start(ChunkSink client) {
            if (!used.compareAndSet(false, true)) {
                throw new IllegalStateException("a stream starts once");
            }
            ChunkSink metered = new ChunkSink() {
                @Override
                public void chunk(ChatChunk chunk) {
                    client.chunk(chunk);
                }

                @Override
                public void complete(TokenUsage usage) {
                    if (ended.compareAndSet(false, true)) {
                        meter.meter(command, pass.reservation(), usage, cancelled.get() ? UsageStatus.CANCELLED : UsageStatus.COMPLETED);
                        client.complete(usage);
                    }
                }

                @Override
                public void fail(EngineException error, TokenUsage usageSoFar) {
                    if (ended.compareAndSet(false, true)) {
                        meter.meter(command, pass.reservation(), usageSoFar, cancelled.get() ? UsageStatus.CANCELLED : UsageStatus.FAILED);
                        client.fail(error, usageSoFar);
                    }
                }
            };
            Cancellation engineCancellation;
            try {
                engineCancellation = pass.route().engine().stream(command.request().withModel(pass.route().engineModel()), metered);
            } catch (RuntimeException failedToStart) {
                metered.fail(CompleteChatService.asEngineException(failedToStart), new TokenUsage(0, 0));
                return () -> { };
            }
            return () -> {
                cancelled.set(true);
                engineCancellation.cancel();
            };
        }

        @Override
        public void abandon() {
            if (used.compareAndSet(false, true)) {
                meter.release(pass.reservation());
            }
        }
    }
}
