package io.gpucloud.domain.deployment;

import java.util.Locale;

/** A deployment's life: provisioning until its first probe answers, then running or failed. */
public enum DeploymentStatus {
    PROVISIONING, RUNNING, FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeploymentStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
