#!/usr/bin/env bash
# Builds the gateway once (Release) and runs `edgeanomaly ARGS`; with no arguments it runs the demo.
set -euo pipefail
cd "$(dirname "$0")"
out=out/run
if ! dotnet build src/EdgeAnomaly.Gateway/EdgeAnomaly.Gateway.csproj -c Release -o "$out" -nologo -v quiet -clp:ErrorsOnly >&2; then
  echo "run.sh: build failed" >&2
  exit 1
fi
if [ "$#" -eq 0 ]; then
  set -- demo
fi
exec "$out/edgeanomaly" "$@"
