package io.gpucloud.adapters.http.inference;

import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Tokenizer;

import java.util.List;
import java.util.Locale;

/**
 * Counts tokens with OpenAI's real encodings ({@link BytePairEncoding}, the ranks from jtokkit's
 * jar): {@code o200k_base} for the GPT-4o family and the o-series and later models,
 * {@code cl100k_base} for everything else (GPT-4, GPT-3.5 and,
 * as an approximation, open models such as Llama or Mistral). Special-token text such as
 * {@code <|endoftext|>} in a prompt counts as ordinary text. The encodings are loaded once per
 * process; instances are immutable and thread-safe.
 */
public final class BpeTokenizer implements Tokenizer {

    private static final class Loaded {
        static final BytePairEncoding O200K = BytePairEncoding.o200kBase();
        static final BytePairEncoding CL100K = BytePairEncoding.cl100kBase();
        static final AsciiCounter O200K_ASCII = new AsciiCounter(O200K, AsciiCounter.Split.O200K);
        static final AsciiCounter CL100K_ASCII = new AsciiCounter(CL100K, AsciiCounter.Split.CL100K);
    }

    private static final String[] O200K_FAMILIES = {"gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4"};

    /** The prompt counted last on this thread: see {@link #countPrompt}. */
    private static final class LastPrompt {
        List<ChatMessage> messages;
        BytePairEncoding encoding;
        int tokens;
    }

    private static final ThreadLocal<LastPrompt> LAST_PROMPT = ThreadLocal.withInitial(LastPrompt::new);

    /** Loads both encodings now (a fraction of a second, once per process), so the first request does not pay for it. */
    public BpeTokenizer() {
        Loaded.O200K.name();
        Loaded.CL100K.name();
    }

    @Override
    public int count(String model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        BytePairEncoding encoding = encodingFor(model);
        // The pre-tokenizers are regular expressions; ASCII text is split without them (same counts).
        int ascii = (encoding == Loaded.O200K ? Loaded.O200K_ASCII : Loaded.CL100K_ASCII).count(text);
        return ascii >= 0 ? ascii : encoding.countOrdinary(text);
    }

    /**
     * As {@link Tokenizer#countPrompt}, remembering the last prompt counted on this thread: a call is counted by the
     * admission (context window, quota estimate) and again by the engine for its usage, one after the other on the
     * same IO thread, with the very same message list ({@link ChatRequest#withModel} keeps it). Tokenizing is the
     * most expensive step of a simulated call, so the second count is a lookup. Large bodies are admitted on a virtual
     * thread, whose engine call runs on that same thread: the memo saves most there (a whole large prompt).
     */
    @Override
    public int countPrompt(ChatRequest request) {
        BytePairEncoding encoding = encodingFor(request.model());
        LastPrompt last = LAST_PROMPT.get();
        if (last.messages == request.messages() && last.encoding == encoding) {
            return last.tokens;
        }
        int tokens = Tokenizer.super.countPrompt(request);
        last.messages = request.messages();
        last.encoding = encoding;
        last.tokens = tokens;
        return tokens;
    }

    static BytePairEncoding encodingFor(String model) {
        String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        String bare = slash >= 0 ? name.substring(slash + 1) : name;
        for (String family : O200K_FAMILIES) {
            if (bare.startsWith(family)) {
                return Loaded.O200K;
            }
        }
        return Loaded.CL100K;
    }

    /** The encoding's name for a model, e.g. {@code o200k_base}. */
    public static String encodingName(String model) {
        return encodingFor(model).name();
    }
}
