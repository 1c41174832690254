#!/usr/bin/env bash
# Detector thread-CPU A/B (docs/detectors.md "Performance"). Usage: ab.sh BASE [ROUNDS] [harness args, e.g. "default,stats 5" | events]
exec "$(dirname "$0")/../../../ab.sh" "$(dirname "$0")/CpuAb.csproj" "$@"
