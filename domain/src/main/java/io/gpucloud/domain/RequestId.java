package io.gpucloud.domain;

import java.util.UUID;

/** Identifies one API request end to end; the usage ledger is idempotent on it. */
public record RequestId(String value) {
    private static final int MAX_LENGTH = 128;

    public RequestId {
        if (!isWellFormed(value)) {
            throw new IllegalArgumentException("request id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
    }

    public static RequestId random() {
        return new RequestId("req_" + UUID.randomUUID().toString().replace("-", ""));
    }

    /**
     * True when an incoming header value may be kept as the request id: 1-128 characters of {@code [A-Za-z0-9._:-]}.
     * A loop rather than a regular expression: every request checks one or two ids.
     */
    public static boolean isWellFormed(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return value;
    }
}
