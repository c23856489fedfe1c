#!/usr/bin/env bash
# The reliability and security suite's long runs (issue 9), bounded in count and time, on loopback only.
#
#   scripts/chaos.sh --short   # CI: under 3 minutes once the project is built (./mvnw verify builds it)
#   scripts/chaos.sh --long    # the figures of the README's reliability section (~25 minutes)
#   scripts/chaos.sh --short --build   # build first (a fresh clone)
#
# 1. Slow clients: `gpucloud serve` from the jar, attacked with slowhttptest (slow headers and slow bodies) while a
#    probe measures normal requests; connections must be closed by the read timeouts, the service must stay
#    available, latency must hold, and the process's memory must stay flat.
# 2. The JUnit reliability tests at the chosen size (-Dgpucloud.chaos.mode=short|long): PostgreSQL cut and paused
#    under load, Redis hanging and restarted empty, 1,000s of client disconnects, kill -9 during a run (repeated);
#    long mode adds SIGTERM with 100 streams, a million wrong-checksum keys, the secrets search and hostile HTTP
#    (all of which the normal test command runs at their normal size).
# The figures are printed at the end and written to target/chaos-report.txt.
#
# Needs: a JDK 25, PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, as .ci/run sets them; embedded otherwise
# for the JUnit part), and the tools of scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=short
build=0
for arg in "$@"; do
  case "$arg" in
    --short) mode=short ;;
    --long) mode=long ;;
    --build) build=1 ;;
    *) echo "usage: scripts/chaos.sh [--short|--long] [--build]" >&2; exit 2 ;;
  esac
done

if [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
export PATH="$JAVA_HOME/bin:$PATH"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export MAVEN_ARGS="${MAVEN_ARGS:--B -ntp}"

for tool in slowhttptest curl psql ps; do
  command -v "$tool" >/dev/null 2>&1 || { echo "chaos: $tool is missing; run scripts/install-tools.sh" >&2; exit 1; }
done

started=$(date +%s)
ulimit -n 65536 2>/dev/null || true
report=target/chaos-report.txt
mkdir -p target
work=$(mktemp -d /tmp/gpucloud-chaos.XXXXXX)
: > "$report"
say() { echo "$*" | tee -a "$report"; }

if [ "$build" = 1 ] || [ ! -f cli/target/gpucloud.jar ]; then
  ./mvnw -q package -DskipTests
fi

# ---- 1. slow clients against the real process --------------------------------------------------------------------
if [ "$mode" = long ]; then slow_len=120; slow_conns=4000; else slow_len=45; slow_conns=500; fi
db="gpucloud_chaos_$(date +%s)_$$"
admin="chaos-admin-token-$(date +%s%N)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
       || echo $((20000 + RANDOM % 20000)))
base_url="${TEST_DATABASE_URL%/*}"
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null

PORT=$port HOST=127.0.0.1 DATABASE_URL="$base_url/$db" RUN_MIGRATIONS=1 ADMIN_TOKEN="$admin" \
  java -Xmx256m -jar cli/target/gpucloud.jar serve > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; echo "chaos: the server died" >&2; exit 1; }
  sleep 0.1
done
key=$(curl -sf -X POST "http://127.0.0.1:$port/api/keys" -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/json' -d '{"name":"chaos probe"}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
chat() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 "http://127.0.0.1:$port/v1/chat/completions" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"probe"}]}'
}
probe_stats() { # file -> "n=.. non200=.. p50=..ms max=..ms"
  awk '{ if ($1 != 200) bad++; t[NR] = $2 * 1000 } END { n = asort(t); printf "n=%d non200=%d p50=%.1fms max=%.1fms", n, bad + 0, t[int((n + 1) / 2)], t[n] }' "$1"
}
for _ in $(seq 1 20); do chat >> "$work/probe-before.txt"; done
rss_before=$(ps -o rss= -p "$server_pid" | tr -d ' ')
log_lines=$(wc -l < "$work/serve.log")

slowhttptest -H -c "$slow_conns" -r 100 -i 5 -x 24 -p 3 -l "$slow_len" -u "http://127.0.0.1:$port/health" \
  -g -o "$work/slow-headers" > "$work/slow-headers.out" 2>&1 &
headers_pid=$!
slowhttptest -B -c "$slow_conns" -r 100 -i 5 -x 24 -s 65536 -p 3 -l "$slow_len" -t POST -f application/json \
  -u "http://127.0.0.1:$port/v1/chat/completions" -g -o "$work/slow-body" > "$work/slow-body.out" 2>&1 &
