package io.gpucloud.adapters.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's files as the server serves them: types, caching, security headers, and nothing else. */
class DashboardFilesIT {
    private static final Pattern PAGE_REFERENCE = Pattern.compile("(?:src|href)=\"/dashboard/([^\"]+)\"");
    private static final Pattern MODULE_IMPORT = Pattern.compile("from '\\./([^']+)'");
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void rootAndDashboard_serveThePage_openly_withSecurityHeaders() {
        for (String path : List.of("/", "/dashboard", "/dashboard/", "/dashboard/index.html")) {
            HttpResponse<String> page = server.http.get(path, null);
            assertEquals(200, page.statusCode(), path);
            assertEquals("text/html; charset=utf-8", header(page, "content-type"));
            assertTrue(page.body().contains("<title>GPU Cloud dashboard</title>"), path);
            String csp = header(page, "content-security-policy");
            assertTrue(csp.contains("default-src 'self'"), csp);
            assertTrue(csp.contains("connect-src *"), csp);
            assertTrue(csp.contains("frame-ancestors 'none'"), csp);
            assertEquals("nosniff", header(page, "x-content-type-options"));
            assertEquals("no-referrer", header(page, "referrer-policy"));
            assertEquals("no-cache", header(page, "cache-control"));
            assertTrue(header(page, "etag").matches("\"[0-9a-f]{24}\""), header(page, "etag"));
        }
    }

    @Test
    void everyFileThePageLoads_isServedWithItsType() {
        Set<String> files = referencedFiles();
        assertTrue(files.containsAll(List.of("app.js", "style.css", "keys.js", "chart.js")), files.toString());
        long total = 0;
        for (String file : files) {
            HttpResponse<String> response = server.http.get("/dashboard/" + file, null);
            assertEquals(200, response.statusCode(), file);
            String type = header(response, "content-type");
            assertEquals(file.endsWith(".js") ? "text/javascript; charset=utf-8" : file.endsWith(".css")
                    ? "text/css; charset=utf-8" : file.endsWith(".svg") ? "image/svg+xml" : "text/html; charset=utf-8", type, file);
            total += response.body().length();
        }
        assertTrue(total < 200_000, "the whole dashboard is " + total + " characters");
    }

    @Test
    void thePage_hasNoInlineScriptOrStyle_thatTheCspWouldBlock() {
        String page = server.http.get("/", null).body();
        assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)").matcher(page).find(), "inline <script>");
        assertFalse(page.contains("<style"), "inline <style>");
        assertFalse(page.contains(" style=\""), "style attribute");
        assertFalse(Pattern.compile(" on[a-z]+=\"").matcher(page).find(), "inline event handler");
    }

    @Test
    void matchingETag_is304_andHead_hasNoBody() {
        HttpResponse<String> first = server.http.get("/dashboard/app.js", null);
        String etag = header(first, "etag");
        HttpResponse<String> again = server.http.send(server.http.request("/dashboard/app.js").header("If-None-Match", etag).GET());
        assertEquals(304, again.statusCode());
        assertEquals("", again.body());
        HttpResponse<String> weakList = server.http.send(server.http.request("/dashboard/app.js")
                .header("If-None-Match", "\"other\", W/" + etag).GET());
        assertEquals(304, weakList.statusCode());
        HttpResponse<String> stale = server.http.send(server.http.request("/dashboard/app.js").header("If-None-Match", "\"old\"").GET());
        assertEquals(200, stale.statusCode());

        HttpResponse<String> head = server.http.send(server.http.request("/dashboard/style.css")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(String.valueOf(server.http.get("/dashboard/style.css", null).body().getBytes().length),
                header(head, "content-length"));
        assertEquals("text/css; charset=utf-8", header(head, "content-type"));
    }

    @Test
    void unknownFilesAndTraversal_are404Json_otherMethods405() throws IOException {
        for (String path : List.of("/dashboard/nope.js", "/dashboard/DashboardHandler.class", "/dashboard/..%2fRoutes.class",
                "/dashboard/%2e%2e%2f%2e%2e%2fpom.xml", "/dashboard/app.js/x", "/app.js")) {
            HttpResponse<String> response = server.http.get(path, null);
            assertEquals(404, response.statusCode(), path);
            assertEquals("application/json", header(response, "content-type"), path);
            assertTrue(response.body().contains("\"code\":\"unknown_url\""), path + ": " + response.body());
        }
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.write("GET /dashboard/../../pom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(404, raw.readResponse().status());
        }
        HttpResponse<String> post = server.http.post("/", null, "{}");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", header(post, "allow"));
    }

    /** What index.html loads, and what those modules import, transitively. */
    private static Set<String> referencedFiles() {
        Set<String> files = new LinkedHashSet<>();
        List<String> pending = new java.util.ArrayList<>();
        Matcher page = PAGE_REFERENCE.matcher(server.http.get("/", null).body());
        while (page.find()) {
            pending.add(page.group(1));
        }
        while (!pending.isEmpty()) {
            String file = pending.removeFirst();
            if (!files.add(file) || !file.endsWith(".js")) {
                continue;
            }
            Matcher imports = MODULE_IMPORT.matcher(server.http.get("/dashboard/" + file, null).body());
            while (imports.find()) {
                pending.add(imports.group(1));
            }
        }
        return files;
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
    }
}
