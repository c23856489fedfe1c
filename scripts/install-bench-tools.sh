#!/usr/bin/env bash
# Installs the load-test tools bench/run.sh needs, from Debian's packages, only when missing:
#   wrk    — the HTTP load generator (Lua scripting for the POST with the API key)
#   nginx  — the fast mock upstream (nginx-light: a fixed chat.completion and a baseline "wire limit")
#   curl   — readiness probes and key creation
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  need+=(nginx-light)
fi
command -v curl >/dev/null 2>&1 || need+=(curl)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-bench-tools: wrk, nginx and curl are installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bench-tools: no apt-get here; install ${need[*]} by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-bench-tools: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  # Some Debian releases dropped nginx-light (nginx itself is as small now): fall back to nginx.
  fallback=("${need[@]/nginx-light/nginx}")
  $sudo apt-get install -y -qq --no-install-recommends "${fallback[@]}" >/dev/null
fi
# The package may enable and start a system nginx on port 80; the benchmark runs its own on a loopback port.
if command -v systemctl >/dev/null 2>&1; then
  $sudo systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "install-bench-tools: $(wrk --version 2>&1 | head -1 | cut -c1-60); $( (nginx -v || /usr/sbin/nginx -v) 2>&1 | head -1)"
