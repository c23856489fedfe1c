package io.gpucloud.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** railway.json, the Dockerfile, the compose file, .ci/run and the README must tell the same story. */
class ShippingFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JAR_IN_IMAGE = "/app/gpucloud.jar";

    private static String read(String file) throws IOException {
        return Files.readString(ROOT.resolve(file));
    }

    private static String firstCommandAfter(String readme, String heading) {
        Matcher matcher = Pattern.compile(Pattern.quote(heading) + ".*?```sh\\n([^\\n]+)\\n", Pattern.DOTALL).matcher(readme);
        assertTrue(matcher.find(), "no command under " + heading);
        return matcher.group(1);
    }

    @Test
    void railway_buildsTheDockerfileAndChecksHealthOnTheServedJar() throws IOException {
        String railway = read("railway.json");
        assertTrue(railway.contains("\"builder\": \"DOCKERFILE\""), railway);
        Matcher path = Pattern.compile("\"dockerfilePath\": \"([^\"]+)\"").matcher(railway);
        assertTrue(path.find());
        assertTrue(Files.exists(ROOT.resolve(path.group(1))), "railway.json points at a missing Dockerfile");
        assertTrue(railway.contains("\"healthcheckPath\": \"/health\""));
        assertTrue(railway.contains("\"startCommand\": \"java -jar " + JAR_IN_IMAGE + " serve\""), railway);
        assertTrue(railway.contains("\"restartPolicyType\""));
    }

    @Test
    void dockerfile_runsTheCliJarAsNonRootOnTheDefaultPortWithAHealthcheck() throws IOException {
        String dockerfile = read("Dockerfile");
        assertTrue(dockerfile.contains("cli/target/gpucloud.jar"), "the image must run the jar the build produces");
        assertTrue(dockerfile.contains(JAR_IN_IMAGE));
        assertTrue(dockerfile.contains("EXPOSE 4000"));
        assertTrue(dockerfile.contains("PORT=4000"));
        assertTrue(dockerfile.contains("HEALTHCHECK"));
        assertTrue(dockerfile.contains("healthcheck"), "the HEALTHCHECK uses the CLI's healthcheck command on /health");
        assertTrue(dockerfile.contains("CMD [\"serve\"]"));
        assertTrue(Pattern.compile("^USER (?!root)\\S+", Pattern.MULTILINE).matcher(dockerfile).find(), "runs as non-root");
        assertTrue(dockerfile.contains("./mvnw"), "built with the Maven wrapper, as CI builds it");
        assertTrue(Files.exists(ROOT.resolve(".dockerignore")));
    }

    @Test
    void compose_runsTheApiAndAWorkerFromTheSameImageWithPostgresAndRedis() throws IOException {
        String compose = read("docker-compose.yml");
        assertTrue(compose.contains("\"4000:4000\""));
        assertTrue(compose.contains("command: [\"serve\"]"));
        assertTrue(compose.contains("command: [\"worker\""));
        assertTrue(compose.contains("image: postgres:"));
        assertTrue(compose.contains("image: redis:"));
        assertTrue(compose.contains("healthcheck"));
    }

    @Test
    void readme_commandsAreTheOnesCiAndTheFreshCloneCheckRun() throws IOException {
        String readme = read("README.md");
        assertEquals("./mvnw -q package -DskipTests && java -jar cli/target/gpucloud.jar serve",
                firstCommandAfter(readme, "**Run the server**"));
        assertEquals("./mvnw verify", firstCommandAfter(readme, "**Run the tests**"));
        String ci = read(".ci/run");
        assertTrue(ci.contains("Run the tests") && ci.contains("scripts/fresh-clone-check.sh"), ci);
        assertTrue(read("scripts/fresh-clone-check.sh").contains("Run the server"));
        assertTrue(readme.contains("docs/deploy-railway.md"), "the README links the Railway guide");
        assertTrue(readme.contains("/health") && readme.contains("4000"));
    }
}
