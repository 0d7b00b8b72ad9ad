#!/usr/bin/env bash
# Regenerates the Kiota C# client (Portal.Tests/Generated/PortalApi) from the committed OpenAPI snapshot, the one command
# after an API change:  PORTAL_UPDATE_OPENAPI_SNAPSHOT=1 dotnet test ... (snapshot)  then  Portal.Tests/Contract/regenerate-client.sh
# Usage: regenerate-client.sh [output-dir]   (the client test passes a temp dir to compare with the committed client)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-Portal.Tests/Generated/PortalApi}"
kiota="${PORTAL_KIOTA:-.tools/kiota/kiota}"
if [ ! -x "$kiota" ]; then
  dotnet tool install Microsoft.OpenApi.Kiota --version 1.38.0 --tool-path .tools/kiota >/dev/null
fi
export KIOTA_TUTORIAL_ENABLED=false KIOTA_OFFLINE_ENABLED=true
"$kiota" generate -d Portal.Tests/Contract/openapi-v1.json -l CSharp -c PortalApiClient -n Portal.Tests.Generated.PortalApi \
  -o "$out" --clean-output --exclude-backward-compatible --log-level Error >/dev/null
rm -f "$out/.kiota.log"
