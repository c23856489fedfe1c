package io.gpucloud.adapters.redis.queue;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Jobs, their events and worker heartbeats as the JSON stored in Redis. Field names are short
 * but readable with {@code redis-cli}; the format is versioned by nothing but additive changes
 * (unknown fields are ignored when reading), since queue entries outlive a deploy.
 */
final class JobCodec {
    private JobCodec() {
    }

    // ---- jobs -------------------------------------------------------------------------------

    static String job(Job job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", job.id().value());
        out.put("requestId", job.requestId().map(RequestId::value).orElse(null));
        out.put("keyId", job.keyId().map(ApiKeyId::toString).orElse(null));
        out.put("stream", job.stream());
        out.put("enqueuedAt", job.enqueuedAt().toEpochMilli());
        out.put("deadline", job.deadline().toEpochMilli());
        out.put("request", request(job.request()));
        return JsonText.write(out);
    }

    /** The job as submitted (attempt 0). */
    static Job job(String json) {
        Map<String, Object> in = object(JsonText.parse(json));
        return new Job(new JobId(text(in, "id")),
                optionalText(in, "requestId").map(RequestId::new),
                optionalText(in, "keyId").flatMap(ApiKeyId::parse),
                request(object(in.get("request"))),
                bool(in, "stream"),
                Instant.ofEpochMilli(number(in, "enqueuedAt").longValue()),
                Instant.ofEpochMilli(number(in, "deadline").longValue()),
                0);
    }

