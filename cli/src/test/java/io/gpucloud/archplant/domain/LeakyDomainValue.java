package io.gpucloud.archplant.domain;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Planted violation: a domain class that knows a framework. Only ArchitectureTest reads it. */
public final class LeakyDomainValue {
    public String describe(Object value) throws Exception {
        return new ObjectMapper().writeValueAsString(value);
    }
}
