#!/usr/bin/env bash
# Before/after in one session: builds this store harness against the source tree of BASE (a commit) and against the working
# tree, then runs them alternately ROUNDS times. Usage: ab.sh BASE [ROUNDS] [harness args, e.g. --hours 24 --event-every 10 | drain]
set -euo pipefail
base="${1:?base commit}"; rounds="${2:-2}"; shift $(( $# >= 2 ? 2 : 1 ))
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../../../.." && pwd)"
tmp="${TMPDIR:-/tmp}/storewrites-$base"; mkdir -p "$tmp/tree"
git -C "$root" archive "$base" src Directory.Build.props Directory.Packages.props | tar -x -C "$tmp/tree"
dotnet build "$here/StoreWrites.csproj" -c Release -p:SrcRoot="$tmp/tree/src" --artifacts-path "$tmp/art-base" -nologo -v q >&2
dotnet build "$here/StoreWrites.csproj" -c Release --artifacts-path "$tmp/art-head" -nologo -v q >&2
for r in $(seq "$rounds"); do
  for side in base head; do
    echo "== round $r $side ($( [ $side = base ] && echo "$base" || echo "working tree")) $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    dotnet "$tmp/art-$side/bin/StoreWrites/release/EdgeAnomaly.StoreWrites.dll" "$@"
  done
done
