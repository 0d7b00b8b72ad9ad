#!/usr/bin/env bash
# Benchmarks for the merchants slice; prints the figures the README quotes. Not part of ./test.sh (speed goals live here).
#   1. Listing p50/p99 at 1,000 and 1,000,000 merchants in the embedded store (bench/MerchantListBench).
#   2. Registration throughput over HTTP with wrk on loopback (POST /api/v1/merchants, unique CAC numbers).
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE="${LARGE:-1000000}"

echo "== 1. Listing cost (embedded SQLite store)"
[ "${SKIP_LIST:-}" = 1 ] || dotnet run -c Release --project bench/MerchantListBench -- --large "$LARGE" --queries 2000

echo
echo "== 2. Registration throughput (wrk, loopback)"
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq wrk >/dev/null; }
data=$(mktemp -d)
port=5187
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
# Development: staff tokens need no TOTP there, so the script can get one with the demo password.
ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data" Auth__AuthRequestsPerMinute=10000 Logging__LogLevel__Default=Warning \
  dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >"$data/portal.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$data/portal.log"; exit 1; }; sleep 0.3; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email":"admin@demo.local","password":"Demo-Portal-2026!"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
cat > "$data/register.lua" <<'LUA'
-- Each request registers a new merchant with a unique 6-digit CAC number (per-thread ranges never overlap).
local counter = 0
base = 100000
function setup(thread) thread:set("base", base); base = base + 200000 end
function request()
  counter = counter + 1
  local cac = string.format("%06d", base + counter)
  local body = '{"business_name":"Bench Shop ' .. cac .. '","cac_number":"' .. cac .. '","contact_email":"bench@shop.example"}'
  return wrk.format("POST", "/api/v1/merchants", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKEN}, body)
end
local statuses = {}
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done() end
LUA
sed -i "1i TOKEN = \"$token\"" "$data/register.lua"
wrk -t2 -c16 -d15s --latency -s "$data/register.lua" "http://127.0.0.1:$port" | sed -n '1,20p'
grep -E "fail|Exception" "$data/portal.log" | sort | uniq -c | sort -rn | head -5 || true
created=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/merchants?limit=1" >/dev/null && echo ok)
echo "portal answered after the run: ${created:-no}"
