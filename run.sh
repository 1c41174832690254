#!/usr/bin/env bash
# With no arguments runs the zero-install demo (`edgeanomaly-demo`: embedded broker, simulated fleet, gateway).
# `./run.sh demo ARGS` passes ARGS to the demo; `./run.sh ARGS` runs the daemon's CLI, `edgeanomaly ARGS`.
# Builds (Release, into out/run) only when a source, project or package file changed since the last build; the
# build's output goes to out/run.build.log and is shown only when the build fails.
set -euo pipefail
cd "$(dirname "$0")"
out=out/run
stamp=$out/.built
log=out/run.build.log
mkdir -p "$out"
stale() {
  [ -f "$stamp" ] && [ -x "$out/edgeanomaly" ] && [ -x "$out/edgeanomaly-demo" ] || return 0
  [ -n "$(find src firmware-sim Directory.Build.props Directory.Packages.props -newer "$stamp" \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.yaml' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null)" ]
}
if stale; then
  touch "$out/.building"
  if ! { dotnet build src/EdgeAnomaly.Gateway/EdgeAnomaly.Gateway.csproj -c Release -o "$out" -nologo -v quiet -clp:ErrorsOnly \
      && dotnet build src/EdgeAnomaly.Demo/EdgeAnomaly.Demo.csproj -c Release -o "$out" -nologo -v quiet -clp:ErrorsOnly; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "run.sh: build failed (log: $log)" >&2
    exit 1
  fi
  # The stamp takes the time the build started: a file saved during the build triggers the next one.
  mv "$out/.building" "$stamp"
fi
if [ "$#" -eq 0 ]; then
  exec "$out/edgeanomaly-demo"
elif [ "$1" = demo ]; then
  shift
  exec "$out/edgeanomaly-demo" "$@"
fi
exec "$out/edgeanomaly" "$@"
