#!/usr/bin/env bash
# Navigation to interactive for the sign-in page, the merchant list and the transaction monitor (issue 22): the portal
# (Release, embedded default, Development for the demo accounts) pinned to core 0, headless Chromium to core 1.
# Runs under flock /tmp/bench.lock (one benchmark at a time). Prints p50/p95 per page.
# Usage: bench/pagespeed.sh [loads=20] [warm-up loads=3]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PAGESPEED_BENCH_LOCKED:-}" ]; then
  exec env PAGESPEED_BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"
fi
LOADS="${1:-20}"
WARMUP="${2:-3}"
export PORTAL_CHROMIUM="${PORTAL_CHROMIUM:-/usr/bin/chromium}"
data=$(mktemp -d)
port=5197
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/PageSpeedBench -c Release -v quiet -clp:ErrorsOnly >/dev/null
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data/portal" Logging__LogLevel__Default=Warning \
  taskset -c 0 dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.5; done
taskset -c 1 dotnet bench/PageSpeedBench/bin/Release/net10.0/PageSpeedBench.dll "http://127.0.0.1:$port" "$LOADS" "$WARMUP"
