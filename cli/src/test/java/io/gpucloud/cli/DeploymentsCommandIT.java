package io.gpucloud.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gpucloud deployments create|list|delete} against a real PostgreSQL. */
class DeploymentsCommandIT {
    private static final Pattern CREATED = Pattern.compile("Created deployment ([0-9a-f-]{36})");
    private static Map<String, String> env;

    @BeforeAll
    static void freshDatabase() {
        env = Cli.environmentFor(TestDatabase.createDatabase());
    }

    @Test
    void createListDelete_endToEnd() throws Exception {
        Cli.Result created = Cli.run(env, "deployments", "create", "--name", "llama-a100", "--model", "llama-3-8b",
                "--engine", "openai", "--endpoint", "http://gpu-1:8000/v1", "--endpoint", "http://gpu-2:8000/v1",
                "--upstream-model", "meta-llama/Meta-Llama-3-8B-Instruct", "--upstream-key-env", "VLLM_API_KEY");
        assertEquals(0, created.exitCode(), created.err());
        Matcher id = CREATED.matcher(created.out());
        assertTrue(id.find(), created.out());
        assertTrue(created.out().contains("provisioning"), created.out());

        Cli.Result table = Cli.run(env, "deployments", "list");
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains(id.group(1)) && table.out().contains("llama-3-8b")
                && table.out().contains("http://gpu-1:8000/v1,http://gpu-2:8000/v1"), table.out());

        Cli.Result json = Cli.run(env, "deployments", "list", "--json");
        JsonNode listed = new ObjectMapper().readTree(json.out()).get(0);
        assertEquals(id.group(1), listed.path("id").asText());
        assertEquals("openai", listed.path("engine").asText());
        assertEquals("meta-llama/Meta-Llama-3-8B-Instruct", listed.path("upstreamModel").asText());
        assertEquals("VLLM_API_KEY", listed.path("upstreamApiKeyEnv").asText());
        assertEquals(2, listed.path("endpoints").size());
        assertTrue(listed.path("reason").isNull());

        assertEquals(0, Cli.run(env, "deployments", "delete", id.group(1)).exitCode());
        Cli.Result again = Cli.run(env, "deployments", "delete", id.group(1));
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("no deployment"), again.err());
        assertTrue(Cli.run(env, "deployments", "list").out().startsWith("No deployments"));
    }

    @Test
    void badInput_exitsTwoWithOneLine() {
        Cli.Result noEndpoint = Cli.run(env, "deployments", "create", "--name", "x", "--model", "m", "--engine", "openai");
        assertEquals(2, noEndpoint.exitCode());
        assertTrue(noEndpoint.err().contains("at least one endpoint"), noEndpoint.err());
        assertEquals(2, Cli.run(env, "deployments", "create", "--name", "x", "--model", "m", "--engine", "tpu").exitCode());
        assertEquals(2, Cli.run(env, "deployments", "create", "--name", "x", "--model", "m", "--engine", "openai",
                "--endpoint", "ftp://gpu-1/v1").exitCode());
        assertEquals(2, Cli.run(env, "deployments", "create", "--name", "x", "--model", "m",
                "--upstream-key-env", "lower-case").exitCode());
        assertEquals(2, Cli.run(env, "deployments", "delete", "not-an-id").exitCode());
    }
}
