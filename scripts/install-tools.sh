#!/usr/bin/env bash
# Installs the Debian packages the reliability suite (scripts/chaos.sh) needs and the machine may lack:
# slowhttptest (slow-client attacks), curl (probes), psql (a database of its own per run), ps (the server's RSS).
# Idempotent: does nothing when everything is there; runs apt-get update only when something is missing.
set -euo pipefail

declare -A wanted=([slowhttptest]=slowhttptest [curl]=curl [psql]=postgresql-client [ps]=procps)
missing=()
for tool in "${!wanted[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${wanted[$tool]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-tools: everything is installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
