package io.gpucloud.domain.usage;

/** How a metered call ended. */
public enum UsageStatus {
    /** The engine answered in full. */
    COMPLETED,
    /** The engine failed after the call reached it. */
    FAILED,
    /** The client went away; billed for what it received. */
    CANCELLED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static UsageStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
