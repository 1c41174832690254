#!/usr/bin/env bash
# Runs a release tarball from publish.sh the way an operator gets it: unpack into an empty directory, check the
# shipped config, run the demo and check its summary line. A linux-arm64 tarball on a non-arm64 host runs under
# qemu-user (needs qemu-aarch64 and the arm64 libc6, libstdc++6 and libssl3 from Debian multiarch).
# With --without-libssl it instead hides every libssl in a private mount namespace (root + unshare) and checks that
# the binary refuses to start with a message naming the package rather than aborting at the first event.
# Usage: tests/published-smoke.sh [--without-libssl] RID
set -euo pipefail
cd "$(dirname "$0")/.."
without_libssl=0
if [ "${1:-}" = "--without-libssl" ]; then without_libssl=1; shift; fi
rid=${1:?usage: tests/published-smoke.sh [--without-libssl] RID}
duration=${SMOKE_DEMO_SECONDS:-30}
tarball="dist/edgeanomaly-$rid.tar.gz"
[ -f "$tarball" ] || { echo "smoke: $tarball not found (run ./publish.sh first)" >&2; exit 1; }

runner=()
case "$rid/$(uname -m)" in
  linux-x64/x86_64 | linux-arm64/aarch64) ;;
  linux-arm64/*)
    command -v qemu-aarch64 >/dev/null || { echo "smoke: qemu-aarch64 not installed (apt-get install qemu-user)" >&2; exit 1; }
    [ -e /lib/ld-linux-aarch64.so.1 ] || { echo "smoke: no arm64 loader (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64)" >&2; exit 1; }
    # The emulator cannot honour W^X double mapping of JIT'd code.
    runner=(env DOTNET_EnableWriteXorExecute=0 qemu-aarch64) ;;
  *) echo "smoke: cannot run $rid on $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
app="$work/edgeanomaly-$rid"
for f in edgeanomaly demo/edgeanomaly-demo CONTENTS.txt configs/edgeanomaly.json configs/rules.yaml configs/mosquitto-local.conf systemd/edgeanomaly.service systemd/install.sh README.md; do
  [ -e "$app/$f" ] || { echo "smoke: $tarball lacks $f" >&2; exit 1; }
done
for f in MQTTnet.Server.dll EdgeAnomaly.FirmwareSim.dll edgeanomaly-demo; do
  # The daemon's folder holds no simulator and no embedded broker (issue 15); the demo has its own folder.
  [ ! -e "$app/$f" ] || { echo "smoke: the daemon's folder holds $f" >&2; exit 1; }
done
cd "$app"

if [ "$without_libssl" = 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "smoke: --without-libssl needs root (mount namespace)" >&2; exit 1; }
  # Every libssl of every architecture (the arm64 multiarch one too), as real files.
  libs=$(for f in /lib/libssl.so* /lib/*/libssl.so* /usr/lib/libssl.so* /usr/lib/*/libssl.so* /usr/local/lib/libssl.so*; do
    if [ -e "$f" ]; then readlink -f "$f"; fi; done | sort -u | tr '\n' ' ')
  [ -n "$libs" ] || { echo "smoke: no libssl found to hide" >&2; exit 1; }
  set +e
  # shellcheck disable=SC2016
  out=$(unshare -m sh -c 'for f in $1; do mount --bind /dev/null "$f" || exit 97; done; shift; exec "$@"' \
    sh "$libs" "${runner[@]}" ./edgeanomaly config check --config configs/edgeanomaly.json 2>&1)
  rc=$?
  set -e
  echo "$out"
  [ "$rc" -ne 97 ] || { echo "smoke: could not hide libssl" >&2; exit 1; }
  [ "$rc" -eq 1 ] || { echo "smoke: expected exit 1 without libssl, got $rc" >&2; exit 1; }
  grep -q "apt-get install libssl3" <<<"$out" || { echo "smoke: refusal does not name the package" >&2; exit 1; }
  echo "smoke: $rid without libssl refuses to start with a clear message (exit 1)"
  exit 0
fi

"${runner[@]}" ./edgeanomaly config check --config configs/edgeanomaly.json
# The duration rule walks the configuration types by reflection: the trimmed binary must still refuse a bare number.
/usr/bin/python3 - configs/edgeanomaly.json configs/bare-duration.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["Central"]["HealthInterval"] = 10; json.dump(d, open(sys.argv[2], "w"))
PY
set +e
out=$("${runner[@]}" ./edgeanomaly config check --config configs/bare-duration.json 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "Central:HealthInterval is a bare number" <<<"$out" || {
  echo "$out"; echo "smoke: a bare-number duration was not refused naming the key (exit $rc)" >&2; exit 1; }
echo "smoke: $rid refuses \"HealthInterval\": 10 naming Central:HealthInterval"
start=$(date +%s)
"${runner[@]}" ./demo/edgeanomaly-demo --duration "$duration" --data-dir "$work/data" >"$work/demo.log" 2>&1 || {
  rc=$?; tail -30 "$work/demo.log"; echo "smoke: demo exited $rc" >&2; exit 1; }
summary=$(tail -n 1 "$work/demo.log")
echo "smoke: $rid demo ${duration}s took $(( $(date +%s) - start ))s wall: $summary"
/usr/bin/python3 - "$summary" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
problems = [k for k in ("readings", "events", "events_uplinked", "events_pending", "rejected_inputs") if k not in s]
if problems: sys.exit(f"smoke: summary lacks {problems}")
if s["readings"] <= 0 or s["events"] <= 0: sys.exit("smoke: demo produced no readings or no events")
if s["events_uplinked"] != s["events"]: sys.exit("smoke: events_uplinked != events")
PY
