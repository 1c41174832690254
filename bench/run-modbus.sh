#!/usr/bin/env bash
# Modbus polling benchmarks (docs/benchmarks.md, "Modbus polling") against the real `edgeanomaly run` process, the
# real firmware-sim slave process (`edgeanomaly-sim modbus`), real mosquitto brokers and socat pty pairs.
#   (a) 100 TCP devices x 50 tags at 1 s: gateway CPU and requests per cycle vs the planner's minimum
#   (b) 4 RTU units on one 19200-baud bus: achieved cycle time vs the wire time of the same frames
# SECONDS_MEASURED (default 60) sets the measured window of each run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/art-bench}"
out="$("$root/bench/build.sh")"
dotnet build "$root/firmware-sim/EdgeAnomaly.FirmwareSim.Cli/EdgeAnomaly.FirmwareSim.Cli.csproj" -c Release --artifacts-path "$art" -nologo -v q >&2
sim="$art/bin/EdgeAnomaly.FirmwareSim.Cli/release/edgeanomaly-sim.dll"
secs="${SECONDS_MEASURED:-60}"
cd "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# Steady state: for the first 2-3 minutes the runtime is still compiling rarely-run paths (uplink, events) to
# optimised code, about 2 % of a core on this 2-core VM (docs/benchmarks.md); a 20 s warm-up measures that too.
dotnet EdgeAnomaly.Bench.dll modbus-tcp --sim "$sim" --devices 100 --tags 50 --seconds "$secs" --warmup 150
# Paced: bytes cross a UART emulator at 19200 baud (bench/EdgeAnomaly.Bench/Modbus/UartWire.cs). The simulator ends
# a frame after 10 ms of silence (its floor; 3.5 characters are 2 ms at 19200); --sim-gap-ms 4 is closer to the wire
# but splits frames when the relay thread is descheduled for longer (docs/benchmarks.md).
dotnet EdgeAnomaly.Bench.dll modbus-rtu --sim "$sim" --units 4 --registers 40 --baud 19200 --seconds "$secs"
# For comparison: the same bus on a bare pty, where bytes take no time at all.
dotnet EdgeAnomaly.Bench.dll modbus-rtu --sim "$sim" --units 4 --registers 40 --baud 19200 --seconds "$secs" --no-pacing
