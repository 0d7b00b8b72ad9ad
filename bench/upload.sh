#!/usr/bin/env bash
# Upload benchmark (not part of ./test.sh): 20 concurrent 10 MB KYC document uploads through the API with merchant API
# keys, against the portal in Release on a free port with a fresh data folder. Prints the portal's working-set growth
# (VmRSS during the uploads minus VmRSS before them; the goal is < 64 MB) and the throughput in MB/s.
#   UPLOADS=20 SIZE_MB=10 ./bench/upload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS="${UPLOADS:-20}"
SIZE_MB="${SIZE_MB:-10}"
command -v sqlite3 >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get install -y -qq sqlite3 >/dev/null; }

data=$(mktemp -d)
keys_folder=$(mktemp -d) # Production wants the master key apart from the data folder
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
dotnet build Portal -c Release -v quiet -clp:ErrorsOnly >/dev/null
# Production refuses the published demo password and needs its public address (for email links).
ASPNETCORE_ENVIRONMENT=Production Portal__DataPath="$data" Portal__KeyPath="$keys_folder/master.key" Portal__SeedDemoUsers=false Portal__DemoPassword="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" \
  Portal__PublicBaseUrl=https://127.0.0.1/ Logging__LogLevel__Default=Warning \
  dotnet Portal/bin/Release/net10.0/Portal.dll --contentRoot "$PWD/Portal" --urls "$base" >"$data/portal.log" 2>&1 &
pid=$!
sampler=""
trap 'kill $pid $sampler 2>/dev/null; rm -rf "$data" "$keys_folder"' EXIT
until curl -sf "$base/health/ready" >/dev/null; do kill -0 $pid 2>/dev/null || { echo "portal did not start:"; tail -20 "$data/portal.log"; exit 1; }; sleep 0.3; done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; } # KiB

# One merchant and one API key per upload. Keys are what the Developers page creates (sk_test_ + 32 characters, stored
# as a SHA-256 hash); the script writes them straight into the fresh database, since creating them needs a signed-in page.
# Any API call with a key-shaped credential opens the key store, which creates its table.
curl -s -o /dev/null -H "Authorization: Bearer sk_test_$(printf 'x%.0s' $(seq 32))" "$base/api/v1/me"
keys=()
for i in $(seq 1 "$UPLOADS"); do
  secret="sk_test_$(head -c 200 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 32)"
  hash=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
  merchant=$(python3 -c 'import uuid; print(uuid.uuid4())')
  sqlite3 -cmd ".timeout 5000" "$data/portal.db" "INSERT INTO api_keys (id, merchant_id, name, prefix, created_by, created_at, last_used_at, revoked_at, secret_hash)
    VALUES ('$(python3 -c 'import uuid; print(uuid.uuid4())')', '$merchant', 'bench', '${secret:0:12}', 'bench', $(date +%s000), NULL, NULL, '$hash');"
  cac=$(printf '%06d' $((100000 + i)))
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/merchants" -H "Authorization: Bearer $secret" -H 'content-type: application/json' \
    -d "{\"business_name\":\"Bench Upload $i\",\"cac_number\":\"$cac\",\"contact_email\":\"bench$i@upload.example\"}")
  [ "$status" = 201 ] || { echo "registering merchant $i answered $status"; exit 1; }
  keys+=("$secret:mer_${merchant//-/}")
done

file="$data/upload.pdf"
{ printf '%%PDF-1.7\n'; head -c $((SIZE_MB * 1000 * 1000 - 9)) /dev/urandom; } > "$file"
upload() { # $1 = secret:merchant_id, $2 = document type
  curl -s -o /dev/null -w '%{http_code}\n' -X PUT "$base/api/v1/merchants/${1#*:}/documents/$2" -H "Authorization: Bearer ${1%%:*}" \
    -H 'content-type: application/pdf' --data-binary "@$file"
}

# Warm-up: one upload (JIT, connection pools, first key unwraps), then let the runtime settle.
[ "$(upload "${keys[0]}" bank_statement)" = 201 ] || { echo "warm-up upload failed"; tail -20 "$data/portal.log"; exit 1; }
sleep 2
before=$(rss)

( while kill -0 $pid 2>/dev/null; do rss; sleep 0.05; done ) > "$data/rss.txt" &
sampler=$!
start=$(date +%s.%N)
for k in "${keys[@]}"; do upload "$k" certificate_of_incorporation > "$data/status.$RANDOM$RANDOM" & done
wait $(jobs -p | grep -v "^$sampler$" | grep -v "^$pid$") 2>/dev/null || true
end=$(date +%s.%N)
kill $sampler 2>/dev/null || true
after=$(rss)

ok=$(cat "$data"/status.* | grep -c '^201$' || true)
peak=$(sort -n "$data/rss.txt" | tail -1)
python3 - "$UPLOADS" "$SIZE_MB" "$start" "$end" "$before" "$peak" "$after" "$ok" <<'PY'
import sys
n, mb, start, end, before, peak, after, ok = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
seconds = end - start
growth = (peak - before) / 1024
print(f"{n} concurrent uploads of {mb} MB: {ok}/{n} answered 201 in {seconds:.2f} s")
print(f"throughput: {n * mb / seconds:.1f} MB/s")
print(f"working set: {before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB during, {after / 1024:.0f} MB after; growth {growth:.1f} MB "
      + ("(< 64 MB: ok)" if growth < 64 else "(>= 64 MB: TOO MUCH)"))
sys.exit(0 if ok == n and growth < 64 else 1)
PY
