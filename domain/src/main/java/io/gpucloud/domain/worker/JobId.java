package io.gpucloud.domain.worker;

import java.util.UUID;
import java.util.regex.Pattern;

/** Identifies one queued job, across all its attempts. */
public record JobId(String value) {
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public JobId {
        if (value == null || !WELL_FORMED.matcher(value).matches()) {
            throw new IllegalArgumentException("job id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
    }

    public static JobId random() {
        return new JobId("job_" + UUID.randomUUID().toString().replace("-", ""));
    }

    @Override
    public String toString() {
        return value;
    }
}
