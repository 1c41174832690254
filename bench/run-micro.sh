#!/usr/bin/env bash
# Benchmark 1: detector core and ReadingDecoder (BenchmarkDotNet, in-process toolchain, MemoryDiagnoser).
# Extra arguments go to BenchmarkDotNet, e.g. ./bench/run-micro.sh --filter '*Decoder*'
set -euo pipefail
out="$("$(dirname "$0")/build.sh")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$out"
if [ $# -eq 0 ]; then set -- --filter '*'; fi
dotnet EdgeAnomaly.Bench.dll micro "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
