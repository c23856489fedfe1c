package io.gpucloud.adapters.http.upstream;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UpstreamJsonTest {
    private static String errorOf(String body, int status) {
        return UpstreamJson.errorMessage(body.getBytes(StandardCharsets.UTF_8), status);
    }

    @Test
    void errorMessage_isReadFromTheShapesOpenAiCompatibleServersUse() {
        assertEquals("bad model", errorOf("{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}", 400));
        assertEquals("Input validation error", errorOf("{\"error\":\"Input validation error\",\"error_type\":\"validation\"}", 422));
        assertEquals("too long", errorOf("{\"object\":\"error\",\"message\":\"too long\",\"code\":400}", 400));
        assertEquals("Not Found", errorOf("{\"detail\":\"Not Found\"}", 404));
        assertEquals("field required; value is not a valid integer",
                errorOf("{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\"},{\"msg\":\"value is not a valid integer\"}]}", 422));
        assertEquals("plain text refusal", errorOf("plain text refusal\n", 400));
        assertEquals("The upstream refused the request (HTTP 403).", errorOf("<html>Forbidden</html>", 403));
        assertEquals("The upstream refused the request (HTTP 400).", errorOf("", 400));
        assertEquals("The upstream refused the request (HTTP 400).", errorOf("{\"unexpected\":true}", 400));
    }

    @Test
    void modelIds_skipEntriesWithoutAnId() throws Exception {
        byte[] body = "{\"object\":\"list\",\"data\":[{\"id\":\"a\"},{\"name\":\"no id\"},{\"id\":\"b\"}]}"
                .getBytes(StandardCharsets.UTF_8);

        assertEquals(List.of("a", "b"), UpstreamJson.modelIds(body));
    }
}
