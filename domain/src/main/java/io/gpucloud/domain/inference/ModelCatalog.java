package io.gpucloud.domain.inference;

import java.util.List;
import java.util.Optional;

/** The models this platform serves now and where each is routed. Non-blocking; thread-safe. */
public interface ModelCatalog {
    List<ModelInfo> models();

    Optional<ModelRoute> route(String publicModel);
}
