package io.gpucloud.adapters.http.wire;

/**
 * Keeps secrets out of text the server writes: whatever follows an API key's ({@code sk-…}) or a generated admin
 * token's ({@code gca-…}) first {@value #SHOWN} characters — the display prefix, which is not secret — is cut, up to
 * the end of the token. Used for the access log (a key sent in a path or as a model name) and for error messages
 * (which quote bad values back, as OpenAI's do, and are read by proxies, browsers and support tickets).
 */
public final class Redaction {
    /** As much of a key as may be shown: {@code sk-gc-} and 6 of its random characters. */
    static final int SHOWN = 12;

    private Redaction() {
    }

    public static String redact(String value) {
        int at = indexOfSecret(value, 0);
        if (at < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int copied = 0;
        while (at >= 0) {
            int end = at;
            while (end < value.length() && isTokenChar(value.charAt(end))) {
                end++;
            }
            int shown = Math.min(end, at + SHOWN);
            out.append(value, copied, shown);
            if (end > shown) {
                out.append("…");
            }
            copied = end;
            at = indexOfSecret(value, end);
        }
        return out.append(value, copied, value.length()).toString();
    }

    private static int indexOfSecret(String value, int from) {
        for (int i = from; i < value.length() - 2; i++) {
            boolean startsAToken = i == 0 || !isTokenChar(value.charAt(i - 1));
            if (startsAToken && (value.regionMatches(true, i, "sk-", 0, 3) || value.regionMatches(true, i, "gca-", 0, 4))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
