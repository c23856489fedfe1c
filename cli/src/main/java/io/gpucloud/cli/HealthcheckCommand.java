package io.gpucloud.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/** For container HEALTHCHECKs: the image needs no curl. */
@Command(name = "healthcheck", mixinStandardHelpOptions = true,
        description = "Exit 0 when the local server's /health answers 200, else 1.")
final class HealthcheckCommand implements Callable<Integer> {
    @ParentCommand
    GpuCloudCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", description = "Health URL (default: http://127.0.0.1:$PORT/health).")
    String url;

    @Override
    public Integer call() throws Exception {
        URI target = URI.create(url != null ? url : "http://127.0.0.1:" + root.config().port() + "/health");
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(4)).build(),
                    HttpResponse.BodyHandlers.ofString());
            spec.commandLine().getOut().println(response.statusCode() + " " + response.body());
            return response.statusCode() == 200 ? GpuCloudCli.OK : GpuCloudCli.FAILURE;
        }
    }
}
