package io.gpucloud.adapters.http.deployment;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.adapters.http.wire.JsonFields;
import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.gpucloud.domain.deployment.EngineKind;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /api/deployments}: {@code name}, {@code modelType}, and optional
 * {@code engine} (default {@code simulated}), {@code endpoints}, {@code upstreamModel},
 * {@code upstreamApiKeyEnv}. Rules across fields (an openai deployment needs endpoints…) are the
 * domain's and answer 400 with its message.
 */
final class CreateDeploymentRequest {
    static final int MAX_ENDPOINTS = 64;
    private static final Set<String> FIELDS = Set.of("name", "modelType", "engine", "endpoints", "upstreamModel",
            "upstreamApiKeyEnv");

    private CreateDeploymentRequest() {
    }

    static CreateDeploymentUseCase.Command parse(byte[] body) {
        JsonFields fields = JsonFields.root(Json.parse(body));
        fields.rejectUnknown(FIELDS);
        String name = fields.requiredString("name");
        String modelType = fields.requiredString("modelType");
        EngineKind engine = fields.optionalString("engine")
                .map(text -> EngineKind.parse(text).orElseThrow(() -> JsonFields.invalidValue("engine",
                        "expected one of simulated, openai, queue, but got '" + text + "'.")))
                .orElse(EngineKind.SIMULATED);
        List<String> endpointTexts = fields.optionalStringList("endpoints", MAX_ENDPOINTS).orElse(List.of());
        List<URI> endpoints = new ArrayList<>(endpointTexts.size());
        for (int i = 0; i < endpointTexts.size(); i++) {
            endpoints.add(url(endpointTexts.get(i), "endpoints[" + i + "]"));
        }
        return new CreateDeploymentUseCase.Command(name, modelType, engine, endpoints,
                fields.optionalString("upstreamModel"), fields.optionalString("upstreamApiKeyEnv"));
    }

    private static URI url(String text, String param) {
        try {
            URI uri = new URI(text.strip());
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw JsonFields.invalidValue(param, "expected an http(s) URL with a host, such as http://gpu-node:8000/v1.");
            }
            return uri;
        } catch (URISyntaxException notAUrl) {
            throw JsonFields.invalidValue(param, "expected an http(s) URL, such as http://gpu-node:8000/v1.");
        }
    }
}
