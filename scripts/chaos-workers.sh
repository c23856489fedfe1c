#!/usr/bin/env bash
# Chaos load test of the GPU worker queue: steady load while workers are killed with SIGKILL in a
# loop (a replacement is started after each kill), then checks that no job was lost, none answered
# twice, and each request was metered exactly once. Prints one CHAOS: line with the figures.
#
#   scripts/chaos-workers.sh            100 kills (a few minutes)
#   scripts/chaos-workers.sh --short    3 kills (under a minute; for CI)
#   scripts/chaos-workers.sh --kills N  N kills
#
# Uses TEST_REDIS_URL when set (e.g. redis://127.0.0.1:6379; keys go under a unique prefix that is
# deleted afterwards), else an embedded Redis. Everything runs on loopback. Extra tuning through
# Maven properties, e.g. CHAOS_OPTS="-Dchaos.clients=64 -Dchaos.killEveryMs=1000".
set -euo pipefail
cd "$(dirname "$0")/.."

kills=100
case "${1:-}" in
  --short) kills=3 ;;
  --kills) kills="${2:?--kills needs a number}" ;;
  "") ;;
  *) echo "usage: $0 [--short | --kills N]" >&2; exit 2 ;;
esac

if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi

# Build the modules the test needs (offline when MAVEN_OFFLINE is set), unless SKIP_BUILD is set.
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q ${MAVEN_OFFLINE:+-o} install -DskipTests
fi
log="$(mktemp -t chaos-workers.XXXXXX.log)"
status=0
./mvnw -B ${MAVEN_OFFLINE:+-o} -pl cli surefire:test -Dtest=WorkerChaosLoad -Dsurefire.failIfNoSpecifiedTests=false \
  -Dchaos.kills="$kills" ${CHAOS_OPTS:-} >"$log" 2>&1 || status=$?
grep -E "CHAOS:|Tests run:|FAIL|BUILD" "$log" || true
if [ "$status" -ne 0 ]; then
  echo "full log: $log" >&2
else
  rm -f "$log"
fi
exit "$status"