    private static Map<String, Object> request(ChatRequest request) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", request.model());
        List<Object> messages = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", message.role());
            m.put("content", message.content().orElse(null));
            if (!message.extra().isEmpty()) {
                m.put("extra", message.extra());
            }
            messages.add(m);
        }
        out.put("messages", messages);
        out.put("stream", request.stream());
        out.put("includeUsage", request.includeUsage());
        out.put("maxTokens", request.maxTokens().isPresent() ? request.maxTokens().getAsInt() : null);
        out.put("temperature", request.temperature().isPresent() ? request.temperature().getAsDouble() : null);
        out.put("topP", request.topP().isPresent() ? request.topP().getAsDouble() : null);
        out.put("n", request.n());
        out.put("stop", request.stop());
        out.put("seed", request.seed().isPresent() ? request.seed().getAsLong() : null);
        out.put("user", request.user().orElse(null));
        if (!request.extra().isEmpty()) {
            out.put("extra", request.extra());
        }
        return out;
    }

    private static ChatRequest request(Map<String, Object> in) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Object item : list(in.get("messages"))) {
            Map<String, Object> m = object(item);
            messages.add(new ChatMessage(text(m, "role"), optionalText(m, "content"), extra(m)));
        }
        Number maxTokens = optionalNumber(in, "maxTokens");
        Number temperature = optionalNumber(in, "temperature");
        Number topP = optionalNumber(in, "topP");
        Number seed = optionalNumber(in, "seed");
        return new ChatRequest(text(in, "model"), messages, bool(in, "stream"), bool(in, "includeUsage"),
                maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens.intValue()),
                temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature.doubleValue()),
                topP == null ? OptionalDouble.empty() : OptionalDouble.of(topP.doubleValue()),
                number(in, "n").intValue(),
                list(in.get("stop")).stream().map(String.class::cast).toList(),
                seed == null ? OptionalLong.empty() : OptionalLong.of(seed.longValue()),
                optionalText(in, "user"),
                extra(in));
    }

    // ---- events -----------------------------------------------------------------------------

    static String event(JobEvent event) {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (event) {
            case JobEvent.Started started -> {
                out.put("type", "started");
                out.put("worker", started.worker().value());
            }
            case JobEvent.Chunk chunk -> {
                out.put("type", "chunk");
                out.put("choices", chunk.chunk().choices().stream().map(JobCodec::chunkChoice).toList());
            }
            case JobEvent.Finished finished -> {
                out.put("type", "finished");
                out.put("usage", usage(finished.usage()));
            }
            case JobEvent.Answered answered -> {
                ChatCompletion completion = answered.completion();
                out.put("type", "answered");
                out.put("id", completion.id());
                out.put("created", completion.created());
                out.put("model", completion.model());
                out.put("choices", completion.choices().stream().map(JobCodec::choice).toList());
                out.put("usage", usage(completion.usage()));
            }
            case JobEvent.Failed failed -> {
                out.put("type", "failed");
                out.put("kind", failed.kind().name());
                out.put("message", failed.message());
                out.put("upstreamStatus", failed.upstreamStatus());
                out.put("retryAfterMillis", failed.retryAfter().map(Duration::toMillis).orElse(null));
                out.put("usage", usage(failed.usageSoFar()));
            }
        }
        return JsonText.write(out);
    }

    static JobEvent event(String json) {
        Map<String, Object> in = object(JsonText.parse(json));
        String type = text(in, "type");
        return switch (type) {
            case "started" -> new JobEvent.Started(new WorkerId(text(in, "worker")));
            case "chunk" -> new JobEvent.Chunk(new ChatChunk(list(in.get("choices")).stream()
                    .map(choice -> chunkChoice(object(choice))).toList()));
            case "finished" -> new JobEvent.Finished(usage(object(in.get("usage"))));
            case "answered" -> new JobEvent.Answered(new ChatCompletion(text(in, "id"), number(in, "created").longValue(),
                    text(in, "model"), list(in.get("choices")).stream().map(choice -> choice(object(choice))).toList(),
                    usage(object(in.get("usage")))));
            case "failed" -> {
                Number retryAfter = optionalNumber(in, "retryAfterMillis");
                yield new JobEvent.Failed(EngineException.Kind.valueOf(text(in, "kind")), optionalText(in, "message").orElse(""),
                        number(in, "upstreamStatus").intValue(),
                        retryAfter == null ? Optional.empty() : Optional.of(Duration.ofMillis(retryAfter.longValue())),
                        usage(object(in.get("usage"))));
            }
            default -> throw new IllegalArgumentException("unknown job event type " + type);
        };
    }

    private static Map<String, Object> chunkChoice(ChunkChoice choice) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", choice.index());
        out.put("role", choice.role().orElse(null));
        out.put("content", choice.content().orElse(null));
        out.put("finishReason", choice.finishReason().orElse(null));
        if (!choice.delta().isEmpty()) {
            out.put("extra", choice.delta());
        }
        return out;
    }

    private static ChunkChoice chunkChoice(Map<String, Object> in) {
        return new ChunkChoice(number(in, "index").intValue(), optionalText(in, "role"), optionalText(in, "content"),
                optionalText(in, "finishReason"), extra(in));
    }

    private static Map<String, Object> choice(Choice choice) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", choice.index());
        out.put("content", choice.content().orElse(null));
        out.put("finishReason", choice.finishReason());
        if (!choice.message().isEmpty()) {
            out.put("extra", choice.message());
        }
        return out;
    }

    private static Choice choice(Map<String, Object> in) {
        return new Choice(number(in, "index").intValue(), optionalText(in, "content"), optionalText(in, "finishReason").orElse(null),
                extra(in));
    }

    private static Map<String, Object> usage(TokenUsage usage) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("prompt", usage.promptTokens());
        out.put("completion", usage.completionTokens());
        return out;
    }

    private static TokenUsage usage(Map<String, Object> in) {
        return new TokenUsage(number(in, "prompt").longValue(), number(in, "completion").longValue());
    }

    // ---- workers ----------------------------------------------------------------------------

    static String worker(WorkerInfo info) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", info.id().value());
        out.put("host", info.host());
        out.put("models", info.models());
        out.put("concurrency", info.concurrency());
        out.put("inFlight", info.inFlight());
        out.put("lastSeen", info.lastSeen().toEpochMilli());
        out.put("leaseMillis", info.lease().toMillis());
        out.put("state", info.state().wireName());
        return JsonText.write(out);
    }

    static WorkerInfo worker(String json) {
        Map<String, Object> in = object(JsonText.parse(json));
        return new WorkerInfo(new WorkerId(text(in, "id")), optionalText(in, "host").orElse(""),
                list(in.get("models")).stream().map(String.class::cast).toList(),
                number(in, "concurrency").intValue(), number(in, "inFlight").intValue(),
                Instant.ofEpochMilli(number(in, "lastSeen").longValue()), Duration.ofMillis(number(in, "leaseMillis").longValue()),
                WorkerState.fromWireName(text(in, "state")));
    }

    // ---- reading plain values ---------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException("expected a JSON object");
    }

    private static List<?> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return list;
        }
        throw new IllegalArgumentException("expected a JSON array");
    }

    private static Map<String, Object> extra(Map<String, Object> in) {
        Object extra = in.get("extra");
        return extra == null ? Map.of() : object(extra);
    }

    private static String text(Map<String, Object> in, String field) {
        return optionalText(in, field).orElseThrow(() -> new IllegalArgumentException(field + " is missing"));
    }

    private static Optional<String> optionalText(Map<String, Object> in, String field) {
        Object value = in.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            return Optional.of(text);
        }
        throw new IllegalArgumentException(field + " must be a string");
    }

    private static Number number(Map<String, Object> in, String field) {
        Number value = optionalNumber(in, field);
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    private static Number optionalNumber(Map<String, Object> in, String field) {
        Object value = in.get(field);
        if (value == null || value instanceof Number) {
            return (Number) value;
        }
        throw new IllegalArgumentException(field + " must be a number");
    }

    private static boolean bool(Map<String, Object> in, String field) {
        return Boolean.TRUE.equals(in.get(field));
    }
}
