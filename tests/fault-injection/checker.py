#!/usr/bin/python3
"""Episode accounting for tests/fault-injection.sh (stdlib only).

Ground truth: the readings the publisher got acknowledged ("asset ts value" per line). With the rule `x > 5` and
cooldown 0, an episode is a maximal run of consecutive readings (per asset, in time order) above 5; its event must
start at the episode's first reading (ids derive from gateway, asset, cause and start time) and close at the next
reading. The central capture is `mosquitto_sub -v` output ("topic payload" per line).

For every event id of the rule seen at central, the episode whose [first, last high reading] contains its start_ms
is found. Then:
  lost            episodes with no id at all (nothing reached central for them);
  duplicated_ids  ids beyond the first per episode (a re-detection under a new id; repeats of one id are fine);
  spurious        ids that start outside every episode;
  unclosed        episodes whose ids never reached central in state closed.
Health evidence and exit codes are judged from the fault log and the exit log written by the harness.
"""
import argparse
import json
import re
import sys
from collections import defaultdict

THRESHOLD = 5.0


def load_truth(lines, published_at=None):
    """{asset: [(start_ts, last_high_ts, closed_in_truth)]} from the published readings (duplicates of a ts are ignored).
    Lines are "asset ts value [acked_wall_ms]"; with published_at (a dict) the wall time of each episode's first
    reading is kept there, keyed (asset, start_ts), to say which fault an episode was lost in."""
    per_asset = defaultdict(dict)
    for line in lines:
        parts = line.split()
        if len(parts) not in (3, 4):
            continue
        asset, ts, value = parts[0], int(parts[1]), float(parts[2])
        per_asset[asset].setdefault(ts, value)
        if published_at is not None and len(parts) == 4:
            published_at.setdefault((asset, ts), int(parts[3]))
    episodes = {}
    for asset, readings in per_asset.items():
        runs, start, last = [], None, None
        for ts in sorted(readings):
            if readings[ts] > THRESHOLD:
                if start is None:
                    start = ts
                last = ts
            elif start is not None:
                runs.append((start, last, True))
                start = None
        if start is not None:
            runs.append((start, last, False))   # still high at the end of the stream: nothing closes it
        episodes[asset] = runs
    return episodes


def load_capture(lines, rule_source):
    """(events {id: {...}}, health [json], storage_events [json]) from `mosquitto_sub -v` lines."""
    events, health, storage = {}, [], []
    for line in lines:
        topic, _, payload = line.rstrip("\n").partition(" ")
        if "/events/" not in topic and not topic.endswith("/health"):
            continue
        try:
            doc = json.loads(payload)
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        if topic.endswith("/health"):
            health.append(doc)
            continue
        if "storage" in str(doc.get("kind", "")) or "storage" in str(doc.get("source", "")):
            storage.append(doc)
        if doc.get("source") not in (rule_source, "rule:" + rule_source) or "id" not in doc:
            continue
        e = events.setdefault(doc["id"], {"asset": doc.get("asset"), "start_ms": doc.get("start_ms"),
                                          "max_rev": 0, "state": None, "copies": 0})
        e["copies"] += 1
        rev = doc.get("rev", 0)
        if rev >= e["max_rev"]:
            e["max_rev"], e["state"] = rev, doc.get("state")
    return events, health, storage


def account(episodes, events):
    ids_per_episode = {(a, i): [] for a, runs in episodes.items() for i in range(len(runs))}
    spurious = []
    for event_id, e in events.items():
        runs = episodes.get(e["asset"], [])
        lo, hi, found = 0, len(runs) - 1, None
        while lo <= hi:                                  # runs are sorted and disjoint
            mid = (lo + hi) // 2
            start, last, _ = runs[mid]
            if e["start_ms"] is None:
                break
            if e["start_ms"] < start:
                hi = mid - 1
            elif e["start_ms"] > last:
                lo = mid + 1
            else:
                found = mid
                break
        if found is None:
            spurious.append(event_id)
        else:
            ids_per_episode[(e["asset"], found)].append(event_id)
    lost = [k for k, ids in ids_per_episode.items() if not ids]
    duplicated = sum(len(ids) - 1 for ids in ids_per_episode.values() if len(ids) > 1)
    unclosed = []
    for (asset, i), ids in ids_per_episode.items():
        if ids and episodes[asset][i][2] and not any(events[x]["state"] == "closed" for x in ids):
            unclosed.append((asset, i))
    return {"episodes": len(ids_per_episode), "lost": lost, "duplicated": duplicated, "spurious": spurious,
            "unclosed": unclosed, "ids_per_episode": ids_per_episode}


