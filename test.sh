#!/usr/bin/env bash
# Runs every test (unit + integration against real mosquitto / SQLite on loopback) and ends with
# a plain "N passed, N failed" line. Installs the Debian packages the integration tests need when root.
set -uo pipefail
cd "$(dirname "$0")"

# A freshly booted machine often runs apt-daily / unattended-upgrades: wait for their locks, within a bound, instead
# of failing at once. apt-get waits for the dpkg lock itself (DPkg::Lock::Timeout), but `apt-get update` (apt 2.6)
# still fails at once on the package-lists lock, so apt_get retries a lock failure until the same deadline.
apt_lock_timeout=300
say_if_apt_locked() {
  if command -v fuser >/dev/null 2>&1; then
    fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1 || return 0
    echo "test.sh: waiting up to ${apt_lock_timeout} s for the apt/dpkg lock" >&2
  else
    echo "test.sh: apt-get waits up to ${apt_lock_timeout} s for the apt/dpkg lock if another process holds it" >&2
  fi
}
apt_get() {
  local deadline=$((SECONDS + apt_lock_timeout)) err rc=0
  err=$(mktemp)
  until apt-get -o DPkg::Lock::Timeout=$((deadline - SECONDS)) "$@" 2>"$err"; do
    rc=$?
    if [ "$SECONDS" -ge "$deadline" ] || ! grep -q 'Could not get lock' "$err"; then
      break
    fi
    rc=0
    sleep 5
  done
  cat "$err" >&2
  rm -f "$err"
  return "$rc"
}

need_pkgs=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_pkgs+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need_pkgs+=(mosquitto-clients)
command -v socat >/dev/null 2>&1 || need_pkgs+=(socat)
command -v mbpoll >/dev/null 2>&1 || need_pkgs+=(mbpoll)
command -v sqlite3 >/dev/null 2>&1 || need_pkgs+=(sqlite3)   # tests/fault-injection.sh: integrity_check
/usr/bin/python3 -c 'import pymodbus' >/dev/null 2>&1 || need_pkgs+=(python3-pymodbus)
# pymodbus' RTU server needs pyserial-asyncio (only a Recommends of python3-pymodbus).
/usr/bin/python3 -c 'import serial_asyncio' >/dev/null 2>&1 || need_pkgs+=(python3-serial python3-serial-asyncio)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    say_if_apt_locked
    apt_get update -qq >/dev/null && apt_get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null || {
      echo "test.sh: apt-get install ${need_pkgs[*]} failed" >&2; exit 1; }
    # The Debian package starts a system mosquitto on 1883; tests start their own on free ports.
    (command -v systemctl >/dev/null && systemctl stop mosquitto) >/dev/null 2>&1 || true
  else
    echo "test.sh: missing ${need_pkgs[*]} (run as root to install them)" >&2
  fi
fi

results=$(mktemp -d)
log="$results/test.log"
dotnet build EdgeAnomaly.sln -c Release -nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
# -m:1: one test assembly at a time. The integration suites run real brokers and processes with deadlines;
# on a 2-core CI machine running them side by side starves them for no gain in coverage.
dotnet test EdgeAnomaly.sln -c Release --no-build -nologo -m:1 \
  --results-directory "$results" --blame-hang-timeout 10m 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # a crashed test host or build step counts as a failure
fi

# Checks outside the test runner, counted in the same totals.
check() { # name, command...
  local name=$1; shift
  if "$@" >"$results/check.log" 2>&1; then
    echo "check passed: $name"; passed=$((passed + 1))
  else
    echo "check FAILED: $name"; tail -20 "$results/check.log"; failed=$((failed + 1)); rc=1
  fi
}
if command -v systemd-analyze >/dev/null 2>&1; then
  unit_exposure() {
    local score
    score=$(systemd-analyze security --offline=true systemd/edgeanomaly.service 2>/dev/null | grep -Eo 'Overall exposure level for [^:]+: [0-9.]+' | grep -Eo '[0-9.]+$')
    echo "systemd exposure: ${score:-unknown}"
    [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
  }
  check "systemd unit exposure <= 2.0" unit_exposure
fi
# Fault injection (docs/fault-injection.md): real brokers and gateway, kill -9s and other faults, episode accounting.
# EA_FAULT_KILLS raises the kill count; its summary line is shown whether it passes or not.
if { command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } && command -v mosquitto_sub >/dev/null 2>&1; then
  check "fault injection: ${EA_FAULT_KILLS:-50} gateway kill -9s, broker kills, central outage, disk full, corrupt page, bad rules" \
    tests/fault-injection.sh --kills "${EA_FAULT_KILLS:-50}"
  grep '^fault-injection:' "$results/check.log" | tail -1
else
  echo "check skipped: fault injection (mosquitto / mosquitto-clients not installed; run as root to install them)"
fi
if [ "${CI:-}" = "true" ] || [ "${EA_TEST_PUBLISH:-}" = "1" ]; then
  check "publish.sh: trimmed linux-arm64 and linux-x64 tarballs, 0 trim warnings" ./publish.sh
  native_rid=linux-x64; [ "$(uname -m)" = aarch64 ] && native_rid=linux-arm64
  check "published $native_rid tarball: unpacked, config check, demo summary" tests/published-smoke.sh "$native_rid"
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
    check "published $native_rid without libssl: refuses to start naming the package" tests/published-smoke.sh --without-libssl "$native_rid"
  fi
  if [ "$native_rid" = linux-x64 ]; then
    # The Raspberry Pi build is executed too, under qemu-user with Debian's arm64 runtime libraries (multiarch).
    if [ "$(id -u)" = 0 ] && { ! command -v qemu-aarch64 >/dev/null 2>&1 || [ ! -e /lib/ld-linux-aarch64.so.1 ] \
        || ! dpkg -s libssl3:arm64 >/dev/null 2>&1; }; then
      echo "test.sh: installing qemu-user and the arm64 libc6, libstdc++6, libssl3 (multiarch)" >&2
      export DEBIAN_FRONTEND=noninteractive
      say_if_apt_locked
      { dpkg --add-architecture arm64 && apt_get update -qq \
        && apt_get install -y -qq --no-install-recommends --no-remove qemu-user libc6:arm64 libstdc++6:arm64 libssl3:arm64; } >/dev/null 2>&1 \
        || echo "test.sh: installing the arm64 runtime failed" >&2
    fi
    if command -v qemu-aarch64 >/dev/null 2>&1 && [ -e /lib/ld-linux-aarch64.so.1 ]; then
      check "published linux-arm64 tarball under qemu-user: config check, demo summary" tests/published-smoke.sh linux-arm64
      check "detectors on linux-arm64 (qemu-user) compute what they compute on x64" tests/arm64-detector-parity.sh
    else
      echo "check skipped: published linux-arm64 tarball (no qemu-aarch64 / arm64 libraries; run as root to install)"
    fi
  fi
fi
echo "${passed} passed, ${failed} failed"
exit "$rc"
