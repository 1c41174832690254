#!/usr/bin/env bash
# Before/after in one session for a standalone harness project (one with a SrcRoot property): builds it against the
# source tree of BASE (a commit) and against the working tree, then runs the two alternately ROUNDS times.
# Usage: ab.sh HARNESS_CSPROJ BASE [ROUNDS] [harness args]   (the per-harness ab.sh scripts call this)
set -euo pipefail
csproj="$(cd "$(dirname "${1:?harness csproj}")" && pwd)/$(basename "$1")"; base="${2:?base commit}"; rounds="${3:-2}"
shift $(( $# >= 3 ? 3 : 2 ))
root="$(cd "$(dirname "$0")/.." && pwd)"
name="$(basename "$csproj" .csproj)"
assembly="$(sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$csproj")"
tmp="${TMPDIR:-/tmp}/$(echo "$name" | tr '[:upper:]' '[:lower:]')-$base"; mkdir -p "$tmp/tree"
git -C "$root" archive "$base" src Directory.Build.props Directory.Packages.props | tar -x -C "$tmp/tree"
dotnet build "$csproj" -c Release -p:SrcRoot="$tmp/tree/src" --artifacts-path "$tmp/art-base" -nologo -v q >&2
dotnet build "$csproj" -c Release --artifacts-path "$tmp/art-head" -nologo -v q >&2
for r in $(seq "$rounds"); do
  for side in base head; do
    echo "== round $r $side ($( [ $side = base ] && echo "$base" || echo "working tree")) $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    dotnet "$tmp/art-$side/bin/$name/release/$assembly.dll" "$@"
  done
done
