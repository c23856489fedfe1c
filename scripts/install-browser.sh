#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver, only when missing, for the dashboard's end-to-end test
# (bootstrap DashboardIT, which drives /usr/bin/chromedriver and is skipped on a machine without them, except
# under CI). Safe to run again: it does nothing when both are there.
set -euo pipefail

if [ -x /usr/bin/chromedriver ] && { [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ]; }; then
  echo "install-browser: $(/usr/bin/chromedriver --version 2>/dev/null | head -1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install chromium and chromedriver by hand (DashboardIT is skipped without them)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-browser: installing chromium and chromium-driver"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium chromium-driver >/dev/null
echo "install-browser: $(/usr/bin/chromedriver --version 2>/dev/null | head -1)"
