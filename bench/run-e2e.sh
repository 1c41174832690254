#!/usr/bin/env bash
# Benchmarks 2-5 against the real `edgeanomaly run` process and real mosquitto brokers on loopback
# (/usr/sbin/mosquitto). About 20 minutes of machine time; set FOOTPRINT_SECONDS to shorten the footprint runs.
set -euo pipefail
out="$("$(dirname "$0")/build.sh")"
fp="${FOOTPRINT_SECONDS:-600}"
cd "$out"
stamp() { echo "== $* | $(date -u +%FT%TZ) | load $(cut -d' ' -f1-3 /proc/loadavg) | $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"; }
quiet() { grep -v -e ' info: ' -e ' warn: ' || true; }

stamp "footprint runs start in the background (1000 tags and 100 tags at 1 Hz, ${fp} s)"
dotnet EdgeAnomaly.Bench.dll footprint --tags 1000 --hz 1 --seconds "$fp" > footprint-1000.txt 2>&1 &
p1=$!
dotnet EdgeAnomaly.Bench.dll footprint --tags 100 --hz 1 --seconds "$fp" > footprint-100.txt 2>&1 &
p2=$!

stamp "ingest QoS 1, 20 assets, 16 in flight"; dotnet EdgeAnomaly.Bench.dll ingest --qos 1 --seconds 20 | quiet
stamp "ingest QoS 1, 100 assets, 64 in flight, bare subscriber acks off its receive loop"
dotnet EdgeAnomaly.Bench.dll ingest --qos 1 --seconds 20 --assets 100 --in-flight 64 --bare-deferred-ack | quiet
stamp "ingest QoS 0"; dotnet EdgeAnomaly.Bench.dll ingest --qos 0 --seconds 20 | quiet
stamp "latency at 10k readings/s"; dotnet EdgeAnomaly.Bench.dll latency --seconds 60 --rate 10000 --trip-every 50 | quiet
stamp "drain after outage"; dotnet EdgeAnomaly.Bench.dll drain --revisions 20000 | quiet

wait "$p1" "$p2"
stamp "footprint results"
cat footprint-1000.txt footprint-100.txt | quiet
