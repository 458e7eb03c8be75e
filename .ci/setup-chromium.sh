#!/usr/bin/env bash
# Debian's headless Chromium for the report's browser test (test/report/report-browser.test.ts).
# Idempotent: nothing to do when /usr/bin/chromium is there. Uses the machine's own apt sources.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
