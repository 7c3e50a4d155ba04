#!/usr/bin/env python3
"""Whole-process benchmark of the lake: `trailguard ingest` and `trailguard query` against DuckDB.

    .venv/bin/python bench/lake.py --records 10000000 [--trail DIR] [--threads 2]

One run measures, on the same trail and the same machine, with the same number of threads:

* ingest: `trailguard ingest` (records/s, records per CPU-second, per core) beside DuckDB
  converting the same objects to Parquet (explicit schema, as lake-engineering.md §4.3 asks) and
  DuckDB's best path (NDJSON → Parquet, the NDJSON conversion cost stated separately);
* six investigation queries, each timed as a whole `trailguard query` process, beside DuckDB over
  trailguard's Parquet (the same files), DuckDB over the raw `.json.gz` objects with an explicit
  schema (the headline competitor), with the common auto-detect recipe (`union_by_name`), with
  the sampled auto-detected schema, and over pre-split NDJSON (conversion cost stated).

Every DuckDB run has a memory limit and a time limit; a failure is printed with its cause and
the time to failure, never dropped. Result rows are compared between engines (counts must
match). Writes bench/out/lake/results.json and prints a table with ratios.

The trail comes from `trailguard generate --records N` unless --trail is given. Page cache: the
trail is read once before timing, so both engines start warm.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The investigation questions (lake-engineering §4.3 / issue 7): trailguard SQL over `events`,
# DuckDB SQL over our Parquet (same text, DuckDB dialect), and DuckDB SQL over raw records
# (`r` is a STRUCT of the explicit schema, or JSON for the other recipes).
QUERIES = {
    "count by API": {
        "lake": "SELECT eventsource, eventname, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
        "raw": "SELECT r.eventSource, r.eventName, count(*) AS n FROM raw GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
    },
    "one principal's timeline": {
        "lake": "SELECT eventtime, eventsource, eventname, sourceipaddress, errorcode FROM events "
        "WHERE useridentity.arn = '{principal}' ORDER BY eventtime, eventid",
        "raw": "SELECT r.eventTime, r.eventSource, r.eventName, r.sourceIPAddress, r.errorCode FROM raw "
        "WHERE r.userIdentity.arn = '{principal}' ORDER BY r.eventTime, r.eventID",
    },
    "errors by source IP": {
        "lake": "SELECT sourceipaddress, errorcode, count(*) AS n FROM events WHERE errorcode IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
        "raw": "SELECT r.sourceIPAddress, r.errorCode, count(*) AS n FROM raw WHERE r.errorCode IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
    },
    "console logins": {
        "lake": "SELECT eventtime, useridentity.arn AS arn, sourceipaddress, "
        "json_extract_scalar(responseelements, '$.ConsoleLogin') AS result, "
        "json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa FROM events "
        "WHERE eventname = 'ConsoleLogin' ORDER BY eventtime, eventid",
        "duck_lake": "SELECT eventtime, useridentity.arn AS arn, sourceipaddress, "
        "json_extract_string(responseelements, '$.ConsoleLogin') AS result, "
        "json_extract_string(additionaleventdata, '$.MFAUsed') AS mfa FROM events "
        "WHERE eventname = 'ConsoleLogin' ORDER BY eventtime, eventid",
        "raw": "SELECT r.eventTime, r.userIdentity.arn, r.sourceIPAddress, "
        "json_extract_string(r.responseElements, '$.ConsoleLogin'), json_extract_string(r.additionalEventData, '$.MFAUsed') "
        "FROM raw WHERE r.eventName = 'ConsoleLogin' ORDER BY r.eventTime, r.eventID",
    },
    "one access key": {
        "lake": "SELECT eventtime, eventsource, eventname, awsregion, sourceipaddress FROM events "
        "WHERE useridentity.accesskeyid = '{access_key}' ORDER BY eventtime, eventid",
        "raw": "SELECT r.eventTime, r.eventSource, r.eventName, r.awsRegion, r.sourceIPAddress FROM raw "
        "WHERE r.userIdentity.accessKeyId = '{access_key}' ORDER BY r.eventTime, r.eventID",
    },
    "time-range filter": {
        "lake": "SELECT eventsource, count(*) AS n FROM events WHERE eventtime >= TIMESTAMP '{t0}' "
        "AND eventtime < TIMESTAMP '{t1}' GROUP BY 1 ORDER BY n DESC, 1",
        "duck_lake": "SELECT eventsource, count(*) AS n FROM events WHERE eventtime >= TIMESTAMPTZ '{t0}+00' "
        "AND eventtime < TIMESTAMPTZ '{t1}+00' GROUP BY 1 ORDER BY n DESC, 1",
        "raw": "SELECT r.eventSource, count(*) AS n FROM raw WHERE CAST(r.eventTime AS TIMESTAMP) >= TIMESTAMP '{t0}' "
        "AND CAST(r.eventTime AS TIMESTAMP) < TIMESTAMP '{t1}' GROUP BY 1 ORDER BY n DESC, 1",
    },
}

# The explicit schema DuckDB reads the trail objects with: the fields the questions use, typed,
# quoted "type", booleans, payloads as JSON (lake-engineering §4.3 point 3).
RECORD_STRUCT = (
    "STRUCT(eventVersion VARCHAR, userIdentity STRUCT(\"type\" VARCHAR, principalId VARCHAR, arn VARCHAR, "
    "accountId VARCHAR, accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR, "
    "sessionContext STRUCT(sessionIssuer STRUCT(\"type\" VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR), "
    "attributes STRUCT(creationDate VARCHAR, mfaAuthenticated VARCHAR))), "
    "eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, sourceIPAddress VARCHAR, "
    "userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR, requestParameters JSON, responseElements JSON, "
    "additionalEventData JSON, requestID VARCHAR, eventID VARCHAR, readOnly BOOLEAN, "
    "resources STRUCT(ARN VARCHAR, accountId VARCHAR, \"type\" VARCHAR)[], eventType VARCHAR, "
    "managementEvent BOOLEAN, recipientAccountId VARCHAR, eventCategory VARCHAR, serviceEventDetails JSON, "
    "sharedEventID VARCHAR, vpcEndpointId VARCHAR, tlsDetails STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR))"
)


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_timed(cmd, env=None, stdout=subprocess.PIPE):
    """Run a whole process; returns (wall s, cpu s, peak RSS MiB, completed process)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env, text=True)
    chunks = {"out": [], "err": []}

    def drain(stream, key):
        if stream is not None:
            chunks[key].append(stream.read())

    readers = [threading.Thread(target=drain, args=(p.stdout, "out")), threading.Thread(target=drain, args=(p.stderr, "err"))]
    for t in readers:
        t.start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    for t in readers:
        t.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    out, err = "".join(chunks["out"]), "".join(chunks["err"])
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {err[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, subprocess.CompletedProcess(cmd, p.returncode, out, err)


class DuckRun:
    """A DuckDB statement in a child process (so a crash or OOM is contained), with limits."""

    def __init__(self, python, threads, memory, timeout):
        self.python = python
        self.threads = threads
        self.memory = memory
        self.timeout = timeout

    def __call__(self, setup, sql, fetch=True):
        script = f"""
import duckdb, json, time, resource, sys
con = duckdb.connect()
con.execute("SET threads = {self.threads}")
con.execute("SET memory_limit = '{self.memory}'")
con.execute("SET preserve_insertion_order = false")
con.execute("SET enable_progress_bar = false")
for s in {setup!r}:
    con.execute(s)
t0 = time.perf_counter()
rows = con.execute({sql!r}).fetchall() if {fetch!r} else con.execute({sql!r})
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall": wall, "rows": len(rows) if {fetch!r} else 0, "first": [str(x) for x in (rows[0] if {fetch!r} and rows else [])],
                  "maxrss_mib": ru.ru_maxrss / 1024, "version": duckdb.__version__}}))
"""
        c0 = cpu_children()
        t0 = time.perf_counter()
        try:
            p = subprocess.run([self.python, "-c", script], capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {self.timeout} s", "wall": time.perf_counter() - t0}
        wall = time.perf_counter() - t0
        cpu = cpu_children() - c0
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or ["killed"])[-1]
            return {"error": last[:300], "wall": wall, "cpu": cpu}
        r = json.loads(p.stdout.strip().splitlines()[-1])
        r["process_wall"] = wall
        r["cpu"] = cpu
        return r


def pick_values(tg, lake):
    """A busy principal, one of its access keys and a one-hour window, from the lake."""
    q = lambda sql: json.loads(
        subprocess.run([tg, "query", "-q", "--format", "jsonl", "--lake", str(lake), sql], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    )
    principal = q(
        "SELECT useridentity.arn AS a FROM events WHERE useridentity.type = 'IAMUser' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1 OFFSET 3"
    )["a"]
    key = q(
        "SELECT useridentity.accesskeyid AS k FROM events WHERE useridentity.accesskeyid LIKE 'ASIA%' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1 OFFSET 5"
    )["k"]
    # DataFusion cannot divide a duration: the midpoint in whole seconds.
    mid = q(
        "SELECT to_iso8601(to_timestamp_micros((CAST(to_unixtime(min(eventtime)) AS BIGINT) "
        "+ CAST(to_unixtime(max(eventtime)) AS BIGINT)) / 2 * 1000000)) AS t FROM events"
    )["t"]
    t0 = mid[:13] + ":00:00"
    hour = int(mid[11:13])
    t1 = mid[:11] + f"{hour:02d}:59:59"
    return {"principal": principal, "access_key": key, "t0": t0.replace("T", " "), "t1": t1.replace("T", " ")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--trail", type=Path, help="an existing trail (default: generate one)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "lake")
    ap.add_argument("--trailguard", default=str(ROOT / "target" / "release" / "trailguard"))
    ap.add_argument("--duckdb-memory", default="16GB")
    ap.add_argument("--raw-timeout", type=int, default=3600, help="seconds per DuckDB raw-file query")
    ap.add_argument("--repeat", type=int, default=3, help="runs per fast query (best is kept)")
    ap.add_argument("--skip", action="append", default=[], help="raw, auto, sampled, ndjson, ingest-duckdb")
    a = ap.parse_args()
    tg = a.trailguard
    a.out.mkdir(parents=True, exist_ok=True)
    results = {"threads": a.threads, "trailguard": tg, "queries": {}, "ingest": {}}

    trail = a.trail
    if trail is None:
        trail = a.out / f"trail-{a.records}"
        if not (trail / ".complete").exists():
            shutil.rmtree(trail, ignore_errors=True)
            print(f"generating {a.records} records into {trail} …", flush=True)
            subprocess.run([tg, "generate", "--out", str(trail), "--records", str(a.records), "--seed", "7"], check=True)
            (trail / ".complete").write_text("ok")
    gz = sorted(p for p in trail.rglob("*.json.gz") if "CloudTrail-Digest" not in str(p) and "CloudTrail-Insight" not in str(p))
    gz_bytes = sum(p.stat().st_size for p in gz)
    for p in gz:  # warm the page cache for both engines
        p.read_bytes()
    print(f"trail: {len(gz)} objects, {gz_bytes / 1e9:.2f} GB gz", flush=True)

    # --- ingest -----------------------------------------------------------------------------
    lake = a.out / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    wall, cpu, rss, p = run_timed([tg, "--threads", str(a.threads), "ingest", "--json", "-q", "--lake", str(lake), str(trail)])
    rep = json.loads(p.stdout)
    recs = rep["records"]
    results["ingest"]["trailguard"] = {
        "records": recs,
        "wall_s": wall,
        "cpu_s": cpu,
        "records_per_s": recs / wall,
        "records_per_cpu_s": recs / cpu,
        "records_per_s_per_core": recs / wall / a.threads,
        "json_mb": rep["text_bytes"] / 1e6,
        "parquet_mb": rep["bytes_written"] / 1e6,
        "files": rep["files_written"],
        "peak_rss_mib": rss,
    }
    print(f"ingest: {recs} records in {wall:.1f} s wall, {cpu:.1f} CPU-s → {recs / wall:,.0f}/s, "
          f"{recs / wall / a.threads:,.0f}/s per core, {recs / cpu:,.0f} per CPU-s", flush=True)

    duck = DuckRun(sys.executable, a.threads, a.duckdb_memory, a.raw_timeout)
    max_obj = max(len(__import__("gzip").decompress(p.read_bytes())) for p in gz[: min(len(gz), 2000)])
    obj_size = 1 << max(24, (2 * max_obj - 1).bit_length())
    glob = str(trail / "**" / "*.json.gz")
    explicit = [
        f"CREATE VIEW raw AS SELECT unnest(Records) AS r FROM read_json('{glob}', format = 'auto', "
        f"columns = {{'Records': '{RECORD_STRUCT}[]'}}, maximum_object_size = {obj_size}, compression = 'gzip')"
    ]
    if "ingest-duckdb" not in a.skip:
        sink = a.out / "duck-parquet"
        shutil.rmtree(sink, ignore_errors=True)
        r = duck(explicit, f"COPY (SELECT r.*, CAST(r.eventTime AS DATE) AS day FROM raw) TO '{sink}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day))", fetch=False)
        results["ingest"]["duckdb_explicit"] = r
        print(f"ingest duckdb explicit schema: {r}", flush=True)

    # NDJSON for DuckDB's best path, made by trailguard's reader (DuckDB cannot split trail
    # objects at speed itself); its cost is stated separately.
    ndjson = a.out / "trail.ndjson"
    if "ndjson" not in a.skip:
        with open(ndjson, "w") as f:
            w, c, _, _ = run_timed([tg, "--threads", str(a.threads), "events", "--format", "jsonl", "-q", str(trail)], stdout=f)
        results["ndjson_conversion"] = {"wall_s": w, "cpu_s": c, "bytes": ndjson.stat().st_size}
        print(f"NDJSON conversion (trailguard events --format jsonl): {w:.1f} s", flush=True)
        if "ingest-duckdb" not in a.skip:
            sink = a.out / "duck-ndjson.parquet"
            r = duck([], f"COPY (SELECT * FROM read_ndjson('{ndjson}', maximum_object_size = {obj_size})) TO '{sink}' (FORMAT parquet, COMPRESSION zstd)", fetch=False)
            results["ingest"]["duckdb_ndjson"] = r
            print(f"ingest duckdb NDJSON → Parquet: {r}", flush=True)

    # --- queries ------------------------------------------------------------------------------
    vals = pick_values(tg, lake)
    results["values"] = vals
    parquet = [f"CREATE VIEW events AS SELECT * FROM read_parquet('{lake}/events/**/*.parquet', hive_partitioning = true, hive_types = {{'account': 'VARCHAR', 'region': 'VARCHAR', 'date': 'DATE'}})"]
    recipes = {
        "duckdb_raw_explicit": explicit,
        "duckdb_raw_auto_union_by_name": [
            f"CREATE VIEW raw AS SELECT unnest(Records) AS r FROM read_json('{glob}', union_by_name = true, maximum_object_size = {obj_size})"
        ],
        "duckdb_raw_auto_sampled": [
            f"CREATE VIEW raw AS SELECT unnest(Records) AS r FROM read_json('{glob}', maximum_object_size = {obj_size})"
        ],
        "duckdb_ndjson": [f"CREATE VIEW raw AS SELECT j AS r FROM read_ndjson('{ndjson}', columns = {{'j': '{RECORD_STRUCT}'}})"],
    }
    skip = {"raw": "duckdb_raw_explicit", "auto": "duckdb_raw_auto_union_by_name", "sampled": "duckdb_raw_auto_sampled", "ndjson": "duckdb_ndjson"}
    for s in a.skip:
        recipes.pop(skip.get(s, ""), None)
    for name, q in QUERIES.items():
        lake_sql = q["lake"].format(**vals)
        best = None
        for _ in range(a.repeat):
            w, c, _, p = run_timed([tg, "--threads", str(a.threads), "query", "-q", "--format", "csv", "--lake", str(lake), lake_sql])
            best = w if best is None else min(best, w)
        rows = max(0, len(p.stdout.splitlines()) - 1)
        entry = {"trailguard": {"wall": best, "rows": rows}}
        dl = duck(parquet, q.get("duck_lake", q["lake"]).format(**vals))
        entry["duckdb_on_our_parquet"] = dl
        for recipe, setup in recipes.items():
            sql = q["raw"].format(**vals)
            if recipe == "duckdb_raw_auto_union_by_name" and name != "count by API":
                entry[recipe] = {"error": "not run: the recipe failed on the first question"} if entry.get("_auto_failed") else duck(setup, sql)
            else:
                entry[recipe] = duck(setup, sql)
            if recipe == "duckdb_raw_auto_union_by_name" and "error" in entry[recipe]:
                entry["_auto_failed"] = True
        entry.pop("_auto_failed", None)
        for k, v in entry.items():
            if k != "trailguard" and "rows" in v and v["rows"] != rows:
                v["row_mismatch"] = f"{v['rows']} rows vs trailguard's {rows}"
        results["queries"][name] = entry
        print(f"{name}: " + ", ".join(f"{k} {v.get('wall', 0):.3f}s{' ERR ' + v['error'] if 'error' in v else ''}" for k, v in entry.items()), flush=True)

    (a.out / "results.json").write_text(json.dumps(results, indent=2))
    # --- table ----------------------------------------------------------------------------------
    print("\n| question | trailguard | DuckDB on our Parquet | DuckDB raw, explicit schema | ratio | DuckDB raw, union_by_name | DuckDB raw, sampled schema | DuckDB NDJSON |")
    print("|---|---|---|---|---|---|---|---|")
    for name, e in results["queries"].items():
        t = e["trailguard"]["wall"]

        def cell(k):
            v = e.get(k)
            if v is None:
                return "–"
            if "error" in v:
                return f"failed after {v['wall']:.1f} s: {v['error'][:60]}"
            return f"{v['wall']:.3f} s"

        raw = e.get("duckdb_raw_explicit", {})
        if raw and "error" not in raw:
            ratio = f"{raw['wall'] / t:,.0f}×"
        elif raw and raw["error"].startswith("timed out"):
            # DuckDB was stopped at the time limit: the ratio is at least this.
            ratio = f"> {raw['wall'] / t:,.0f}×"
        else:
            ratio = "–"
        print(f"| {name} | {t:.3f} s | {cell('duckdb_on_our_parquet')} | {cell('duckdb_raw_explicit')} | {ratio} | "
              f"{cell('duckdb_raw_auto_union_by_name')} | {cell('duckdb_raw_auto_sampled')} | {cell('duckdb_ndjson')} |")


if __name__ == "__main__":
    main()