body_pid=$!
peak_rss=$rss_before
while kill -0 "$headers_pid" 2>/dev/null || kill -0 "$body_pid" 2>/dev/null; do
  chat >> "$work/probe-during.txt"
  rss=$(ps -o rss= -p "$server_pid" | tr -d ' ')
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  sleep 1
done
wait "$headers_pid" || true
wait "$body_pid" || true
rss_after=$(ps -o rss= -p "$server_pid" | tr -d ' ')

slow_summary() { # name -> "opened=.. closed=.. service-unavailable-seconds=.. exit: .."
  awk -F, 'NR > 1 { closed = $2; if ($5 == 0) down++; if ($2 + $3 + $4 > opened) opened = $2 + $3 + $4; last = $1 }
           END { printf "%d connections, %d closed by the server within %d s, service unavailable %d s", opened, closed, last, down + 0 }' "$work/$1.csv"
  printf ", slowhttptest: %s" "$(grep -a 'Exit status' "$work/$1.out" | sed -E 's/\x1b\[[0-9;]*m//g; s/.*Exit status: *//')"
}
say "slow clients ($mode): slowhttptest, ${slow_conns} slow-header and ${slow_conns} slow-body connections, at most ${slow_len}s (read timeout 30 s)"
say "  slow headers: $(slow_summary slow-headers)"
say "  slow bodies:  $(slow_summary slow-body)"
say "  probe alone:        $(probe_stats "$work/probe-before.txt")"
say "  probe under attack: $(probe_stats "$work/probe-during.txt")"
say "  server RSS: ${rss_before} KiB before, peak ${peak_rss} KiB, ${rss_after} KiB after"
failed=0
for kind in slow-headers slow-body; do
  # slowhttptest stops early with "No open connections left" once the server has closed every connection.
  if ! grep -aq 'No open connections left' "$work/$kind.out"; then say "FAIL $kind: connections were still open at the end"; failed=1; fi
  if awk -F, 'NR > 1 && $5 == 0' "$work/$kind.csv" | grep -q .; then say "FAIL $kind: slowhttptest's probe found the service unavailable"; failed=1; fi
done
if awk '$1 != 200' "$work/probe-during.txt" | grep -q .; then say "FAIL probe: non-200 answers under attack"; failed=1; fi
if awk '$2 > 1.0' "$work/probe-during.txt" | grep -q .; then say "FAIL probe: a normal request took over 1 s under attack"; failed=1; fi
if [ $((rss_after - rss_before)) -gt 153600 ]; then say "FAIL memory: RSS grew by $(((rss_after - rss_before) / 1024)) MiB"; failed=1; fi
if tail -n +"$((log_lines + 1))" "$work/serve.log" | grep -qE 'status=5[0-9][0-9]|Exception'; then
  say "FAIL server log: 5xx or exceptions under attack:"
  tail -n +"$((log_lines + 1))" "$work/serve.log" | grep -E 'status=5[0-9][0-9]|Exception' | head -5 | tee -a "$report"; failed=1
fi
kill "$server_pid"; wait "$server_pid" || true; server_pid=

# ---- 2. the JUnit reliability tests at this size -----------------------------------------------------------------
tests='PostgresOutageIT,RedisHangIT,DisconnectCyclesIT,KillNineChaosIT'
if [ "$mode" = long ]; then
  tests="$tests,SigtermStreamsIT,WrongChecksumKeysTest,AccessControlIT,SecretLeakIT,HostileHttpIT"
  extra=(-Dgpucloud.chaos.wrongChecksumKeys=1000000 -Dgpucloud.chaos.wrongChecksumHttp=20000)
else
  extra=()
fi
set +e
./mvnw test -pl application,adapters-http,bootstrap,cli -am -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dgpucloud.chaos.mode="$mode" "${extra[@]}" > "$work/junit.log" 2>&1
junit=$?
set -e
grep -h '^CHAOS\|wrong-checksum keys\|median chat latency\|heap .* -> ' "$work/junit.log" | tee -a "$report" || true
if [ "$junit" -ne 0 ]; then
  grep -E 'Tests run:|FAIL|AssertionFailed|expected|\[ERROR\]' "$work/junit.log" | head -40 | tee -a "$report"
  say "FAIL: the JUnit reliability tests failed"
  failed=1
fi
say "chaos $mode: $(( $(date +%s) - started )) s, $([ "$failed" = 0 ] && echo passed || echo FAILED)"
exit "$failed"
