#!/usr/bin/env bash
# Merchant registration throughput (POST /api/v1/merchants, unique CAC numbers) on the embedded default, Release, loopback,
# the load of bench/run.sh's part 2 (wrk -t2 -c16). Issue 15's bar: >= 3,000 req/s, p99 < 25 ms. The load holds /tmp/bench.lock.
# Usage: bench/registration.sh [duration, default 15s] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15s}"
CONNECTIONS="${2:-16}"
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq wrk >/dev/null; }
data=$(mktemp -d)
port=5197
export MSBUILDDISABLENODEREUSE=1
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
# Development: staff tokens need no TOTP there, so the script can get one with the demo password.
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data/portal" Auth__AuthRequestsPerMinute=10000 Logging__LogLevel__Default=Warning \
  dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.3; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email":"admin@demo.local","password":"Demo-Portal-2026!"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
cat > "$data/register.lua" <<LUA
TOKEN = "$token"
-- Each request registers a new merchant with a unique 6-digit CAC number (per-thread ranges never overlap).
local counter = 0
base = 100000
function setup(thread) thread:set("base", base); base = base + 400000 end
function request()
  counter = counter + 1
  local cac = string.format("%06d", base + counter)
  local body = '{"business_name":"Bench Shop ' .. cac .. '","cac_number":"' .. cac .. '","contact_email":"bench@shop.example"}'
  return wrk.format("POST", "/api/v1/merchants", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKEN}, body)
end
LUA
echo "== warm-up (3 s, CAC numbers of its own)"
sed 's/^base = 100000/base = 900000/; s/base + 400000/base + 40000/' "$data/register.lua" >"$data/warm.lua"
flock /tmp/bench.lock wrk -t2 -c"$CONNECTIONS" -d3s -s "$data/warm.lua" "http://127.0.0.1:$port" >/dev/null
echo "== registration: POST /api/v1/merchants (-t2 -c$CONNECTIONS -d$DURATION)"
flock /tmp/bench.lock wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$data/register.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
grep -E "fail|Exception" "$data/portal.log" | sort | uniq -c | sort -rn | head -5 || true
