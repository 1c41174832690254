#!/usr/bin/python3
"""Fault-injection publisher: a sensor node with a known ground truth.

Publishes batches of readings of one tag per asset to the local broker with `mosquitto_pub -q 1`, one process per
batch, retried until it exits 0 (the broker acknowledged it; a retry after a lost PUBACK is a QoS 1 duplicate, which
the contract allows). Values are episodes above the rule's threshold separated by zeros, drawn from --seed; event
time advances by --step-ms per reading. Every acknowledged reading is appended to --truth ("asset ts value acked_wall_ms"), from
which the checker derives the episodes, so the ground truth is what was really published.

Control files in --control (written by tests/fault-injection.sh):
  pause        stop publishing after the current batch; with content "quiet", first close every open episode
               with a zero reading, so that nothing is open while the harness works on the gateway's database;
  paused       written back once paused (removed when resuming);
  stop         close every episode with a zero, publish it, write "done" and exit.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

HIGH_MIN, HIGH_MAX = 1, 4      # readings above the threshold per episode
GAP_MIN, GAP_MAX = 2, 4        # readings at 0 between episodes


class AssetStream:
    """Deterministic values for one asset: runs of highs (6..9) then runs of zeros."""

    def __init__(self, rng):
        self.rng = rng
        self.remaining = rng.randint(GAP_MIN, GAP_MAX)
        self.high = False
        self.last = 0.0

    def next_value(self):
        while self.remaining == 0:
            self.high = not self.high
            self.remaining = self.rng.randint(HIGH_MIN, HIGH_MAX) if self.high else self.rng.randint(GAP_MIN, GAP_MAX)
        self.remaining -= 1
        self.last = round(self.rng.uniform(6.0, 9.0), 1) if self.high else 0.0
        return self.last

    def close_episode(self):
        """Force a zero now (the generator then starts a fresh gap)."""
        self.high = False
        self.remaining = self.rng.randint(GAP_MIN, GAP_MAX) - 1
        self.last = 0.0
        return 0.0


def publish(args, payload):
    cmd = ["mosquitto_pub", "-h", args.host, "-p", str(args.port), "-q", "1",
           "-t", f"{args.prefix}/v1/nodes/{args.node}/readings", "-m", payload]
    attempt = 0
    while True:
        try:
            if subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15).returncode == 0:
                return attempt
        except subprocess.TimeoutExpired:
            pass
        attempt += 1
        time.sleep(min(0.2 * attempt, 1.0))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", default="fi")
    p.add_argument("--node", default="fi-node")
    p.add_argument("--tag", default="level.x")
    p.add_argument("--assets", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--truth", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--step-ms", type=int, default=100)
    p.add_argument("--per-batch", type=int, default=4)
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--start-ms", type=int, default=0, help="event time of the first reading (default: now - 6 h)")
    args = p.parse_args()

    assets = args.assets.split(",")
    streams = [AssetStream(random.Random(args.seed * 1000 + i)) for i in range(len(assets))]
    ts = args.start_ms or int(time.time() * 1000) - 6 * 3600 * 1000
    ctl = lambda name: os.path.join(args.control, name)
    retries = 0
    batches = 0
    with open(args.truth, "a", buffering=1) as truth:
        def send(values_per_asset):
            nonlocal ts, retries, batches
            readings, lines = [], []
            for asset, values in zip(assets, values_per_asset):
                for k, value in enumerate(values):
                    t = ts + k * args.step_ms
                    readings.append({"asset": asset, "tag": args.tag, "value": value, "ts": t})
                    lines.append(f"{asset} {t} {value}")
            ts += max(len(v) for v in values_per_asset) * args.step_ms
            # Never ahead of the gateway's clock (future_timestamp); the start is hours back, so this rarely waits.
            while ts > int(time.time() * 1000) - 1000:
                time.sleep(0.05)
            retries += publish(args, json.dumps({"v": 1, "readings": readings}, separators=(",", ":")))
            batches += 1
            acked = int(time.time() * 1000)
            truth.writelines(f"{line} {acked}\n" for line in lines)

        while True:
            if os.path.exists(ctl("stop")):
                send([[s.close_episode()] for s in streams])
                break
            if os.path.exists(ctl("pause")):
                with open(ctl("pause")) as f:
                    quiet = f.read().strip() == "quiet"
                if quiet and any(s.last > 5 for s in streams):
                    send([[s.close_episode()] for s in streams])
                open(ctl("paused"), "w").close()
                while os.path.exists(ctl("pause")) and not os.path.exists(ctl("stop")):
                    time.sleep(0.05)
                if os.path.exists(ctl("paused")):
                    os.remove(ctl("paused"))
                continue
            started = time.monotonic()
            send([[s.next_value() for _ in range(args.per_batch)] for s in streams])
            time.sleep(max(0.0, args.interval - (time.monotonic() - started)))
    with open(ctl("done"), "w") as f:
        f.write(f"batches={batches} retries={retries}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
