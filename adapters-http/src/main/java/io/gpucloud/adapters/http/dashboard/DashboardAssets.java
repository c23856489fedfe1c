package io.gpucloud.adapters.http.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's static files, read once from the class path ({@code io/gpucloud/adapters/http/dashboard/}) into
 * memory: serving them never touches the class path, and a request can only ever name one of {@link #FILES} (no
 * traversal). A file added to the dashboard is added to {@link #FILES} too; a listed file missing from the class
 * path stops construction.
 */
final class DashboardAssets {
    /** Every file of the dashboard. The page is {@code index.html}; the rest are ES modules, the style sheet, the icon. */
    static final List<String> FILES = List.of("index.html", "style.css", "icon.svg",
            "app.js", "api.js", "dom.js", "format.js", "chart.js", "dialogs.js",
            "keys.js", "usage.js", "deployments.js", "workers.js");
    static final String INDEX = "index.html";

    /** One file: its bytes, content type and strong ETag (quoted, from the content). */
    record Asset(String name, byte[] body, String contentType, String etag) {
    }

    private final Map<String, Asset> assets;

    private DashboardAssets(Map<String, Asset> assets) {
        this.assets = Map.copyOf(assets);
    }

    static DashboardAssets load() {
        Map<String, Asset> loaded = new LinkedHashMap<>();
        for (String name : FILES) {
            loaded.put(name, read(name));
        }
        return new DashboardAssets(loaded);
    }

    /** The file of that exact name, when it is one of {@link #FILES}. */
    Optional<Asset> find(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    long totalBytes() {
        return assets.values().stream().mapToLong(asset -> asset.body().length).sum();
    }

    private static Asset read(String name) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard file missing from the class path: " + name);
            }
            byte[] body = in.readAllBytes();
            return new Asset(name, body, contentType(name), etag(body));
        } catch (IOException unreadable) {
            throw new UncheckedIOException("cannot read dashboard file " + name, unreadable);
        }
    }

    static String contentType(String name) {
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return switch (extension) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> throw new IllegalArgumentException("no content type for " + name);
        };
    }

    private static String etag(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public String toString() {
        return "DashboardAssets" + assets.keySet() + " " + totalBytes() + " bytes";
    }
}
