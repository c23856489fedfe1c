package io.gpucloud.bootstrap;

/** A configuration value is missing or wrong; the message names the variable and never a secret. */
public final class ConfigException extends RuntimeException {
    private final String variable;

    public ConfigException(String variable, String problem) {
        super(variable + ": " + problem);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
