package io.gpucloud.adapters.http.worker;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.domain.worker.WorkerInfo;

import java.util.List;

/** The admin API's worker object: {@code id, host, models, concurrency, inFlight, lastSeenAt, status}. */
final class WorkerJson {
    private WorkerJson() {
    }

    static byte[] list(List<WorkerInfo> workers) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("workers");
            for (WorkerInfo worker : workers) {
                json.writeStartObject();
                json.writeStringField("id", worker.id().value());
                json.writeStringField("host", worker.host());
                json.writeArrayFieldStart("models");
                for (String model : worker.models()) {
                    json.writeString(model);
                }
                json.writeEndArray();
                json.writeNumberField("concurrency", worker.concurrency());
                json.writeNumberField("inFlight", worker.inFlight());
                json.writeStringField("lastSeenAt", Json.timestamp(worker.lastSeen()));
                json.writeStringField("status", worker.state().wireName());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }
}