def flatten(doc, prefix=""):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from flatten(v, f"{prefix}{k}.")
    elif isinstance(doc, list):
        for v in doc:
            yield from flatten(v, prefix)
    else:
        yield prefix.rstrip("."), doc


def truthy(v):
    return v is True or (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0) or \
        (isinstance(v, str) and v.lower() not in ("", "ok", "false", "none", "0"))


# Health evidence per fault kind: (what it must show, predicate on one health message and the fault window).
# Counters are totals since the process started, so "counted" means: a report from a process that was running
# before the fault began (uptime covers it) shows the counter, or the flag is seen during the fault.
def alive_since(h, t0):
    return h.get("ts", 0) - 1000 * h.get("uptime_s", 0) <= t0


def key_match(h, pattern):
    rx = re.compile(pattern)
    return any(rx.search(k) and truthy(v) for k, v in flatten(h))


HEALTH_EVIDENCE = {
    "central_kill": ("reconnects > 0 from a process alive since the kill",
                     lambda h, t0, t1: alive_since(h, t0) and h.get("reconnects", 0) > 0),
    "central_outage": ("reconnects > 0 from a process alive since the outage began",
                       lambda h, t0, t1: alive_since(h, t0) and h.get("reconnects", 0) > 0),
    "local_kill": ("ingest_connected false during the outage, or an ingest reconnect counter > 0",
                   lambda h, t0, t1: (h.get("ts", 0) <= t1 + 2000 and h.get("ingest_connected") is False)
                   or (alive_since(h, t0) and key_match(h, r"ingest.*reconnect"))),
    "disk_full": ("a disk_full flag or counter",
                  lambda h, t0, t1: key_match(h, r"disk_full")),
    "db_corrupt": ("a database-damage flag or counter (corrupt / damaged / quick_check / moved aside / salvage)",
                   lambda h, t0, t1: key_match(h, r"corrupt|damaged|malformed|quick_check|integrity|moved_aside|salvag")),
    "rules_syntax": ("a rules reload refusal counter from a process alive since the edit",
                     lambda h, t0, t1: alive_since(h, t0) and key_match(h, r"rule.*(fail|refus|reject|error|invalid)")),
    "rules_typo": ("a rules reload refusal counter from a process alive since the edit",
                   lambda h, t0, t1: alive_since(h, t0) and key_match(h, r"rule.*(fail|refus|reject|error|invalid)")),
}
EVIDENCE_WINDOW_MS = 60_000


def judge_faults(fault_lines, health, storage_events):
    """[(kind, t0, t1, ok, what)] for every fault of a kind that health must show."""
    results = []
    for line in fault_lines:
        parts = line.split()
        if len(parts) < 3 or parts[0] not in HEALTH_EVIDENCE:
            continue
        kind, t0, t1 = parts[0], int(parts[1]), int(parts[2])
        what, pred = HEALTH_EVIDENCE[kind]
        ok = any(t0 <= h.get("ts", 0) <= t1 + EVIDENCE_WINDOW_MS and pred(h, t0, t1) for h in health)
        if kind == "db_corrupt" and not ok:
            ok = any(e.get("updated_ms", 0) >= t0 - EVIDENCE_WINDOW_MS for e in storage_events)
        results.append((kind, t0, t1, ok, what))
    return results


def judge_exits(exit_lines):
    """(total, killed, unexpected_zero, unexpected_nonzero) from "ms pid rc how" lines (how: kill9 | term | none)."""
    total = killed = zero = nonzero = 0
    for line in exit_lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        rc, how = int(parts[2]), parts[3]
        total += 1
        if how == "kill9":
            killed += 1
        elif how == "none":
            if rc == 0:
                zero += 1
            else:
                nonzero += 1
    return total, killed, zero, nonzero


