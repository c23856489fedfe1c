package io.gpucloud.domain;

import java.util.UUID;
import java.util.regex.Pattern;

/** Identifies one API request end to end; the usage ledger is idempotent on it. */
public record RequestId(String value) {
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public RequestId {
        if (value == null || !WELL_FORMED.matcher(value).matches()) {
            throw new IllegalArgumentException("request id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
    }

    public static RequestId random() {
        return new RequestId("req_" + UUID.randomUUID().toString().replace("-", ""));
    }

    /** True when an incoming header value may be kept as the request id. */
    public static boolean isWellFormed(String candidate) {
        return candidate != null && WELL_FORMED.matcher(candidate).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
