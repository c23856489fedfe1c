package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;

/** Issues a new API key. Blocking (stores the key). */
public interface IssueKeyUseCase {
    IssuedKey issue(Command command);

    record Command(String name, Limits limits) {
        public Command {
            ApiKey.validName(name);
        }
    }

    /** The stored key and its secret, which is shown this once and never again. */
    record IssuedKey(ApiKey key, KeySecret secret) {
    }
}
