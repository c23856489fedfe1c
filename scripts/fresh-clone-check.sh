#!/usr/bin/env bash
# Clones the repository into a temporary folder, runs the README's "run the server" command exactly
# as written (zero configuration: embedded PostgreSQL), and walks the seed flow with curl:
# /health → create a key → chat → stream → list keys shows the usage → revoke → 401.
# Fails when the README drifts from reality. Bounded: every wait has a deadline.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
# Started as root, the embedded PostgreSQL runs as nobody, who must be able to enter the folder.
chmod 755 "$work"
port="${FRESH_CLONE_PORT:-4999}"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone -q "$repo" "$work/gpucloud"
cd "$work/gpucloud"

# The command under "**Run the server**" in the README, verbatim.
run_command="$(awk '/^\*\*Run the server\*\*/{found=1} found && /^```sh/{getline; print; exit}' README.md)"
if [ -z "$run_command" ]; then
  echo "fresh-clone: could not find the run command in README.md" >&2
  exit 1
fi
echo "fresh-clone: running: $run_command (PORT=$port)"
started=$(date +%s%N)
PORT="$port" bash -c "$run_command" > "$work/server.log" 2>&1 &
server_pid=$!

built=""
for _ in $(seq 1 600); do  # 5 minutes at most, the build included
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fresh-clone: the server exited early:" >&2; cat "$work/server.log" >&2; exit 1
  fi
  if [ -z "$built" ] && grep -q "listening on" "$work/server.log" 2>/dev/null; then
    built=$(date +%s%N)
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
  [ "$code" = "200" ] && break
  sleep 0.5
done
[ "$code" = "200" ] || { echo "fresh-clone: /health never answered 200" >&2; cat "$work/server.log" >&2; exit 1; }
ready=$(date +%s%N)
echo "fresh-clone: /health 200 $(( (ready - built) / 1000000 )) ms after the server started listening (build and JVM start excluded; embedded PostgreSQL's first start included)"

# The token is generated once the schema is there, on the database thread, and printed through the buffered stdout:
# it can land a few milliseconds after the first /health 200. Wait for it, bounded.
admin=""
for _ in $(seq 1 100); do
  admin="$(grep -m1 -o 'gca-[0-9a-f]\{64\}' "$work/server.log" || true)"
  [ -n "$admin" ] && break
  sleep 0.1
done
[ -n "$admin" ] || { echo "fresh-clone: no admin token was printed within 10 s of /health 200" >&2; cat "$work/server.log" >&2; exit 1; }

base="http://127.0.0.1:$port"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
expect() { [ "$1" = "$2" ] || { echo "fresh-clone: $3: expected $2, got $1" >&2; cat "$work/server.log" | tail -20 >&2; exit 1; }; }

created="$(curl -s -X POST "$base/api/keys" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"name":"Test"}')"
key="$(echo "$created" | json "['key']")"
id="$(echo "$created" | json "['id']")"
expect "${key:0:3}" "sk-" "create key"

status=$(curl -s -o "$work/chat.json" -w '%{http_code}' "$base/v1/chat/completions" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}')
expect "$status" "200" "chat"
expect "$(json "['object']" < "$work/chat.json")" "chat.completion" "chat object"

curl -sN "$base/v1/chat/completions" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello"}]}' > "$work/stream.txt"
expect "$(tail -n 2 "$work/stream.txt" | head -n 1)" "data: [DONE]" "stream end"

for _ in $(seq 1 50); do
  count="$(curl -s "$base/api/keys/$id" -H "Authorization: Bearer $admin" | json "['usageCount']")"
  [ "$count" = "2" ] && break
  sleep 0.2
done
expect "$count" "2" "usageCount after two calls"

expect "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/api/keys/$id" -H "Authorization: Bearer $admin")" "204" "revoke"
expect "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/chat/completions" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}')" "401" "revoked key"

echo "fresh-clone: the README's run command and the seed flow work from a fresh clone"
