#!/usr/bin/env bash
# Installs Portkey's open-source AI gateway (the npm package @portkey-ai/gateway, Node) for the benchmark's
# optional peer point: bench/run.sh measures it in front of the same nginx as the openai engine when it is
# installed, so "10x Portkey's throughput" is a ratio measured in the run. Needs node >= 18 (Debian's nodejs
# and npm packages when missing) and the npm registry. Installs into $PORTKEY_DIR (default
# ~/.cache/gpucloud-bench/portkey), outside the repository. Safe to run again.
set -euo pipefail
VERSION="${PORTKEY_VERSION:-1.15.2}"
DIR="${PORTKEY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gpucloud-bench/portkey}"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "install-portkey: install node (>= 18) and npm by hand" >&2; exit 1; }
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ -f "$DIR/node_modules/@portkey-ai/gateway/build/start-server.js" ] \
    && grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/@portkey-ai/gateway/package.json"; then
  echo "install-portkey: @portkey-ai/gateway $VERSION is installed in $DIR"
  exit 0
fi
mkdir -p "$DIR"
(cd "$DIR" && npm install --silent --no-audit --no-fund --no-save "@portkey-ai/gateway@$VERSION" >/dev/null)
echo "install-portkey: @portkey-ai/gateway $VERSION installed in $DIR (node $(node --version))"
