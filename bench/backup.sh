#!/usr/bin/env bash
# Online backup budgets (issue 27), on the embedded default (Release, loopback, wrk as in bench/payments.sh):
#  1. payment initiation p99 without a backup, then with backups taken back to back for the whole phase (goal: within
#     2x), alternating for a few rounds;
#     before each backup the ids of every committed payment are read from the live payments.db, and each of them must
#     be in that backup's snapshot (an acknowledged payment is committed first, so none acknowledged before is missing);
#  2. the payments database grown to about 1 GB (rows copied with fresh ids), then one backup of the folder timed while
#     the portal runs (goal: under 30 s), and its restore timed with the restore's own checks.
# Usage: bench/backup.sh [duration of each phase, default 10s] [connections, default 32] [size in MB, default 1024] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
SIZE_MB="${3:-1024}"
ROUNDS="${4:-3}"
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq sqlite3 >/dev/null; }
work=$(mktemp -d)
data="$work/data"
port=5198
export PORTAL_BACKUP_PASSPHRASE="bench passphrase, not a secret"
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
portal() { ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data" Logging__LogLevel__Default=Warning "$@"; }

start_portal() {
  # A plain command, not the function: $! must be the portal's own process, for the kill at the end.
  ASPNETCORE_ENVIRONMENT=Development Portal__DataPath="$data" Logging__LogLevel__Default=Warning Payments__RequestsPerSecondPerMerchant=1000000 \
    dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "http://127.0.0.1:$port" >>"$work/portal.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -5 "$work/portal.log"; exit 1; }; sleep 0.3; done
}
# At a lower CPU priority, as the README advises: on two cores, the backup's own start-up (JIT) and key derivation
# would otherwise take turns with the portal's request threads.
backup() { portal nice -n 10 dotnet Portal/bin/Release/net10.0/Portal.dll backup "$1" --contentRoot "$PWD/Portal"; }
pid=""
if curl -s "http://127.0.0.1:$port/" >/dev/null; then echo "port $port is taken"; exit 1; fi
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
start_portal
key=$(grep -o 'sk_test_[A-Za-z0-9]*' "$work/portal.log" | head -1)
[ -n "$key" ] || { echo "no demo API key in the start-up output"; exit 1; }
# Keys carry the run's name (wrk's argument): a later run must not replay an earlier one's idempotency keys.
cat > "$work/pay.lua" <<'LUA'
local counter = 0
local id = 0
local run = "0"
function setup(thread) id = id + 1; thread:set("id", id) end
function init(args) run = args[1] or "0" end
function request()
  counter = counter + 1
  local n = run .. "-" .. id .. "-" .. counter
  local body = '{"amount":2500,"currency":"usd","customer_id":"cus_' .. n .. '","payment_method":"pm_card_visa","order_id":"ord_' .. n .. '"}'
  return wrk.format("POST", "/api/v1/payments", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. KEY, ["Idempotency-Key"] = "bench-" .. n}, body)
end
LUA
sed -i "1i KEY = \"$key\"" "$work/pay.lua"
pay() { wrk -t2 -c"$CONNECTIONS" -d"$1" --latency -s "$work/pay.lua" "http://127.0.0.1:$port" -- "$2"; }

echo "== warm-up (5 s)"
pay 5s warmup >/dev/null
# Backups back to back while $1 (a wrk pid) runs. With "check", the ids of every committed payment are read from the
# live payments.db before each backup, and each must be in that backup's snapshot; that dump and sort cost CPU of their
# own, so the p99 phases run without it and the check has a phase of its own.
backups_while() {
  local wrk_pid=$1 check=$2
  while kill -0 "$wrk_pid" 2>/dev/null; do
    n=$((n + 1))
    [ "$check" = check ] && sqlite3 "$data/payments.db" "SELECT id FROM payments" | sort >"$work/committed.txt"
    start=$(date +%s.%N)
    backup "$work/backup-$n" >/dev/null
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    if [ "$check" = check ]; then
      sqlite3 "$work/backup-$n/data/payments.db" "SELECT id FROM payments" | sort >"$work/snapshot.txt"
      missing=$(comm -23 "$work/committed.txt" "$work/snapshot.txt" | wc -l)
      missing_total=$((missing_total + missing))
      printf "backup %d: %.2f s, %d payments committed before it, %d in its snapshot, %d missing\n" \
        "$n" "$seconds" "$(wc -l <"$work/committed.txt")" "$(wc -l <"$work/snapshot.txt")" "$missing"
    else
      printf "backup %d: %.2f s\n" "$n" "$seconds"
    fi
    rm -rf "$work/backup-$n"
  done
  wait "$wrk_pid" || true
}

# Other work on the machine moves p99 from one run to the next, so the two phases alternate, round after round.
n=0; missing_total=0
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round/$ROUNDS, 1a. payment initiation without a backup (-t2 -c$CONNECTIONS -d$DURATION)"
  pay "$DURATION" "without-$round" | grep -E "Requests/sec|99%|Non-2xx|Socket errors"
  echo "== round $round/$ROUNDS, 1b. the same while backups run back to back"
  pay "$DURATION" "during-$round" >"$work/wrk-during.txt" &
  sleep 0.5
  backups_while $! plain
  grep -E "Requests/sec|99%|Non-2xx|Socket errors" "$work/wrk-during.txt"
done
echo "== 1c. acknowledged payments in each snapshot, backups back to back under the same load"
pay "$DURATION" "check" >"$work/wrk-check.txt" &
sleep 0.5
backups_while $! check
echo "payments committed before a backup but missing from it: $missing_total (over $n backups)"

echo "== 2. backup of about $SIZE_MB MB"
kill $pid; wait $pid 2>/dev/null || true; pid=""
# Copies of the stored payments under fresh ids until the database holds the size asked for (no processor references:
# they are unique).
while [ $(( $(stat -c %s "$data/payments.db") / 1048576 )) -lt "$SIZE_MB" ]; do
  sqlite3 "$data/payments.db" "INSERT INTO payments (id, merchant_id, customer_id, status, created_at, processor_reference, version, doc)
    SELECT lower(hex(randomblob(16))), merchant_id, customer_id, status, created_at, NULL, version, doc FROM payments
    LIMIT (SELECT max(1, min(count(*), ($SIZE_MB * 1048576 - (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size)) / 700)) FROM payments);
    PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
done
du -sm "$data" | awk '{print "data folder: " $1 " MB"}'
start_portal
start=$(date +%s.%N)
backup "$work/big" | tail -1
printf "backup of the data folder (portal running, idle): %.1f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
start=$(date +%s.%N)
Portal__DataPath="$work/restored" dotnet Portal/bin/Release/net10.0/Portal.dll restore "$work/big" --contentRoot "$PWD/Portal" | tail -3
printf "restore with its checks: %.1f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
