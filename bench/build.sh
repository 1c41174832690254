#!/usr/bin/env bash
# Builds the benchmark exe (Release) into its own artifacts folder, so concurrent builds in the tree are not disturbed.
# Prints the folder holding EdgeAnomaly.Bench.dll (and edgeanomaly.dll, the gateway it starts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/art-bench}"
dotnet build "$root/bench/EdgeAnomaly.Bench/EdgeAnomaly.Bench.csproj" -c Release --artifacts-path "$art" -nologo -v q >&2
echo "$art/bin/EdgeAnomaly.Bench/release"
