#!/usr/bin/env python3
"""Whole-process benchmark: `trailguard scan` against `zcat | jq` and DuckDB on the same files.

Generates a synthetic trail (once, cached under bench/out/), then runs each tool on it in the same
run and prints wall time, CPU time (user + sys, children included), records per CPU-second (per
core) and peak RSS, with the ratios. CPU time is the figure that matters on these shared 2-core
machines; wall time is printed too.

    bench/scan_vs.py [--records 2000000] [--seed 7] [--skip-jq] [--jq-sample N]

Needs: a release build (`cargo build --release`), jq, and DuckDB (installed into bench/.venv by
bench/setup.sh).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "trailguard-target"))
BIN = TARGET / "release" / "trailguard"
VENV_PY = ROOT / "bench" / ".venv" / "bin" / "python"


def run(cmd, shell=False, stdout=subprocess.DEVNULL):
    """Run a command; return (wall seconds, cpu seconds incl. children, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, shell=shell, stdout=subprocess.PIPE if stdout is None else stdout,
                         stderr=subprocess.PIPE, executable="/bin/bash" if shell else None)
    out = b""
    if stdout is None:
        out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed ({status}): {cmd}\n{err[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out


def ensure_trail(records, seed):
    trail = OUT / f"trail-{records}-{seed}"
    if not (trail / ".trailguard" / "manifest.json").exists():
        if trail.exists():
            shutil.rmtree(trail)
        print(f"generating {records:,} records into {trail} …", flush=True)
        wall, cpu, _, _ = run([str(BIN), "generate", "--out", str(trail), "--records", str(records),
                               "--seed", str(seed), "-q"])
        print(f"  generated in {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
    return trail


def log_files(trail):
    return sorted(str(p) for p in (trail / "AWSLogs").rglob("*.json.gz") if "/CloudTrail/" in str(p))


DUCKDB_COLUMNS = (
    "{'Records': 'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, "
    "sourceIPAddress VARCHAR, errorCode VARCHAR, recipientAccountId VARCHAR, readOnly BOOLEAN, "
    "\"userIdentity\" STRUCT(\"type\" VARCHAR, arn VARCHAR, invokedBy VARCHAR, "
    "sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))), "
    "responseElements JSON, additionalEventData JSON)[]'}"
)

DUCKDB_SCRIPT = r"""
import duckdb, json, sys, time
mode, files, threads = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET preserve_insertion_order = false")
con.execute("SET enable_progress_bar = false")
if mode == "explicit":
    src = f"read_json({files!r}, columns = COLUMNS, format = 'auto', maximum_object_size = 268435456)".replace("COLUMNS", sys.argv[4])
else:
    src = f"read_json({files!r}, format = 'auto', maximum_object_size = 268435456)"
con.execute(f"CREATE TEMP VIEW r AS SELECT unnest(Records) AS r FROM {src}")
# The same figures trailguard scan prints: totals, time span, accounts, regions, top principals,
# top APIs, errors, console logins, root activity.
q = {
  "events": "SELECT count(*), min(r.eventTime)::VARCHAR, max(r.eventTime)::VARCHAR FROM r",
  "accounts": "SELECT r.recipientAccountId, count(*) c FROM r GROUP BY 1 ORDER BY c DESC",
  "regions": "SELECT r.awsRegion, count(*) c FROM r GROUP BY 1 ORDER BY c DESC",
  "principals": "SELECT coalesce(r.userIdentity.sessionContext.sessionIssuer.arn, r.userIdentity.arn, r.userIdentity.invokedBy) p, count(*) c FROM r GROUP BY 1 ORDER BY c DESC LIMIT 10",
  "apis": "SELECT r.eventSource || ':' || r.eventName a, count(*) c FROM r GROUP BY 1 ORDER BY c DESC LIMIT 10",
  "errors": "SELECT r.errorCode, count(*) c FROM r WHERE r.errorCode IS NOT NULL GROUP BY 1 ORDER BY c DESC LIMIT 10",
  "ips": "SELECT r.sourceIPAddress, count(*) c FROM r GROUP BY 1 ORDER BY c DESC LIMIT 10",
  "logins": "SELECT count(*) FROM r WHERE r.eventName = 'ConsoleLogin'",
  "root": "SELECT count(*) FROM r WHERE r.userIdentity.type = 'Root'",
}
# One pass, like trailguard: materialise the unnested records once, then aggregate.
con.execute("CREATE TEMP TABLE t AS SELECT r FROM r")
out = {}
for k, sql in q.items():
    out[k] = con.execute(sql.replace("FROM r", "FROM t")).fetchall()
print(json.dumps({"events": out["events"][0][0]}, default=str))
"""


def duckdb_version():
    return subprocess.check_output([str(VENV_PY), "-c", "import duckdb; print(duckdb.__version__)"]).decode().strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-jq", action="store_true")
    ap.add_argument("--skip-duckdb", action="store_true")
    args = ap.parse_args()
    if not BIN.exists():
        raise SystemExit(f"{BIN} missing: run `cargo build --release` first")
    OUT.mkdir(parents=True, exist_ok=True)
    trail = ensure_trail(args.records, args.seed)
    files = log_files(trail)
    gz_bytes = sum(os.path.getsize(f) for f in files)
    print(f"\ntrail: {trail} — {len(files):,} log files, {gz_bytes / 1e6:.1f} MB gz, {os.cpu_count()} cores\n")

    rows = []
    # trailguard: reads everything under the trail (logs and digests), one pass.
    wall, cpu, rss, out = run([str(BIN), "scan", str(trail), "--json", "-q", "--threads", str(args.threads)],
                              stdout=None)
    rep = json.loads(out)
    n = rep["summary"]["events"]
    text_mb = rep["files"]["text_bytes"] / 1e6
    assert n == args.records, f"trailguard read {n} records, expected {args.records}"
    print(f"records: {n:,}, {text_mb:.0f} MB of JSON ({text_mb * 1e6 / n:.0f} B/record)")
    rows.append(("trailguard scan", wall, cpu, rss, n))

    if not args.skip_jq and shutil.which("jq"):
        listing = OUT / "files.txt"
        listing.write_text("\0".join(files))
        jq = ("xargs -0 -a {l} zcat | jq -c -n 'reduce (inputs.Records[]) as $r ({{}}; "
              ".[($r.eventSource // \"\") + \":\" + ($r.eventName // \"\")] += 1) | length'").format(l=listing)
        wall, cpu, rss, _ = run(jq, shell=True)
        rows.append(("zcat | jq (count by API)", wall, cpu, rss, n))

    if not args.skip_duckdb and VENV_PY.exists():
        ver = duckdb_version()
        best = None
        file_list = OUT / "files.json"  # too many paths for a command line
        file_list.write_text(json.dumps(files))
        for mode in ("explicit", "auto"):
            cmd = [str(VENV_PY), "-c", DUCKDB_SCRIPT, mode, str(file_list), str(args.threads), DUCKDB_COLUMNS]
            try:
                wall, cpu, rss, out = run(cmd, stdout=None)
                got = json.loads(out.decode().strip().splitlines()[-1])["events"]
                assert got == n, f"DuckDB {mode} counted {got}"
                row = (f"DuckDB {ver} read_json ({mode} schema)", wall, cpu, rss, n)
            except SystemExit as e:
                print(f"DuckDB {mode} schema failed: {str(e)[:300]}")
                continue
            rows.append(row)
            if best is None or row[2] < best[2]:
                best = row
    elif not args.skip_duckdb:
        print("DuckDB not installed: run bench/setup.sh")

    base = rows[0]
    print(f"\n{'tool':44} {'wall s':>8} {'CPU s':>8} {'records/CPU-s':>14} {'peak MiB':>9} {'vs trailguard':>14}")
    for name, wall, cpu, rss, recs in rows:
        per_core = recs / cpu if cpu else float('inf')
        ratio = (cpu / base[2]) if base[2] else 0
        print(f"{name:44} {wall:8.2f} {cpu:8.2f} {per_core:14,.0f} {rss:9.0f} {ratio:13.1f}x")
    print("\n(vs trailguard = the tool's CPU time / trailguard's CPU time for the same records)")


if __name__ == "__main__":
    main()
