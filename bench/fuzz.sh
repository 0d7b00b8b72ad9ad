#!/usr/bin/env bash
# Long run of the API fuzz test (Portal.Tests/Api/ApiFuzzTests.cs): the systematic requests of the short run in ./test.sh,
# then many seeded random ones, against an in-process portal. Prints the figures the README quotes: requests sent,
# operations covered, status histogram, duration, and every failure with the request that caused it.
# Usage: bench/fuzz.sh [random requests, default 50000] [seed, default a new one, printed so a failure can be replayed]
set -euo pipefail
cd "$(dirname "$0")/.."
export PORTAL_FUZZ_ITERATIONS="${1:-50000}"
export PORTAL_FUZZ_SEED="${2:-$(( $(date +%s) % 1000000 ))}"
export PORTAL_FUZZ_REPORT="$(mktemp)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
trap 'rm -f "$PORTAL_FUZZ_REPORT"' EXIT

echo "== API fuzz: $PORTAL_FUZZ_ITERATIONS random requests, seed $PORTAL_FUZZ_SEED (replay: bench/fuzz.sh $PORTAL_FUZZ_ITERATIONS $PORTAL_FUZZ_SEED)"
dotnet build Portal.Tests -c Release -v quiet -clp:ErrorsOnly >/dev/null
set +e
dotnet test Portal.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~ApiFuzzTests" >/dev/null 2>&1
status=$?
set -e
if [ -s "$PORTAL_FUZZ_REPORT" ]; then
  cat "$PORTAL_FUZZ_REPORT"
else
  echo "the fuzz test wrote no report (it failed before the run; see: dotnet test Portal.Tests --filter ApiFuzzTests)"
fi
exit "$status"
