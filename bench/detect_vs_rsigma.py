#!/usr/bin/env python3
"""Detection throughput: trailguard (decode + every built-in pack + the SigmaHQ CloudTrail rules)
beside the rsigma CLI (the same Sigma rules over the same records as NDJSON), in one run.

Figures are records per CPU-second (user + sys of the process and its threads), so a busy
machine costs wall time but not much of the figure; the ratio between the tools in the same run
is the meaningful number.

Usage:
  bench/detect_vs_rsigma.py [--records N] [--work DIR] [--trailguard BIN] [--rsigma BIN] [--repeat K]

Prepares (not timed): a generated trail of N records (`trailguard generate`, gzipped S3 layout)
and the same records as NDJSON (`trailguard events --format jsonl`).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "testdata" / "sigma-cloudtrail"


def run(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Run cmd; return (exit code, CPU seconds user+sys, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}")
    return p.returncode, cpu, wall, p.stderr.decode(errors="replace")


def best(k, f):
    """The run with the least CPU time of k."""
    runs = [f() for _ in range(k)]
    return min(runs, key=lambda r: r[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=500_000)
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/trailguard-bench"))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/trailguard-target"))
    ap.add_argument("--trailguard", default=os.path.join(target, "release", "trailguard"))
    ap.add_argument("--rsigma", default=os.path.expanduser("~/.cache/rsigma/bin/rsigma"))
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()

    tg = a.trailguard
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    trail = work / f"trail-{a.records // 1000}k"
    ndjson = work / f"trail-{a.records // 1000}k.ndjson"
    if not (trail / ".trailguard" / "manifest.json").exists():
        print(f"generating {a.records} records into {trail} …", file=sys.stderr)
        subprocess.run([tg, "-q", "generate", "--out", str(trail), "--records", str(a.records),
                        "--no-digests", "--force"], check=True)
    if not ndjson.exists():
        print(f"writing the same records as NDJSON to {ndjson} …", file=sys.stderr)
        with open(ndjson, "wb") as out:
            subprocess.run([tg, "-q", "events", str(trail), "--format", "jsonl"], stdout=out, check=True)
    n = sum(1 for _ in open(ndjson, "rb"))
    nbytes = ndjson.stat().st_size
    print(f"records: {n:,} ({nbytes / 1e6:.0f} MB of NDJSON); rules: every built-in pack + "
          f"{len(list((RULES / 'rules').glob('*.yml')))} SigmaHQ CloudTrail rules; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    rows = []

    def ours(label, source, *extra):
        code, cpu, wall, err = best(a.repeat, lambda: run(
            [tg, "detect", str(source), "--format", "jsonl", "--fail-on", "critical", *extra]))
        rows.append((label, cpu, wall))

    ours("trailguard: gzipped trail, decode + all packs", trail, "--pack", "all")
    ours("trailguard: gzipped trail, decode + all packs + SigmaHQ", trail, "--pack", "all", "--sigma", str(RULES))
    ours("trailguard: NDJSON, decode + all packs + SigmaHQ", ndjson, "--pack", "all", "--sigma", str(RULES))
    ours("trailguard: NDJSON, decode + SigmaHQ only", ndjson, "--sigma", str(RULES))

    have_rsigma = os.access(a.rsigma, os.X_OK)
    if have_rsigma:
        def rs():
            with open(ndjson, "rb") as f:
                return run([a.rsigma, "engine", "eval", "-q", "-r", str(RULES / "rules")], stdin=f)
        code, cpu, wall, err = best(a.repeat, rs)
        rows.append(("rsigma 0.23.0: NDJSON, SigmaHQ only", cpu, wall))
    else:
        print(f"rsigma not found at {a.rsigma}: cargo install rsigma --version 0.23.0 --locked "
              f"--root ~/.cache/rsigma", file=sys.stderr)

    print()
    print(f"{'run':<58} {'CPU s':>8} {'wall s':>8} {'records/CPU-s':>14}")
    for label, cpu, wall in rows:
        print(f"{label:<58} {cpu:>8.2f} {wall:>8.2f} {n / cpu:>14,.0f}")
    if have_rsigma:
        ours_sigma = n / rows[3][1]
        ours_all = n / rows[2][1]
        theirs = n / rows[4][1]
        print()
        print(f"ratio, same rules (SigmaHQ) over the same NDJSON: trailguard / rsigma = {ours_sigma / theirs:.1f}x")
        print(f"ratio, trailguard with every pack as well / rsigma (SigmaHQ only): {ours_all / theirs:.1f}x")
    print(f"decode + all packs, gzipped trail: {n / rows[0][1]:,.0f} records per CPU-second (target 300,000)")


if __name__ == "__main__":
    main()
