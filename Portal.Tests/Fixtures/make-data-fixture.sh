#!/usr/bin/env bash
# Writes Portal.Tests/Fixtures/<name> (for example data-v2) with the code of this checkout: run it at the release that
# changes a schema, BEFORE the schema change, and commit the folder. See Fixtures/data-v1/README.md.
set -euo pipefail
name="${1:?usage: make-data-fixture.sh data-vN}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/$name"
PORTAL_WRITE_FIXTURE="$here/$name" dotnet test "$here/.." -c Release --filter "FullyQualifiedName~DataFixtureWriter"
ls -lR "$here/$name"
