#!/usr/bin/env bash
# Fault-injection suite: the real gateway (Release build) between two real mosquitto brokers, a publisher with a
# known ground truth of episodes, and faults: random kill -9 of the gateway, kill -9 of the central and the local
# broker, a central outage, a disk that fills and empties, a corrupted database page between two runs, and a rules
# file rewritten with errors while running. Then an episode-accounting check (tests/fault-injection/checker.py).
# Docs: docs/fault-injection.md. Ends with one line:
#   fault-injection: kills=N episodes=E stored=S delivered=D duplicated_ids=X lost=L
# Usage: tests/fault-injection.sh [--kills N] [--seed S] [--keep]
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

kills=50
seed=$(( $(date +%s) % 100000 ))
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) echo "fault-injection: unknown argument $1 (--kills N, --seed S, --keep)" >&2; exit 2 ;;
  esac
done
case "$kills" in ''|*[!0-9]*) echo "fault-injection: --kills needs a number" >&2; exit 2 ;; esac
case "$seed" in ''|*[!0-9]*) echo "fault-injection: --seed needs a number" >&2; exit 2 ;; esac

py=/usr/bin/python3
gateway_bin=$repo/src/EdgeAnomaly.Gateway/bin/Release/net10.0/edgeanomaly
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
for tool in "$mosquitto_bin" mosquitto_pub mosquitto_sub; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fault-injection: skipped: $tool not installed (Debian packages mosquitto, mosquitto-clients)"; exit 77
  fi
done
[ -x "$py" ] || { echo "fault-injection: FAILED: $py not found"; exit 1; }
[ -x "$gateway_bin" ] || { echo "fault-injection: FAILED: $gateway_bin missing (dotnet build EdgeAnomaly.sln -c Release)"; exit 1; }
"$py" tests/fault-injection/checker.py --self-test >/dev/null || { echo "fault-injection: FAILED: checker self-test"; exit 1; }

RANDOM=$seed
work=$(mktemp -d -t fault-injection.XXXXXX)
data=$work/data
ctl=$work/control
mkdir -p "$data" "$ctl" "$work/local" "$work/central"
local_pid=; central_pid=; sub_pid=; pub_pid=; gw_pid=; mounted=0
start_s=$(date +%s)

