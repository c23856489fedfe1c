package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.wire.RetryAfter;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RateWindow;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;

/**
 * OpenAI's {@code x-ratelimit-*} headers from the quota's snapshot; a limit the key does not have
 * is left out. Set before the first byte of the response.
 */
final class RateLimitHeaders {
    private static final HttpString LIMIT_REQUESTS = new HttpString("x-ratelimit-limit-requests");
    private static final HttpString REMAINING_REQUESTS = new HttpString("x-ratelimit-remaining-requests");
    private static final HttpString RESET_REQUESTS = new HttpString("x-ratelimit-reset-requests");
    private static final HttpString LIMIT_TOKENS = new HttpString("x-ratelimit-limit-tokens");
    private static final HttpString REMAINING_TOKENS = new HttpString("x-ratelimit-remaining-tokens");
    private static final HttpString RESET_TOKENS = new HttpString("x-ratelimit-reset-tokens");

    private RateLimitHeaders() {
    }

    static void apply(HeaderMap headers, RateLimitSnapshot snapshot) {
        snapshot.requests().ifPresent(window -> put(headers, window, LIMIT_REQUESTS, REMAINING_REQUESTS, RESET_REQUESTS));
        snapshot.tokens().ifPresent(window -> put(headers, window, LIMIT_TOKENS, REMAINING_TOKENS, RESET_TOKENS));
    }

    private static void put(HeaderMap headers, RateWindow window, HttpString limit, HttpString remaining, HttpString reset) {
        headers.put(limit, window.limit());
        headers.put(remaining, window.remaining());
        headers.put(reset, RetryAfter.humanReadable(window.resetAfter()));
    }
}
