#!/usr/bin/env bash
# Issue 15's speed measurement: in ONE run on this machine, two targets measured alternately, twice each, under the
# same wrk load (-t2 -c32, a Lua script sending a unique Idempotency-Key and customer per request):
#   bare:   bench/PlainKestrel's POST /payments (a minimal-API endpoint that parses the same small JSON body, answers 201)
#   portal: the portal's POST /api/v1/payments, Release, embedded default (WAL, synchronous=FULL: durable against power loss)
# Prints each phase's req/s, p50 and p99, then the means and the ratio portal/bare. Load phases hold /tmp/bench.lock.
# Usage: bench/payments-ratio.sh [duration per phase, default 15s] [connections, default 32]
#   PROFILE=1: also record a sampled thread-time trace of the portal during one extra phase (needs dotnet-trace) and print its top frames.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15s}"
CONNECTIONS="${2:-32}"
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq wrk >/dev/null; }
data=$(mktemp -d)
port=5198
bare_port=5199
export MSBUILDDISABLENODEREUSE=1
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/PlainKestrel -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/PlainKestrel/bin/Release/net10.0/PlainKestrel.dll --urls "http://127.0.0.1:$bare_port" >"$data/bare.log" 2>&1 &
bare_pid=$!
# The one demo merchant sends everything: lift its per-merchant limit (default 1,000/s) for the measurement.
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data/portal" Logging__LogLevel__Default=Warning Payments__RequestsPerSecondPerMerchant=1000000 \
  dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid $bare_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.3; done
until curl -sf "http://127.0.0.1:$bare_port/" >/dev/null; do sleep 0.2; done
for _ in $(seq 100); do grep -q 'sk_test_' "$data/portal.log" && break; sleep 0.3; done # the demo seeding may log after ready
key=$(grep -o 'sk_test_[A-Za-z0-9]*' "$data/portal.log" | head -1 || true)
[ -n "$key" ] || { echo "no demo API key in the start-up output"; exit 1; }

lua() { # $1: path
  cat <<LUA
KEY = "$key"
PATH_ = "$1"
-- Unique idempotency key and customer per request (a fresh customer scores 0-15: the processor path, not fraud holds).
local counter = 0
local id = 0
function setup(thread) id = id + 1; thread:set("id", id) end
function request()
  counter = counter + 1
  local n = id .. "-" .. counter .. "-" .. RUN
  local body = '{"amount":2500,"currency":"usd","customer_id":"cus_' .. n .. '","payment_method":"pm_card_visa","order_id":"ord_' .. n .. '"}'
  return wrk.format("POST", PATH_, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. KEY, ["Idempotency-Key"] = "bench-" .. n}, body)
end
LUA
}
lua /payments >"$data/bare.lua"
lua /api/v1/payments >"$data/portal.lua"

# One phase: prints "req/s p50_ms p99_ms non2xx" for the target.
phase() { # $1: bare|portal, $2: duration, $3: run tag
  local url script
  if [ "$1" = bare ]; then url="http://127.0.0.1:$bare_port"; else url="http://127.0.0.1:$port"; fi
  script="$data/$1.$3.lua"; sed "1i RUN = \"$3\"" "$data/$1.lua" >"$script"
  flock /tmp/bench.lock wrk -t2 -c"$CONNECTIONS" -d"$2" --latency -s "$script" "$url" >"$data/$1.$3.out"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }' "$data/$1.$3.out"
}

echo "== warm-up (5 s each, not counted)"
phase bare 5s w >/dev/null
phase portal 5s w >/dev/null
declare -a results
for round in 1 2; do
  for target in bare portal; do
    r=$(phase "$target" "$DURATION" "r$round")
    printf '%-7s round %d: %8s req/s  p50 %6s ms  p99 %6s ms  non-2xx %s\n' "$target" "$round" $r
    results+=("$target $r")
  done
done
printf '%s\n' "${results[@]}" | awk '
  { n[$1]++; rps[$1] += $2; p50[$1] += $3; p99[$1] += $4; if ($4 > max99[$1]) max99[$1] = $4 }
  END {
    for (t in n) printf "%-7s mean: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms (worst %.2f)\n", t, rps[t] / n[t], p50[t] / n[t], p99[t] / n[t], max99[t]
    printf "ratio portal/bare: %.2fx\n", rps["portal"] / rps["bare"] }'
grep -E "fail|Exception" "$data/portal.log" | sort | uniq -c | sort -rn | head -5 || true

if [ "${PROFILE:-}" = 1 ]; then
  trace="${TRACE_OUT:-$PWD/bench/payments.nettrace}"
  echo "== profile: sampled thread-time trace of the portal under the same load ($DURATION)"
  ~/.dotnet/tools/dotnet-trace collect -p $pid --profile dotnet-sampled-thread-time --duration 00:00:00:12 -o "$trace" >"$data/trace.log" 2>&1 &
  tpid=$!
  sleep 2
  phase portal 12s p >/dev/null
  wait $tpid || { cat "$data/trace.log"; exit 1; }
  echo "trace: $trace (bench/topframes.py counts its samples)"
fi
