#!/usr/bin/env bash
# The detectors' results on the Raspberry Pi's instruction set must equal those on x64: the sorted window, the
# spike check and the counting passes have Vector512/256/128 and scalar paths, and the arm64 JIT lowers Vector128
# to AdvSimd. Builds the thread-CPU harness (bench/EdgeAnomaly.Bench/Detection/CpuAb) for this x64 host and as a
# self-contained linux-arm64 app, runs both on the same generated 98-tag fleet (the arm64 one under qemu-user) and
# compares the hash of every condition report, of the tag snapshots and of every event revision's JSON.
# Timings under emulation mean nothing and are not compared. Usage: tests/arm64-detector-parity.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -m)" = x86_64 ] || { echo "parity: run on an x86_64 host (compares x64 with arm64 under qemu-user)" >&2; exit 1; }
command -v qemu-aarch64 >/dev/null || { echo "parity: qemu-aarch64 not installed (apt-get install qemu-user)" >&2; exit 1; }
[ -e /lib/ld-linux-aarch64.so.1 ] || { echo "parity: no arm64 loader (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
harness=bench/EdgeAnomaly.Bench/Detection/CpuAb/CpuAb.csproj
dotnet build "$harness" -c Release --artifacts-path "$work/x64" -nologo -v q >&2
dotnet publish "$harness" -c Release -r linux-arm64 --self-contained -o "$work/arm64" -nologo -v q >&2
x64=(dotnet "$work/x64/bin/CpuAb/release/EdgeAnomaly.CpuAb.dll")
arm64=(env DOTNET_EnableWriteXorExecute=0 qemu-aarch64 "$work/arm64/EdgeAnomaly.CpuAb")
# Variant, report count, report hash, snapshot hash (the ns/point columns dropped); then the event revisions' line.
results() { "$@" all 2 | awk '{ print $1, $8, $10, $12 }'; "$@" events | sed -E 's/ \(allocated.*//'; }
results "${x64[@]}" >"$work/x64.txt"
results "${arm64[@]}" >"$work/arm64.txt"
cat "$work/arm64.txt"
if ! diff "$work/x64.txt" "$work/arm64.txt"; then
  echo "parity: linux-arm64 results differ from x64 (lines above: < x64, > arm64)" >&2
  exit 1
fi
[ "$(wc -l <"$work/x64.txt")" -ge 11 ] || { echo "parity: the harness printed too little" >&2; exit 1; }
echo "parity: linux-arm64 (qemu-user) reports, snapshots and event revisions identical to x64"
