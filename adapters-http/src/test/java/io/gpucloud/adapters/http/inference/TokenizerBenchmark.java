package io.gpucloud.adapters.http.inference;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Counting a text with the compact encodings ({@link BytePairEncoding}, and {@link BpeTokenizer} with its ASCII
 * fast path for o200k) against jtokkit's, in the same run: English prose (ASCII), the same prose in French and
 * Russian (the expression's path), and code. Run as {@link ChatJsonBenchmark} says.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-XX:+UseCompactObjectHeaders"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TokenizerBenchmark {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    @Param({"english", "french", "russian", "code"})
    public String kind;

    @Param({"o200k_base", "cl100k_base"})
    public String encodingName;

    private String text;
    private Encoding jtokkit;
    private BytePairEncoding compact;
    private final BpeTokenizer tokenizer = new BpeTokenizer();
    private String model;

    @org.openjdk.jmh.annotations.Setup
    public void setUp() {
        String paragraph = switch (kind) {
            case "english" -> "The gateway counts every prompt before it admits a call, so that a key's token limits hold "
                    + "exactly. Counting is the most expensive step of a simulated call, and its cost grows with the prompt. ";
            case "french" -> "La passerelle compte chaque invite avant d'admettre un appel, afin que les limites de jetons "
                    + "d'une clé soient exactes. Compter est l'étape la plus coûteuse d'un appel simulé. ";
            case "russian" -> "Шлюз считает каждый запрос перед тем, как его принять, чтобы лимиты токенов ключа "
                    + "соблюдались точно. Подсчёт — самый дорогой шаг моделируемого вызова. ";
            default -> "def quota(key, tokens):\n    if tokens > key.tpm:\n        raise Refused(\"tpm\", retry_after=60)\n"
                    + "    return {\"admitted\": True, \"remaining\": key.tpm - tokens}\n\n";
        };
        text = paragraph.repeat(20); // ~4 KB
        boolean o200k = encodingName.equals("o200k_base");
        jtokkit = REGISTRY.getEncoding(o200k ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE);
        compact = o200k ? BytePairEncoding.o200kBase() : BytePairEncoding.cl100kBase();
        model = o200k ? "gpt-4o" : "gpt-4";
    }

    @Benchmark
    public int jtokkit() {
        return jtokkit.countTokensOrdinary(text);
    }

    @Benchmark
    public int compactEncoding() {
        return compact.countOrdinary(text);
    }

    /** As the gateway counts: for o200k, ASCII text is split without the expression and pre-tokens seen before are looked up. */
    @Benchmark
    public int gatewayTokenizer() {
        return tokenizer.count(model, text);
    }
}
