package io.gpucloud.cli;

import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.gpucloud.bootstrap.Platform;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.EngineKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code gpucloud deployments create|list|delete}: the models the platform serves and the GPU
 * endpoints behind them. Running servers pick changes up within one monitor pass (about 2 s).
 */
@Command(name = "deployments", mixinStandardHelpOptions = true,
        description = "Create, list and delete model deployments (which GPU endpoints serve which model).",
        subcommands = {DeploymentsCommand.Create.class, DeploymentsCommand.ListDeployments.class, DeploymentsCommand.Delete.class})
final class DeploymentsCommand extends CommandGroup {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Register a deployment. It starts 'provisioning' and turns 'running' once its endpoints answer "
                    + "GET {endpoint}/models (or 'failed', with the reason).")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "A name for people, e.g. llama-a100-1.")
        String name;

        @Option(names = "--model", required = true, description = "The public model name clients send, e.g. llama-3-8b.")
        String model;

        @Option(names = "--engine", defaultValue = "simulated",
                description = "simulated (default), openai (an OpenAI-compatible server such as vLLM) or queue.")
        String engine;

        @Option(names = "--endpoint", description = "Upstream base URL, e.g. http://gpu-1:8000/v1; repeat for several.")
        List<String> endpoints = new ArrayList<>();

        @Option(names = "--upstream-model", description = "The model name the upstream knows (default: --model).")
        String upstreamModel;

        @Option(names = "--upstream-key-env",
                description = "Name of the environment variable holding the upstream's API key (the key is never stored).")
        String upstreamKeyEnv;

        @Override
        public Integer call() {
            EngineKind kind = EngineKind.parse(engine).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                    "--engine must be simulated, openai or queue, got '" + engine + "'"));
            List<URI> urls = new ArrayList<>();
            for (String endpoint : endpoints) {
                urls.add(url(endpoint));
            }
            CreateDeploymentUseCase.Command command = new CreateDeploymentUseCase.Command(name, model, kind, urls,
                    Optional.ofNullable(upstreamModel), Optional.ofNullable(upstreamKeyEnv));
            try (Platform platform = Platform.forAdministration(deployments.config())) {
                Deployment created;
                try {
                    created = platform.createDeployment().create(command);
                } catch (IllegalArgumentException invalid) {
                    throw new CommandLine.ParameterException(spec.commandLine(), invalid.getMessage());
                }
                PrintWriter out = spec.commandLine().getOut();
                out.println("Created deployment " + created.id() + " (" + created.name() + ", model " + created.modelType()
                        + ", " + created.engine().wireName() + "): " + created.status().wireName());
                out.println("Running servers probe it within a few seconds; see 'gpucloud deployments list'.");
                out.flush();
            }
            return GpuCloudCli.OK;
        }

        private URI url(String text) {
            try {
                URI uri = new URI(text.strip());
                if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                        || uri.getHost() == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--endpoint must be an http(s) URL with a host, such as http://gpu-1:8000/v1; got '" + text + "'");
                }
                return uri;
            } catch (URISyntaxException notAUrl) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--endpoint is not a URL: '" + text + "'");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List deployments and their status.")
    static final class ListDeployments implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "One JSON array instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            return printListing(spec, deployments.config(), platform -> {
                List<Deployment> all = platform.listDeployments().list();
                return json ? json(all) : table(all);
            });
        }

        static String table(List<Deployment> deployments) {
            if (deployments.isEmpty()) {
                return "No deployments: the simulated models are served. Create one with:\n"
                        + "  gpucloud deployments create --name NAME --model MODEL --engine openai --endpoint http://gpu-1:8000/v1\n";
            }
            StringBuilder out = new StringBuilder(String.format("%-36s  %-20s  %-24s  %-9s  %-12s  %s%n",
                    "ID", "NAME", "MODEL", "ENGINE", "STATUS", "ENDPOINTS / REASON"));
            for (Deployment deployment : deployments) {
                String endpoints = deployment.endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
                String detail = deployment.reason().map(reason -> endpoints + (endpoints.isEmpty() ? "" : "  ") + "(" + reason + ")")
                        .orElse(endpoints.isEmpty() ? "-" : endpoints);
                out.append(String.format("%-36s  %-20s  %-24s  %-9s  %-12s  %s%n", deployment.id(), deployment.name(),
                        deployment.modelType(), deployment.engine().wireName(), deployment.status().wireName(), detail));
            }
            return out.toString();
        }

        static String json(List<Deployment> deployments) {
            return deployments.stream().map(deployment -> "{" + String.join(",",
                            field("id", deployment.id().toString()),
                            field("name", deployment.name()),
                            field("modelType", deployment.modelType()),
                            field("engine", deployment.engine().wireName()),
                            "\"endpoints\":" + deployment.endpoints().stream().map(uri -> KeyListing.quote(uri.toString()))
                                    .collect(Collectors.joining(",", "[", "]")),
                            "\"upstreamModel\":" + optional(deployment.upstreamModel()),
                            "\"upstreamApiKeyEnv\":" + optional(deployment.upstreamApiKeyEnv()),
                            field("status", deployment.status().wireName()),
                            "\"reason\":" + optional(deployment.reason()),
                            field("createdAt", deployment.createdAt().toString()),
                            field("updatedAt", deployment.updatedAt().toString())) + "}")
                    .collect(Collectors.joining(",", "[", "]\n"));
        }

        private static String field(String name, String value) {
            return KeyListing.quote(name) + ":" + KeyListing.quote(value);
        }

        private static String optional(Optional<String> value) {
            return value.map(KeyListing::quote).orElse("null");
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a deployment: its model is no longer served.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The deployment's id, as shown by 'deployments list'.")
        String id;

        @Override
        public Integer call() {
            return removeById(spec, deployments.config(), id, "deployment", "Deleted", DeploymentId::parse,
                    (platform, deploymentId) -> platform.deleteDeployment().delete(deploymentId));
        }
    }
}
