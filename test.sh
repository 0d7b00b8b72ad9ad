#!/usr/bin/env bash
# The one test command: idempotent set-up on a fresh Debian machine, then every test, ending with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*"; }

# 1. Browser for the Playwright tests: Debian's chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  log "Installing Debian's chromium"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export PORTAL_CHROMIUM="${PORTAL_CHROMIUM:-$(command -v chromium)}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# 1b. DynamoDB Local for the DynamoDB contract tests: Java 17 plus the jar bundled in an npm package (pack + untar only,
# its dependencies are not needed and the other wrappers download the jar at run time).
if ! command -v java >/dev/null 2>&1; then
  log "Installing Java 17 for DynamoDB Local"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if [ ! -f .tools/dynamodb-local/DynamoDBLocal.jar ]; then
  log "Unpacking DynamoDB Local"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack amplify-dynamodb-simulator@2.9.30 --silent >/dev/null && tar xzf amplify-dynamodb-simulator-*.tgz)
  rm -rf .tools/dynamodb-local && mkdir -p .tools/dynamodb-local
  mv "$tmp"/package/emulator/* .tools/dynamodb-local/
  rm -rf "$tmp"
fi
export PORTAL_DYNAMODB_LOCAL_DIR="$PWD/.tools/dynamodb-local"

# 1c. s3rver for the S3 document store contract tests (node is already needed for DynamoDB Local's npm pack).
if [ ! -f .tools/s3rver/node_modules/s3rver/bin/s3rver.js ]; then
  log "Installing s3rver"
  npm install --prefix .tools/s3rver s3rver@3.7.1 --no-audit --no-fund --silent
fi
export PORTAL_S3RVER_DIR="$PWD/.tools/s3rver"

# 1d. The API contract tests' third-party tools: Redocly CLI (lints the OpenAPI document) and Kiota (regenerates the client).
if [ ! -x .tools/redocly/node_modules/.bin/redocly ]; then
  log "Installing Redocly CLI"
  npm install --prefix .tools/redocly @redocly/cli@2.77.0 --no-audit --no-fund --silent
fi
if [ ! -x .tools/kiota/kiota ]; then
  log "Installing Kiota"
  dotnet tool install Microsoft.OpenApi.Kiota --version 1.38.0 --tool-path .tools/kiota >/dev/null
fi

# 2. Packages and build.
log "Restoring and building"
dotnet restore Portal.sln --nologo -v quiet
dotnet build Portal.sln -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly

# 3. Every test (unit, bunit, API, Playwright E2E) in one run; xunit runs classes in parallel.
log "Running tests"
out=$(mktemp)
set +e
dotnet test Portal.sln -c Release --no-build --nologo 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -Eo 'Passed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
rm -f "$out"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner failed without reporting a failed test (crash, timeout): never report green
fi
echo
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
