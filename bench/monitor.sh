#!/usr/bin/env bash
# The live monitor under load (issue 26). The portal (Release, embedded default, Development for the demo accounts and
# /dev/live-metrics) is pinned to core 0; headless Chromium and the payment load generator (bench/MonitorBench) to core 1,
# so that the browser does not steal the portal's CPU. Runs under flock /tmp/bench.lock (one load benchmark at a time).
# Prints the four budgets against the same run with no viewers.
# Usage: bench/monitor.sh [viewers=20] [payments=2000] [clients=32] [idle minutes after the viewers leave=5] [merchants=100]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MONITOR_BENCH_LOCKED:-}" ]; then
  exec env MONITOR_BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"
fi
VIEWERS="${1:-20}"
PAYMENTS="${2:-2000}"
CLIENTS="${3:-32}"
IDLE_MINUTES="${4:-5}"
MERCHANTS="${5:-100}"
export PORTAL_CHROMIUM="${PORTAL_CHROMIUM:-/usr/bin/chromium}"
data=$(mktemp -d)
port=5198
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/MonitorBench -c Release -v quiet -clp:ErrorsOnly >/dev/null
# The demo merchant sends everything: lift its per-merchant limit for the measurement. BenchMerchants: bench1..N-1@demo.local.
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data/portal" Logging__LogLevel__Default=Warning Payments__RequestsPerSecondPerMerchant=1000000 \
  Portal__BenchMerchants=$((MERCHANTS > 0 ? MERCHANTS - 1 : 0)) \
  taskset -c 0 dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.5; done
key=$(grep -o 'sk_test_[A-Za-z0-9]*' "$data/portal.log" | head -1)
[ -n "$key" ] || { echo "no demo API key in the start-up output"; exit 1; }
echo "portal pid $pid on core 0; browser and load on core 1; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 dotnet bench/MonitorBench/bin/Release/net10.0/MonitorBench.dll "http://127.0.0.1:$port" "$key" "$VIEWERS" "$PAYMENTS" "$CLIENTS" "$IDLE_MINUTES" "$MERCHANTS"
grep -E "fail|Exception" "$data/portal.log" | sort | uniq -c | sort -rn | head -5 || true
