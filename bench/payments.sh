#!/usr/bin/env bash
# Payment initiation throughput on the embedded default (Release, loopback, wrk with unique Idempotency-Keys),
# printed beside a plain Kestrel endpoint (bench/PlainKestrel: one MapGet, nothing else) and the portal's own
# /health/live, all measured in the same run.
# Usage: bench/payments.sh [duration, default 20s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20s}"
CONNECTIONS="${2:-32}"
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq wrk >/dev/null; }
data=$(mktemp -d)
port=5188
plain_port=5189
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/PlainKestrel -c Release -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/PlainKestrel/bin/Release/net10.0/PlainKestrel.dll --urls "http://127.0.0.1:$plain_port" >"$data/plain.log" 2>&1 &
plain_pid=$!
# The one demo merchant sends everything: lift its per-merchant limit (default 1,000/s) for the measurement.
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data" Logging__LogLevel__Default=Warning Payments__RequestsPerSecondPerMerchant=1000000 \
  dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid $plain_pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.3; done
key=$(grep -o 'sk_test_[A-Za-z0-9]*' "$data/portal.log" | head -1)
[ -n "$key" ] || { echo "no demo API key in the start-up output"; exit 1; }

cat > "$data/pay.lua" <<'LUA'
-- Unique idempotency key and customer per request (a fresh customer scores 0-15: the processor path, not fraud holds).
local counter = 0
local id = 0
function setup(thread) id = id + 1; thread:set("id", id) end
function request()
  counter = counter + 1
  local n = id .. "-" .. counter
  local body = '{"amount":2500,"currency":"usd","customer_id":"cus_' .. n .. '","payment_method":"pm_card_visa","order_id":"ord_' .. n .. '"}'
  return wrk.format("POST", "/api/v1/payments", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. KEY, ["Idempotency-Key"] = "bench-" .. n}, body)
end
local statuses = {}
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
LUA
sed -i "1i KEY = \"$key\"" "$data/pay.lua"

echo "== warm-up (5 s)"
wrk -t2 -c"$CONNECTIONS" -d5s -s "$data/pay.lua" "http://127.0.0.1:$port" >/dev/null
until curl -sf "http://127.0.0.1:$plain_port/" >/dev/null; do sleep 0.2; done
echo "== plain Kestrel: GET / of bench/PlainKestrel (-t2 -c$CONNECTIONS -d$DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$plain_port/" | grep -E "Requests/sec|50%|99%|Non-2xx"
kill $plain_pid 2>/dev/null || true
echo "== the portal's plain endpoint: GET /health/live (-t2 -c$CONNECTIONS -d$DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port/health/live" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== payment initiation: POST /api/v1/payments (-t2 -c$CONNECTIONS -d$DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$data/pay.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|75%|90%|99%|Non-2xx|Socket errors"
grep -E "fail|Exception" "$data/portal.log" | sort | uniq -c | sort -rn | head -5 || true
count=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/payments?limit=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["count"])')
echo "listing after the run answered with $count payment(s) on its first page"