def attribute(lost, episodes, published_at, fault_lines, exit_lines):
    """{phase: count}: the latest fault during (or up to 5 s after) which each lost episode was published (a database the
    harness had to move aside first), else an exit of the gateway within 10 s before it (gateway_exit: by itself,
    gateway_kill: kill -9), else 'none'."""
    windows = []
    for line in fault_lines:
        parts = line.split()
        if len(parts) >= 3:
            windows.append((parts[0], int(parts[1]), int(parts[2]) + 5000))
    # A database the harness moved aside explains everything in it; otherwise the latest fault that began first.
    windows.sort(key=lambda w: (w[0] != "operator_db_reset", -w[1]))
    exits = [(int(p[0]), p[3]) for p in (l.split() for l in exit_lines) if len(p) >= 4 and p[3] in ("kill9", "none")]
    phases = defaultdict(int)
    for asset, i in lost:
        at = published_at.get((asset, episodes[asset][i][0]))
        phase = "unknown"
        if at is not None:
            phase = next((k for k, t0, t1 in windows if t0 <= at <= t1), None)
            if phase is None:
                recent = [how for t, how in exits if 0 <= at - t <= 10000]
                phase = "gateway_exit" if "none" in recent else "gateway_kill" if recent else "none"
        phases[phase] += 1
    return phases


def drained(health, since_ms, quiet_ms=3000):
    """True when the latest reports of one process started after since_ms show both connections up, no backlog, no
    open event, and the same "messages" count for quiet_ms: it has taken all the broker had queued and sent all."""
    if not health:
        return False
    last = health[-1]
    start = last.get("ts", 0) - 1000 * last.get("uptime_s", 0)
    if start < since_ms - 1500:
        return False
    ok = lambda h: h.get("uplink_connected") and h.get("ingest_connected") and h.get("backlog") == 0 \
        and h.get("events_open") == 0 and h.get("messages") == last.get("messages")
    for h in reversed(health):
        if abs(h.get("ts", 0) - 1000 * h.get("uptime_s", 0) - start) > 1500 or not ok(h):
            return False
        if last.get("ts", 0) - h.get("ts", 0) >= quiet_ms:
            return True
    return False


def run(args):
    published_at = {}
    with open(args.truth) as f:
        episodes = load_truth(f, published_at)
    with open(args.capture, errors="replace") as f:
        events, health, storage = load_capture(f, args.rule)
    result = account(episodes, events)
    failures = []
    for asset, i in result["lost"][:10]:
        start, last, _ = episodes[asset][i]
        print(f"lost: {asset} episode {i} ({start}..{last}): no event at central")
    for (asset, i), ids in list((k, v) for k, v in result["ids_per_episode"].items() if len(v) > 1)[:10]:
        starts = ", ".join(f"{x} start {events[x]['start_ms']}" for x in ids)
        print(f"duplicated: {asset} episode {i} ({episodes[asset][i][0]}): {len(ids)} ids: {starts}")
    if result["lost"]:
        where = ""
        if args.faults and args.exits:
            with open(args.faults) as f1, open(args.exits) as f2:
                phases = attribute(result["lost"], episodes, published_at, list(f1), list(f2))
            where = " (published during: " + ", ".join(f"{k}={n}" for k, n in sorted(phases.items(), key=lambda x: -x[1])) + ")"
        failures.append(f"{len(result['lost'])} episode(s) have no event at central{where}")
    if result["duplicated"]:
        failures.append(f"{result['duplicated']} extra event id(s): episodes re-detected under a new id")
    if result["spurious"]:
        failures.append(f"{len(result['spurious'])} event id(s) start outside every episode")
    if result["unclosed"]:
        asset, i = result["unclosed"][0]
        failures.append(f"{len(result['unclosed'])} episode(s) never closed at central (first: {asset} episode {i})")

    if args.exits:
        with open(args.exits) as f:
            total, killed, zero, nonzero = judge_exits(f)
        print(f"gateway exits: {total} ({killed} by kill -9, {zero} unexpected with code 0, {nonzero} unexpected non-zero)")
        if zero:
            failures.append(f"the gateway exited {zero} time(s) with code 0 without being asked to stop")
    if args.faults:
        with open(args.faults) as f:
            judged = judge_faults(f, health, storage)
        missing = defaultdict(int)
        for kind, t0, t1, ok, what in judged:
            if not ok:
                missing[(kind, what)] += 1
        kinds = defaultdict(int)
        for kind, *_ in judged:
            kinds[kind] += 1
        print("faults: " + ", ".join(f"{k}={n}" for k, n in sorted(kinds.items())) + f"; health reports seen: {len(health)}")
        for (kind, what), n in sorted(missing.items()):
            failures.append(f"health did not count {n} of {kinds[kind]} {kind} fault(s): expected {what}")
    if args.integrity is not None and args.integrity.strip() != "ok":
        failures.append(f"database integrity_check: {args.integrity.strip()[:300]}")
    for extra in args.failure or []:
        failures.append(extra)

    for reason in failures:
        print(f"FAIL: {reason}")
    stored = args.stored if args.stored is not None else -1
    print(f"fault-injection: kills={args.kills} episodes={result['episodes']} stored={stored} "
          f"delivered={len(events)} duplicated_ids={result['duplicated']} lost={len(result['lost'])}")
    return 1 if failures else 0


