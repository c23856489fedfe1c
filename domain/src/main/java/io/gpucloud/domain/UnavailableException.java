package io.gpucloud.domain;

/**
 * A driven dependency (database, Redis, an upstream) could not answer. Always retryable; never
 * to be read as "not found".
 */
public final class UnavailableException extends RuntimeException {
    private final String dependency;

    public UnavailableException(String dependency, String message, Throwable cause) {
        super(message, cause);
        this.dependency = dependency;
    }

    public UnavailableException(String dependency, String message) {
        this(dependency, message, null);
    }

    /** Which dependency failed, e.g. {@code "database"} or {@code "redis"}. */
    public String dependency() {
        return dependency;
    }
}
