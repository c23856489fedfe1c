package io.gpucloud.cli;

import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.bootstrap.Platform;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

@Command(name = "keys", mixinStandardHelpOptions = true, description = "Issue, list and revoke API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand extends CommandGroup {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Issue a key. Its secret is printed once: store it now, it cannot be shown again.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, description = "Who or what the key is for.")
        String name;

        @Option(names = "--rpm", description = "Requests per minute (sliding 60 s window).")
        Long rpm;

        @Option(names = "--tpm", description = "Tokens per minute (sliding 60 s window).")
        Long tpm;

        @Option(names = "--budget", description = "Tokens per calendar month (UTC).")
        Long budget;

        @Option(names = "--max-concurrent", description = "Requests in flight at once.")
        Integer maxConcurrent;

        @Option(names = "--models", split = ",", description = "Allowed models, comma-separated (default: all).")
        List<String> models = List.of();

        @Option(names = "--expires", description = "Expiry instant, ISO-8601, e.g. 2027-01-01T00:00:00Z.")
        String expires;

        @Override
        public Integer call() {
            Limits limits;
            try {
                limits = new Limits(optional(rpm), optional(tpm), optional(budget),
                        maxConcurrent == null ? OptionalInt.empty() : OptionalInt.of(maxConcurrent),
                        new LinkedHashSet<>(models), Optional.ofNullable(expires).map(Instant::parse));
            } catch (DateTimeParseException badInstant) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--expires must be ISO-8601, e.g. 2027-01-01T00:00:00Z");
            } catch (IllegalArgumentException badLimit) {
                throw new CommandLine.ParameterException(spec.commandLine(), badLimit.getMessage());
            }
            try (Platform platform = Platform.forAdministration(keys.config())) {
                IssueKeyUseCase.IssuedKey issued = platform.issueKey().issue(new IssueKeyUseCase.Command(name, limits));
                PrintWriter out = spec.commandLine().getOut();
                out.println("Created key " + issued.key().id() + " (" + issued.key().name() + ")");
                out.println();
                out.println("    " + issued.secret().reveal());
                out.println();
                out.println("This secret is shown once and cannot be retrieved again: store it now.");
                out.flush();
            }
            return GpuCloudCli.OK;
        }

        private static OptionalLong optional(Long value) {
            return value == null ? OptionalLong.empty() : OptionalLong.of(value);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets or hashes).")
    static final class ListKeys implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "One JSON array instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            return printListing(spec, keys.config(), platform -> {
                List<ApiKey> all = platform.listKeys().list();
                return json ? KeyListing.json(all, Instant.now()) : KeyListing.table(all, Instant.now());
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key: refused from the next request on.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id, as shown by 'keys list'.")
        String id;

        @Override
        public Integer call() {
            return removeById(spec, keys.config(), id, "key", "Revoked", ApiKeyId::parse,
                    (platform, keyId) -> platform.revokeKey().revoke(keyId));
        }
    }
}