def self_test():
    """A synthetic run with one lost and one re-detected episode must be reported as exactly that."""
    truth = []
    ts = 1_000
    values = {"a1": [0, 6, 7, 0, 0, 8, 0, 0, 9, 9, 9, 0, 0], "a2": [0, 6, 0, 0, 6, 6, 0]}
    for asset, vals in values.items():
        for k, v in enumerate(vals):
            truth.append(f"{asset} {ts + 100 * k} {v}")
    truth.append("a1 1100 6")                      # a QoS 1 duplicate of a reading: no new episode
    episodes = load_truth(truth)
    assert episodes == {"a1": [(1100, 1200, True), (1500, 1500, True), (1800, 2000, True)],
                        "a2": [(1100, 1100, True), (1400, 1500, True)]}, episodes

    def ev(i, asset, start, rev, state):
        return f"fi/v1/gateways/gw/events/{asset} " + json.dumps(
            {"v": 1, "id": i, "rev": rev, "asset": asset, "source": "x-high", "kind": "rule", "state": state,
             "start_ms": start})
    capture = [
        ev("A", "a1", 1100, 1, "open"), ev("A", "a1", 1100, 2, "closed"), ev("A", "a1", 1100, 2, "closed"),
        # a1 episode 1 (1500) lost: nothing for it
        ev("C", "a1", 1800, 1, "open"), ev("C", "a1", 1800, 2, "closed"),
        ev("D", "a1", 1900, 1, "open"), ev("D", "a1", 1900, 2, "closed"),   # same episode, second id
        ev("E", "a2", 1100, 1, "open"), ev("E", "a2", 1100, 2, "closed"),
        ev("F", "a2", 1400, 1, "open"),                                     # never closed
        "fi/v1/gateways/gw/health {\"v\":1,\"ts\":5000,\"uptime_s\":1,\"reconnects\":1,\"ingest_connected\":true}",
        "fi/v1/gateways/gw/state {\"v\":1,\"state\":\"online\"}",
        "fi/v1/gateways/gw/events/a2 not json",
    ]
    events, health, storage = load_capture(capture, "x-high")
    r = account(episodes, events)
    assert len(r["lost"]) == 1 and r["lost"][0] == ("a1", 1), r["lost"]
    assert r["duplicated"] == 1, r["duplicated"]
    assert r["spurious"] == [], r["spurious"]
    assert r["unclosed"] == [("a2", 1)], r["unclosed"]
    assert r["episodes"] == 5 and len(events) == 5
    # An episode still high when the stream ends has nothing to close it: not reported as unclosed.
    open_end = load_truth(truth + ["a2 1700 7"])
    assert open_end["a2"][-1] == (1700, 1700, False), open_end["a2"]
    # Spurious: an id starting between episodes.
    events2, _, _ = load_capture(capture + [ev("G", "a2", 1200, 1, "open")], "x-high")
    assert account(episodes, events2)["spurious"] == ["G"]
    # Unclosed in the middle of the stream is reported.
    events3, _, _ = load_capture([c for c in capture if not c.endswith('"closed", "start_ms": 1100}') or "a2" not in c], "x-high")
    assert ("a2", 0) in account(episodes, events3)["unclosed"]
    # Exit codes: a kill -9 is 137 and fine; an exit 0 nobody asked for is a failure; SIGTERM's 0 is fine.
    assert judge_exits(["1 10 137 kill9", "2 11 0 none", "3 12 0 term", "4 13 1 none"]) == (4, 1, 1, 1)
    # Health evidence: reconnects from a process alive since the kill counts, one started after it does not.
    judged = judge_faults(["central_kill 4000 4500", "central_kill 3000 3500", "disk_full 4000 4500"], health, [])
    assert [ok for *_, ok, _ in judged] == [True, False, False], judged
    assert key_match({"storage": {"disk_full": True}}, "disk_full") and not key_match({"disk_full": False}, "disk_full")
    # Drained: one process, 3 s of reports with nothing moving; a restart or moving counter is not drained.
    hs = [{"ts": 10_000 + 1000 * k, "uptime_s": 5 + k, "uplink_connected": True, "ingest_connected": True,
           "backlog": 0, "events_open": 0, "messages": 40 if k < 2 else 50} for k in range(6)]
    assert drained(hs, 0) and not drained(hs[:5], 0) and not drained(hs, 9000)
    assert not drained(hs[:3] + [dict(hs[3], uptime_s=0)], 0)
    assert not drained(hs[:-1] + [dict(hs[-1], backlog=3)], 0)
    # Attribution: the wall time of an episode's first reading names the fault window it fell in.
    at = {}
    eps = load_truth(["b1 100 0 10", "b1 200 7 20000", "b1 300 0 20001", "b1 400 7 50000", "b1 500 0 50001",
                      "b1 600 8 90000", "b1 700 0 90001"], at)
    phases = attribute([("b1", 0), ("b1", 1), ("b1", 2)], eps, at, ["rules_typo 19000 21000"], ["45000 1 137 kill9"])
    assert dict(phases) == {"rules_typo": 1, "gateway_kill": 1, "none": 1}, phases
    phases = attribute([("b1", 0), ("b1", 1), ("b1", 2)], eps, at, ["rules_typo 19000 21000", "operator_db_reset 15000 30000"],
                       ["45000 1 137 kill9", "85000 2 0 none"])
    assert dict(phases) == {"operator_db_reset": 1, "gateway_kill": 1, "gateway_exit": 1}, phases
    phases = attribute([("b1", 0)], eps, at, ["rules_syntax 10000 19000", "rules_typo 19500 25000"], [])
    assert dict(phases) == {"rules_typo": 1}, phases   # 20000 is in both (the first + 5 s): the later one
    print("checker self-test: ok (lost=1 duplicated_ids=1 detected; spurious, unclosed, exit codes, health evidence)")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--drained", metavar="CAPTURE", help="exit 0 when the gateway has drained (see drained())")
    p.add_argument("--health-topic")
    p.add_argument("--since", type=int, default=0)
    p.add_argument("--truth")
    p.add_argument("--capture")
    p.add_argument("--rule", default="x-high")
    p.add_argument("--exits")
    p.add_argument("--faults")
    p.add_argument("--integrity")
    p.add_argument("--stored", type=int)
    p.add_argument("--kills", type=int, default=0)
    p.add_argument("--failure", action="append", help="a failure found by the harness itself")
    args = p.parse_args()
    if args.self_test:
        return self_test()
    if args.drained:
        with open(args.drained, errors="replace") as f:
            health = []
            for line in f:
                topic, _, payload = line.rstrip("\n").partition(" ")
                if topic == args.health_topic:
                    try:
                        health.append(json.loads(payload))
                    except ValueError:
                        pass
        return 0 if drained(health, args.since) else 1
    if not args.truth or not args.capture:
        p.error("--truth and --capture are required (or --self-test)")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
