#!/usr/bin/env bash
# Fuzzes the request decoder and the API key parser with Jazzer for real (the normal test command only replays
# their corpus). Usage: scripts/fuzz.sh [seconds per target, default 300]
# A crash is written to adapters-http/src/test/resources/<package>/<Class>Inputs/<method>/crash-*: it fails this run,
# and, once committed, every later test run replays it (fix the code, keep the file).
# Coverage corpus Jazzer grows while fuzzing goes to adapters-http/.cifuzz-corpus (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
if [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
export PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q install -DskipTests -pl adapters-http -am
# One fuzz test per JVM (Jazzer fuzzes a single target per run); maxDuration in the annotation is overridden here.
for target in \
    'ChatRequestDecoderFuzzTest#decode_answersARequestOrADocumented400' \
    'KeySecretFuzzTest#parse_acceptsOnlyWellFormedKeys_andNeverThrows' \
    'KeySecretFuzzTest#parse_refusesARealKeyWithOneCharacterChanged'; do
  echo "== fuzzing $target for ${seconds}s"
  # Coverage guidance needs the code under test instrumented: ours (the key parser lives in the domain jar) and
  # Jackson's parser, which the decoder drives.
  JAZZER_FUZZ=1 ./mvnw -q -pl adapters-http test -Dtest="$target" -Djazzer.hooks=true \
      -Djazzer.instrumentation_includes='io.gpucloud.**:com.fasterxml.jackson.core.**' \
      -Djazzer.max_duration="${seconds}s" -Dsurefire.failIfNoSpecifiedTests=false
done
echo "fuzzing found nothing in ${seconds}s per target"
