#!/usr/bin/env bash
# Store disk-write A/B (docs/benchmarks.md section 5). Usage: ab.sh BASE [ROUNDS] [harness args, e.g. --hours 24 --event-every 10 | drain]
exec "$(dirname "$0")/../../../ab.sh" "$(dirname "$0")/StoreWrites.csproj" "$@"
