package io.gpucloud.adapters.http.deployment;

import com.fasterxml.jackson.core.JsonGenerator;
import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.domain.deployment.Deployment;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/** The admin API's deployment object. */
final class DeploymentJson {
    private DeploymentJson() {
    }

    static byte[] one(Deployment deployment) {
        return Json.write(json -> fields(json, deployment));
    }

    static byte[] list(List<Deployment> deployments) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("deployments");
            for (Deployment deployment : deployments) {
                fields(json, deployment);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void fields(JsonGenerator json, Deployment deployment) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", deployment.id().toString());
        json.writeStringField("name", deployment.name());
        json.writeStringField("modelType", deployment.modelType());
        json.writeStringField("engine", deployment.engine().wireName());
        json.writeArrayFieldStart("endpoints");
        for (URI endpoint : deployment.endpoints()) {
            json.writeString(endpoint.toString());
        }
        json.writeEndArray();
        Json.stringField(json, "upstreamModel", deployment.upstreamModel());
        Json.stringField(json, "upstreamApiKeyEnv", deployment.upstreamApiKeyEnv());
        json.writeStringField("status", deployment.status().wireName());
        Json.stringField(json, "reason", deployment.reason());
        json.writeStringField("createdAt", Json.timestamp(deployment.createdAt()));
        json.writeStringField("updatedAt", Json.timestamp(deployment.updatedAt()));
        json.writeEndObject();
    }
}