now_ms() { date +%s%3N; }
say() { echo "[$(( $(date +%s) - start_s ))s] $*"; }
rand() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }   # inclusive range
stop_pid() { # pid: SIGTERM, then SIGKILL after 10 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  rm -f "$ctl/pause"; touch "$ctl/stop"
  stop_pid "$pub_pid"; stop_pid "$gw_pid"; stop_pid "$sub_pid"; stop_pid "$central_pid"; stop_pid "$local_pid"
  if [ "$mounted" = 1 ] && [ "$keep" = 1 ]; then cp -a "$data" "$work/data.kept" 2>/dev/null || true; fi
  if [ "$mounted" = 1 ]; then umount "$data" 2>/dev/null || umount -l "$data" 2>/dev/null || true; fi
  if [ "$keep" = 1 ]; then echo "fault-injection: files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

abort() { # reason: a failure of the harness or a dead end; the gateway log's last lines help
  echo "fault-injection: FAILED: $*"
  [ -f "$work/gateway.log" ] && { echo "--- last gateway log lines:"; tail -15 "$work/gateway.log"; }
  exit 1
}

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port: until something listens (10 s)
  local i
  for i in $(seq 100); do
    "$py" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

local_port=$(free_port); central_port=$(free_port)
while [ "$central_port" = "$local_port" ]; do central_port=$(free_port); done
prefix=fi
gw_id=fi-gw
assets=a01,a02,a03,a04

# Brokers: persistence saved on every change, so a kill -9 of a broker loses nothing it acknowledged (an episode
# lost by the harness's own broker is not a gateway defect). As root mosquitto would switch to the mosquitto user,
# which cannot write these folders: it stays the invoking user.
write_broker_conf() { # dir port
  cat >"$1/mosquitto.conf" <<EOF
listener $2 127.0.0.1
allow_anonymous true
user $(id -un)
persistence true
persistence_location $1/
autosave_interval 1
autosave_on_changes true
max_queued_messages 0
max_inflight_messages 0
set_tcp_nodelay true
log_dest file $1/mosquitto.log
log_type error
log_type warning
log_type notice
EOF
}
write_broker_conf "$work/local" "$local_port"
write_broker_conf "$work/central" "$central_port"
start_local() { "$mosquitto_bin" -c "$work/local/mosquitto.conf" >/dev/null 2>&1 & local_pid=$!; wait_port "$local_port" || abort "local broker did not start"; }
start_central() { "$mosquitto_bin" -c "$work/central/mosquitto.conf" >/dev/null 2>&1 & central_pid=$!; wait_port "$central_port" || abort "central broker did not start"; }

# The disk: a small tmpfs when root (filled by a ballast file later), else only a small size cap.
max_disk=2097152
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=24m fault-injection "$data" 2>/dev/null; then
  mounted=1; max_disk=12582912
fi

rules_ok='version: 1
rules:
  - id: x-high
    select: { asset: "*" }
    when: "level.x > 5"
    severity: warning
    cooldown: 0s
    message: "{asset}: level.x is high ({level.x})"
'
rules_syntax_error="${rules_ok}  - id: broken
    when: \"level.x > \"
    select: [ { asset
"
rules_tag_typo=${rules_ok/level.x > 5/levl.x > 5}
printf '%s' "$rules_ok" >"$work/rules.yaml"
cfg=$work/edgeanomaly.json
"$py" - "$cfg" "$data" "$local_port" "$central_port" "$work/rules.yaml" "$max_disk" "$assets" "$gw_id" "$prefix" <<'EOF'
import json, sys
cfg, data, lport, cport, rules, cap, assets, gw, prefix = sys.argv[1:]
json.dump({
    "Gateway": {"Id": gw, "DataDir": data},
    "LocalBroker": {"Host": "127.0.0.1", "Port": int(lport), "ClientId": gw + "-ingest",
                    "ReconnectInitialDelay": "00:00:00.500", "ReconnectMaxDelay": "00:00:02"},
    "Ingest": {"TopicPrefix": prefix},
    "Central": {"Host": "127.0.0.1", "Port": int(cport), "TopicPrefix": prefix,
                "ReconnectMax": "00:00:02", "HealthInterval": "00:00:01"},
    "Store": {"MaxDiskBytes": int(cap), "ReadingsFlushInterval": "00:00:01"},
    "Rules": {"Path": rules},
    "Statistics": {"Enabled": False},
    "DataQuality": {"Enabled": False},
    "Assets": [{"Name": a, "Type": "tank", "Tags": [{"Name": "level.x", "Unit": "", "IntervalSeconds": 0}]}
               for a in assets.split(",")],
}, open(cfg, "w"), indent=2)
EOF
db=$data/edgeanomaly.db
capture=$work/central.capture
exits=$work/exits.log
faults=$work/faults.log
harness_failures=()
: >"$exits"; : >"$faults"

# --- the gateway, supervised like systemd with Restart=always (every exit is recorded with its code) ---
gw_started=0; last_rc=0; operator_resets=0; last_corruption=; exits_since_corruption=0
gw_start() {
  "$gateway_bin" run --config "$cfg" >>"$work/gateway.log" 2>&1 &
  gw_pid=$!; gw_started=$(now_ms)
}
gw_alive() { # running: its /proc entry is readable and it is not a zombie (a zombie leader with live threads counts as running)
  local stat threads
  [ -n "$gw_pid" ] || return 1
  stat=$(cat "/proc/$gw_pid/stat" 2>/dev/null) || return 1
  case "$stat" in
    *") Z "*) threads=$(awk '/^Threads:/ {print $2}' "/proc/$gw_pid/status" 2>/dev/null); [ "${threads:-1}" -gt 1 ] ;;
    *) return 0 ;;
  esac
}
gw_reap() { # how (kill9 | term | none): waits for the exit and records it
  local rc; wait "$gw_pid" 2>/dev/null; rc=$?
  echo "$(now_ms) $gw_pid $rc $1" >>"$exits"; gw_pid=
  last_rc=$rc
}
gw_kill9() {
  [ -n "$gw_pid" ] || return 0
  if ! gw_alive; then gw_reap none; say "gateway had exited by itself with code $last_rc"; after_unexpected_exit; return; fi
  kill -9 "$gw_pid" 2>/dev/null; gw_reap kill9
}
gw_term() { # SIGTERM, 30 s to stop
  local i
  [ -n "$gw_pid" ] || return 0
  if ! gw_alive; then gw_reap none; say "gateway had exited by itself with code $last_rc"; after_unexpected_exit; return; fi
  kill -TERM "$gw_pid" 2>/dev/null
  for i in $(seq 300); do gw_alive || break; sleep 0.1; done
  gw_alive && { kill -9 "$gw_pid"; harness_failures+=("the gateway did not stop within 30 s of SIGTERM"); gw_reap kill9; return; }
  gw_reap term
}
after_unexpected_exit() {
  # Failing again and again on a damaged database: after 3 such exits do what an operator would (move the
  # database aside) so the run goes on, and count it as a failure.
  if [ -n "$last_corruption" ]; then
    exits_since_corruption=$((exits_since_corruption + 1))
    if [ "$exits_since_corruption" -ge 3 ]; then
      operator_resets=$((operator_resets + 1))
      say "gateway failed 3 times since the corruption: moving the database aside as an operator would"
      for f in "$db" "$db-wal" "$db-shm"; do [ -e "$f" ] && mv "$f" "$f.operator-moved-$operator_resets"; done
      echo "operator_db_reset $last_corruption $(now_ms)" >>"$faults"
      last_corruption=
    fi
  fi
}
supervise() { # seconds: wait, restarting the gateway after an exit nobody asked for (1 s later, as RestartSec=1)
  local whole=${1%%.*} tenths=0
  [ "${1#*.}" != "$1" ] && tenths=${1#*.} && tenths=${tenths:0:1}
  local until=$(( $(now_ms) + ${whole:-0} * 1000 + tenths * 100 ))
  while [ "$(now_ms)" -lt "$until" ]; do
    if [ -n "$gw_pid" ] && ! gw_alive; then
      gw_reap none
      say "gateway exited by itself with code $last_rc"
      after_unexpected_exit
      sleep 1; gw_start
    fi
    sleep 0.2
  done
}

# --- central capture: a persistent QoS 1 session started first and kept across broker kills ---
sync_n=0
central_sync() { # a marker through the central broker: the subscriber is connected and has written all before it
  # Published again every 2 s until seen: before the subscriber's first subscription a marker goes to nobody.
  sync_n=$((sync_n + 1))
  local deadline=$(( $(now_ms) + 30000 )) next=0
  until grep -q "^fi-sync/$sync_n " "$capture"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    if [ "$(now_ms)" -ge "$next" ]; then
      mosquitto_pub -h 127.0.0.1 -p "$central_port" -q 1 -t "fi-sync/$sync_n" -m "$sync_n" 2>/dev/null
      next=$(( $(now_ms) + 2000 ))
    fi
    supervise 0.2
  done
}
last_health() { grep "^$prefix/v1/gateways/$gw_id/health " "$capture" | tail -1 | cut -d' ' -f2-; }
wait_quiet() { # seconds: until the running gateway has taken everything queued for it and sent every event
  # Health of one process (same start time) over 3 s: both connections up, no backlog, no open event, and its
  # "messages" counter still (the broker has nothing left queued for its session: it delivers at once).
  local deadline=$(( $(now_ms) + $1 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    supervise 0.5
    "$py" tests/fault-injection/checker.py --drained "$capture" --health-topic "$prefix/v1/gateways/$gw_id/health" \
      --since "$gw_started" && return 0
  done
  return 1
}
wait_connected() { # until a health report of the running process shows both broker connections up (30 s)
  local deadline=$(( $(now_ms) + 30000 )) h
  while [ "$(now_ms)" -lt "$deadline" ]; do
    h=$(last_health)
    [ -n "$h" ] && "$py" -c '
import json, sys
h = json.loads(sys.argv[1]); started = int(sys.argv[2])
sys.exit(0 if h.get("ts", 0) - 1000 * h.get("uptime_s", 0) >= started - 1500 and h.get("uplink_connected") and h.get("ingest_connected") else 1)' "$h" "$gw_started" && return 0
    supervise 0.3
  done
  say "warning: the gateway did not report both connections up within 30 s"
}

wait_reconnect_counted() { # t0: until the process that lived through a central fault reports its reconnect (20 s)
  # The next gateway kill would otherwise race the health report that shows the fault counted.
  local deadline=$(( $(now_ms) + 20000 )) h
  while [ "$(now_ms)" -lt "$deadline" ]; do
    h=$(last_health)
    [ -n "$h" ] && "$py" -c '
import json, sys
h = json.loads(sys.argv[1]); t0 = int(sys.argv[2])
sys.exit(0 if h.get("ts", 0) > t0 and h.get("ts", 0) - 1000 * h.get("uptime_s", 0) <= t0 and h.get("reconnects", 0) > 0 else 1)' "$h" "$1" && return 0
    supervise 0.3
  done
  say "warning: no health report with reconnects > 0 from a process alive since the central fault within 20 s"
}

# --- the publisher ---
pub_pause() { # [quiet]: until the publisher stands still
  echo "${1:-}" >"$ctl/pause.tmp"; mv "$ctl/pause.tmp" "$ctl/pause"
  local i; for i in $(seq 300); do [ -e "$ctl/paused" ] && return 0; supervise 0.1; done
  abort "the publisher did not pause within 30 s"
}
pub_resume() { rm -f "$ctl/pause"; }

fault() { echo "$1 $2 $(now_ms)" >>"$faults"; }

say "seed=$seed kills=$kills ports local=$local_port central=$central_port disk=$([ $mounted = 1 ] && echo "tmpfs 24 MiB, cap $max_disk" || echo "cap $max_disk (not root: no tmpfs)") work=$work"
start_local; start_central
mosquitto_sub -h 127.0.0.1 -p "$central_port" -q 1 -c -i fi-central-capture -v \
  -t "$prefix/v1/gateways/#" -t 'fi-sync/#' >>"$capture" 2>"$work/sub.err" &
sub_pid=$!
central_sync || abort "the central capture did not receive a marker"
gw_start
# Its first subscription creates the gateway's persistent session: readings before it would go to nobody.
wait_connected
"$py" tests/fault-injection/publisher.py --port "$local_port" --prefix "$prefix" --assets "$assets" --seed "$seed" \
  --truth "$work/truth.log" --control "$ctl" >"$work/publisher.log" 2>&1 &
pub_pid=$!
supervise 5
grep -q "/events/" "$capture" || { supervise 10; grep -q "/events/" "$capture" || abort "no event reached the central broker within 15 s of start"; }

# --- faults ---
kill_local() {
  wait_connected
  local t0; pub_pause; supervise 1; t0=$(now_ms)
  kill -9 "$local_pid"; wait "$local_pid" 2>/dev/null; supervise "$(rand 2 4)"
  start_local; fault local_kill "$t0"; pub_resume; supervise 3
}
kill_central() {
  # mosquitto acknowledges a QoS 1 PUBLISH before its store reaches the disk, so a kill -9 of the broker can lose what it
  # had just acknowledged to the gateway: the broker's loss, not the gateway's. So the gateway's backlog is drained
  # (publisher paused, episodes closed) before the kill, and readings resume while central is down: events pile up in
  # the outbox and drain after the restart, and nothing the broker acknowledged is in its memory alone when it dies.
  wait_connected; central_sync || abort "central capture out of sync before a central kill"
  pub_pause quiet
  wait_quiet 60 || say "warning: backlog or open events not at 0 before the central kill"
  local t0; t0=$(now_ms)
  kill -9 "$central_pid"; wait "$central_pid" 2>/dev/null; pub_resume; supervise "$(rand 1 3)"
  start_central; fault central_kill "$t0"; supervise 4
  central_sync || abort "central capture did not reconnect after a central kill"
  wait_reconnect_counted "$t0"
}
central_outage() {
  wait_connected; central_sync || abort "central capture out of sync before the outage"
  local t0; t0=$(now_ms)
  stop_pid "$central_pid"; supervise 20
  start_central; fault central_outage "$t0"; supervise 5
  central_sync || abort "central capture did not reconnect after the outage"
  wait_reconnect_counted "$t0"
}
rules_edit() { # kind content
  wait_connected
  local t0; t0=$(now_ms)
  printf '%s' "$2" >"$work/rules.yaml"; supervise 5
  printf '%s' "$rules_ok" >"$work/rules.yaml"; supervise 4
  fault "$1" "$t0"
}
disk_full() {
  if [ "$mounted" != 1 ]; then say "disk full skipped: not root, no tmpfs (the size cap $max_disk applies throughout)"; return; fi
  local t0 avail; t0=$(now_ms)
  avail=$(df --output=avail -B1 "$data" | tail -1)
  fallocate -l $(( avail - 128 * 1024 )) "$data/ballast" 2>/dev/null || dd if=/dev/zero of="$data/ballast" bs=64k status=none 2>/dev/null
  say "disk full: $(df --output=avail -B1 "$data" | tail -1) bytes left on the gateway's tmpfs"
  supervise 20
  rm -f "$data/ballast"; fault disk_full "$t0"; supervise 6
}
corrupt_db() {
  pub_pause quiet
  wait_quiet 60 || say "warning: backlog or open events not at 0 before the corruption"
  gw_term
  [ "$last_rc" = 0 ] || say "gateway exited with $last_rc on SIGTERM"
  local t0 size offset; t0=$(now_ms)
  size=$(stat -c %s "$db" 2>/dev/null || echo 0)
  [ "$size" -gt 65536 ] || { say "database too small to corrupt ($size bytes)"; gw_start; pub_resume; return; }
  last_corruption=$t0; exits_since_corruption=0
  # 8 KiB of random bytes from the start of the b-tree page (table or index, not a free page) nearest the middle of
  # the file: damage that a start-up check can find, not bytes in a page nobody reads.
  offset=$("$py" - "$db" <<'EOF' 2>/dev/null
import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
size, count = c.execute("PRAGMA page_size").fetchone()[0], c.execute("PRAGMA page_count").fetchone()[0]
pages = [r[0] for r in c.execute("SELECT pageno FROM dbstat WHERE pagetype IN ('leaf', 'internal')")]
print((min(pages, key=lambda n: abs(n - count // 2)) - 1) * size if pages else size * (count // 2))
EOF
)
  [ -n "$offset" ] || offset=$(( size / 2 / 4096 * 4096 ))
  dd if=/dev/urandom of="$db" bs=8192 count=1 seek="$offset" oflag=seek_bytes conv=notrunc status=none
  say "corrupted 8 KiB at byte $offset of the $size-byte database"
  gw_start; pub_resume; supervise 10
  fault db_corrupt "$t0"
}

# The schedule: other faults at fixed fractions of the kill count (more broker kills on longer runs).
declare -A at
broker_kills=$(( kills / 16 < 3 ? 3 : kills / 16 ))
for i in $(seq "$broker_kills"); do
  at[$(( kills * (2 * i - 1) / (2 * broker_kills + 1) ))]+=" kill_local"
  at[$(( kills * (2 * i) / (2 * broker_kills + 1) ))]+=" kill_central"
done
at[$(( kills * 3 / 10 ))]+=" central_outage"
at[$(( kills * 4 / 10 ))]+=" rules_syntax"
at[$(( kills * 45 / 100 ))]+=" rules_typo"
at[$(( kills * 6 / 10 ))]+=" disk_full"
at[$(( kills * 7 / 10 ))]+=" corrupt_db"

for i in $(seq 0 "$kills"); do
  for f in ${at[$i]:-}; do
    say "fault: $f"
    case $f in
      rules_syntax) rules_edit rules_syntax "$rules_syntax_error" ;;
      rules_typo) rules_edit rules_typo "$rules_tag_typo" ;;
      *) "$f" ;;
    esac
  done
  [ "$i" = "$kills" ] && break
  # A kill at a random moment of the gateway's life, start-up included; every tenth life lasts longer.
  if [ $(( i % 10 )) = 9 ]; then supervise "$(rand 6 10)"; else supervise "$(rand 1 4).$(rand 0 9)"; fi
  [ -n "$gw_pid" ] || gw_start
  gw_kill9
  [ $(( (i + 1) % 10 )) = 0 ] && say "kill $((i + 1))/$kills"
  gw_start
done

# --- the end: the publisher closes every episode, the gateway drains, then stops cleanly ---
touch "$ctl/stop"; rm -f "$ctl/pause"
for i in $(seq 600); do [ -e "$ctl/done" ] && break; supervise 0.1; done
[ -e "$ctl/done" ] || harness_failures+=("the publisher did not finish within 60 s")
wait_quiet 120 || harness_failures+=("the gateway did not drain (backlog 0, no open event) within 120 s after the last reading")
central_sync || harness_failures+=("central capture out of sync at the end")
gw_term
[ "$last_rc" = 0 ] || harness_failures+=("the gateway exited with code $last_rc on SIGTERM at the end")

integrity="database missing"
stored=-1
if [ -e "$db" ]; then
  if command -v sqlite3 >/dev/null 2>&1; then
    integrity=$(sqlite3 -readonly "$db" 'PRAGMA integrity_check' 2>&1 | head -5 | tr '\n' ' ')
    stored=$(sqlite3 -readonly "$db" 'SELECT count(*) FROM events' 2>/dev/null || echo -1)
  else
    integrity=$("$py" -c 'import sqlite3,sys; c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True); print(" ".join(r[0] for r in c.execute("PRAGMA integrity_check")))' "$db" 2>&1 | head -5 | tr '\n' ' ')
    stored=$("$py" -c 'import sqlite3,sys; c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True); print(c.execute("SELECT count(*) FROM events").fetchone()[0])' "$db" 2>/dev/null || echo -1)
  fi
fi
[ "$operator_resets" = 0 ] || harness_failures+=("the gateway could not recover by itself: the harness moved the database aside $operator_resets time(s)")

say "publisher: $(cat "$ctl/done" 2>/dev/null); run time $(( $(date +%s) - start_s )) s"
failure_args=()
for f in "${harness_failures[@]}"; do failure_args+=(--failure "$f"); done
"$py" tests/fault-injection/checker.py --truth "$work/truth.log" --capture "$capture" --exits "$exits" \
  --faults "$faults" --integrity "${integrity% }" --stored "$stored" --kills "$kills" "${failure_args[@]}" >"$work/checker.out"
rc=$?
if [ "$rc" != 0 ]; then
  echo "--- gateway log: fatal lines"
  grep -E 'fail|Fail|crit|fatal|Unhandled|malformed|disk is full' "$work/gateway.log" | cut -c1-300 | sort | uniq -c | sort -rn | head -12
fi
cat "$work/checker.out"
exit "$rc"
