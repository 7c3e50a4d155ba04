#!/usr/bin/env python3
"""Real readers of trailguard's lake agree with `trailguard query`.

Run by crates/cli/tests/lake.rs (`real_readers_agree_*`, one check each, chosen with --skip)
with the Python that scripts/test prepares. It checks, on testdata/corpus:

1. DuckDB over the lake's Parquet files (Hive partitioning) gives the same answers as
   `trailguard query` for a set of investigation queries.
2. Spark (pyspark, local mode) reads the lake twice — by path with partition discovery, and
   through the table DDL that `trailguard lake ddl --engine spark` prints — and gives the same
   answers.
3. Investigation queries over the raw JSON files with DuckDB equal `trailguard query` over a
   lake of the same files (the Invictus capture: 55 CloudTrail objects, 2,900 records).
4. The lake written to S3 (moto_server on loopback) answers like the local one, and a second
   ingest adds nothing.

Exits non-zero with the differences printed when anything disagrees.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL:", msg, flush=True)


def run(cmd, env=None, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr}")
    return p


def norm(v):
    """One comparable form for values from trailguard (JSON), DuckDB and Spark."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int,)):
        return v
    if isinstance(v, (float, Decimal)):
        f = float(v)
        return int(f) if f.is_integer() else round(f, 6)
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        # Timestamps printed by trailguard's JSON writer.
        for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%S"):
            try:
                t = dt.datetime.strptime(v, fmt)
                if t.tzinfo is not None:
                    t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
                return t.strftime("%Y-%m-%dT%H:%M:%S")
            except ValueError:
                pass
        return v
    return str(v)


def rows_equal(name, ours, theirs, who):
    a = [tuple(norm(x) for x in r) for r in ours]
    b = [tuple(norm(x) for x in r) for r in theirs]
    if a != b:
        fail(f"{name}: trailguard and {who} differ\n  trailguard ({len(a)}): {a[:8]}\n  {who} ({len(b)}): {b[:8]}")
    else:
        print(f"ok  {name}: {who} agrees ({len(a)} rows)", flush=True)
    return len(a)


class Trailguard:
    def __init__(self, binary, env=None):
        self.bin = binary
        self.env = env

    def ingest(self, source, lake, *extra):
        p = run([self.bin, "ingest", "--json", "-q", "--lake", str(lake), str(source), *extra], env=self.env)
        return json.loads(p.stdout)

    def query(self, lake, sql):
        p = run([self.bin, "query", "-q", "--format", "jsonl", "--lake", str(lake), sql], env=self.env)
        out = []
        for line in p.stdout.splitlines():
            obj = json.loads(line)
            out.append(obj)
        return out

    def rows(self, lake, sql, cols):
        return [tuple(o.get(c) for c in cols) for o in self.query(lake, sql)]


# Investigation queries over the lake: (name, trailguard SQL, DuckDB/Spark SQL over `events`,
# result columns). The same SQL text works in all three for most; where the dialects differ the
# other engine's spelling is given.
LAKE_QUERIES = [
    (
        "count by API",
        "SELECT eventsource, eventname, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 15",
        None,
        ["eventsource", "eventname", "n"],
    ),
    (
        "one principal's timeline",
        "SELECT eventtime, eventname, sourceipaddress, errorcode FROM events "
        "WHERE useridentity.arn = 'arn:aws:iam::123837392027:user/benjamin' ORDER BY eventtime, eventid",
        None,
        ["eventtime", "eventname", "sourceipaddress", "errorcode"],
    ),
    (
        "errors by source IP",
        "SELECT sourceipaddress, errorcode, count(*) AS n FROM events WHERE errorcode IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
        None,
        ["sourceipaddress", "errorcode", "n"],
    ),
    (
        "console logins",
        "SELECT eventtime, useridentity.arn AS arn, sourceipaddress, re_consolelogin, aed_mfaused FROM events "
        "WHERE eventname = 'ConsoleLogin' ORDER BY eventtime",
        None,
        ["eventtime", "arn", "sourceipaddress", "re_consolelogin", "aed_mfaused"],
    ),
    (
        "one access key",
        "SELECT eventtime, eventsource, eventname, awsregion FROM events "
        "WHERE useridentity.accesskeyid = 'ASIATFQR7NSCSUD2OWV6' ORDER BY eventtime, eventid",
        None,
        ["eventtime", "eventsource", "eventname", "awsregion"],
    ),
    (
        "time-range filter",
        "SELECT count(*) AS n, count(DISTINCT eventname) AS apis FROM events "
        "WHERE eventtime >= TIMESTAMP '2023-07-10 12:00:00' AND eventtime < TIMESTAMP '2023-07-10 12:15:00'",
        "SELECT count(*) AS n, count(DISTINCT eventname) AS apis FROM events "
        "WHERE eventtime >= TIMESTAMP '2023-07-10 12:00:00+00' AND eventtime < TIMESTAMP '2023-07-10 12:15:00+00'",
        ["n", "apis"],
    ),
    (
        "partitions",
        "SELECT account, region, CAST(date AS VARCHAR) AS day, count(*) AS n FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        "SELECT account, region, CAST(\"date\" AS VARCHAR) AS day, count(*) AS n FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        ["account", "region", "day", "n"],
    ),
    (
        "resources and types",
        "SELECT r.type AS t, count(*) AS n FROM (SELECT unnest(resources) AS r FROM events) GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10",
        None,
        ["t", "n"],
    ),
    (
        "assumed roles and sessions",
        "SELECT useridentity.sessioncontext.sessionissuer.arn AS role, count(*) AS n FROM events "
        "WHERE useridentity.type = 'AssumedRole' GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10",
        None,
        ["role", "n"],
    ),
    (
        "booleans and nulls",
        "SELECT readonly, managementevent, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST",
        None,
        ["readonly", "managementevent", "n"],
    ),
]


# An account id with a leading zero (real AWS account ids can start with 0): a reader that
# guesses partition types from folder names reads `account=012345678901` as the number
# 12345678901 when every account folder is numeric (the corpus has non-numeric ones, which hide
# the mistake). So the DuckDB and Spark checks also read a lake of one such record, set up the
# same way as for the main lake, and must get the account back as text.
ZERO_ACCOUNT = "012345678901"


def zero_account_lake(tg, work):
    import gzip

    src = work / "zero-account"
    day = src / "AWSLogs" / ZERO_ACCOUNT / "CloudTrail" / "eu-central-1" / "2023" / "07" / "10"
    day.mkdir(parents=True, exist_ok=True)
    record = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAZEROACCOUNT00001",
            "arn": f"arn:aws:iam::{ZERO_ACCOUNT}:user/zero",
            "accountId": ZERO_ACCOUNT,
            "accessKeyId": "AKIAZEROACCOUNT00001",
            "userName": "zero",
        },
        "eventTime": "2023-07-10T12:05:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": "eu-central-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": None,
        "responseElements": None,
        "requestID": "ZEROACCOUNTREQUEST01",
        "eventID": "0e7d2f7a-5b1c-4f7e-9a51-000000000001",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ZERO_ACCOUNT,
        "eventCategory": "Management",
    }
    name = f"{ZERO_ACCOUNT}_CloudTrail_eu-central-1_20230710T1205Z_zeroaccount00001.json.gz"
    (day / name).write_bytes(gzip.compress(json.dumps({"Records": [record]}).encode()))
    lake = work / "zero-lake"
    tg.ingest(src, lake)
    return lake


ZERO_QUERY = "SELECT account, region, CAST(date AS VARCHAR) AS day, count(*) AS n FROM events GROUP BY 1, 2, 3"
ZERO_WANT = [(ZERO_ACCOUNT, "eu-central-1", "2023-07-10", 1)]


def zero_account_agrees(tg, lake, theirs, who):
    ours = tg.rows(lake, ZERO_QUERY, ["account", "region", "day", "n"])
    rows_equal("account with a leading zero", ours, ZERO_WANT, "the record written")
    rows_equal("account with a leading zero", ours, theirs, who)

def spark_sql(sql):
    # Spark 4 wants a length on VARCHAR; STRING is its unbounded text type.
    return (
        sql.replace("unnest(resources) AS r", "explode(resources) AS r")
        .replace("CAST(date AS VARCHAR", "CAST(`date` AS STRING")
        .replace('CAST("date" AS VARCHAR', "CAST(`date` AS STRING")
    )


def check_duckdb_on_parquet(tg, lake, work):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")

    def view(lake):
        # The partition types stated, not guessed (docs/lake.md): `account` is text.
        glob = str(lake / "events" / "**" / "*.parquet")
        con.execute(
            f"CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
            "hive_types = {'account': 'VARCHAR', 'region': 'VARCHAR', 'date': 'DATE'})"
        )

    zero = zero_account_lake(tg, work)
    view(zero)
    zero_account_agrees(tg, zero, con.execute(ZERO_QUERY).fetchall(), "DuckDB")
    view(lake)
    for name, ours_sql, their_sql, cols in LAKE_QUERIES:
        ours = tg.rows(lake, ours_sql, cols)
        theirs = con.execute(their_sql or ours_sql).fetchall()
        rows_equal(name, ours, theirs, "DuckDB on the lake")
    total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    want = tg.query(lake, "SELECT count(*) AS n FROM events")[0]["n"]
    if total != want:
        fail(f"DuckDB counts {total} rows, trailguard {want}")


def check_spark(tg, lake, trailguard_bin, work):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("trailguard-lake-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(lake.parent / "spark-warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        # 1. By path, with partition discovery. Spark would type `account=012345678901` as a
        # number (dropping the zero): partition values are read as text (docs/lake.md).
        spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        zero = zero_account_lake(tg, work)
        spark.read.parquet(str(zero / "events")).createOrReplaceTempView("events")
        zero_account_agrees(tg, zero, [tuple(r) for r in spark.sql(spark_sql(ZERO_QUERY)).collect()], "Spark (by path)")
        df = spark.read.parquet(str(lake / "events"))
        df.createOrReplaceTempView("events")
        for name, ours_sql, their_sql, cols in LAKE_QUERIES:
            ours = tg.rows(lake, ours_sql, cols)
            theirs = [tuple(r) for r in spark.sql(spark_sql(their_sql or ours_sql)).collect()]
            rows_equal(name, ours, theirs, "Spark (by path)")
        # 2. Through the DDL trailguard prints.
        ddl = run([trailguard_bin, "lake", "ddl", "--engine", "spark", "--database", "tg", "--lake", str(lake)]).stdout
        spark.sql("CREATE DATABASE IF NOT EXISTS tg")
        for stmt in ddl.split(";"):
            stmt = "\n".join(l for l in stmt.splitlines() if not l.startswith("--")).strip()
            if stmt:
                spark.sql(stmt)
        for name, ours_sql, their_sql, cols in LAKE_QUERIES:
            ours = tg.rows(lake, ours_sql, cols)
            sql = spark_sql(their_sql or ours_sql).replace("FROM events", "FROM tg.events")
            theirs = [tuple(r) for r in spark.sql(sql).collect()]
            rows_equal(name, ours, theirs, "Spark (trailguard's DDL)")
    finally:
        spark.stop()


# Investigation questions over raw trail objects with DuckDB (records unnested from Records),
# against the same questions on a lake of the same objects.
RAW_QUERIES = [
    (
        "raw: count by API",
        "SELECT eventsource, eventname, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
        "SELECT (r->>'eventSource') AS eventsource, (r->>'eventName') AS eventname, count(*) AS n FROM raw GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20",
        ["eventsource", "eventname", "n"],
    ),
    (
        "raw: one principal's timeline",
        "SELECT eventtime, eventname, sourceipaddress FROM events WHERE useridentity.arn = 'arn:aws:iam::123837392027:user/benjamin' ORDER BY eventtime, eventid",
        "SELECT CAST(r->>'eventTime' AS TIMESTAMP) AS t, (r->>'eventName'), (r->>'sourceIPAddress') FROM raw WHERE (r->'userIdentity'->>'arn') = 'arn:aws:iam::123837392027:user/benjamin' ORDER BY t, (r->>'eventID')",
        ["eventtime", "eventname", "sourceipaddress"],
    ),
    (
        "raw: errors by source IP",
        "SELECT sourceipaddress, errorcode, count(*) AS n FROM events WHERE errorcode IS NOT NULL GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
        "SELECT (r->>'sourceIPAddress') AS ip, (r->>'errorCode') AS code, count(*) AS n FROM raw WHERE (r->>'errorCode') IS NOT NULL GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
        ["sourceipaddress", "errorcode", "n"],
    ),
    (
        "raw: console logins",
        "SELECT eventtime, json_extract_scalar(responseelements, '$.ConsoleLogin') AS result, json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa FROM events WHERE eventname = 'ConsoleLogin' ORDER BY eventtime",
        "SELECT CAST(r->>'eventTime' AS TIMESTAMP) AS t, (r->'responseElements'->>'ConsoleLogin'), (r->'additionalEventData'->>'MFAUsed') FROM raw WHERE (r->>'eventName') = 'ConsoleLogin' ORDER BY t",
        ["eventtime", "result", "mfa"],
    ),
    (
        "raw: one access key",
        "SELECT eventtime, eventname FROM events WHERE useridentity.accesskeyid = 'ASIATFQR7NSCS5BLNV76' ORDER BY eventtime, eventid",
        "SELECT CAST(r->>'eventTime' AS TIMESTAMP) AS t, (r->>'eventName') FROM raw WHERE (r->'userIdentity'->>'accessKeyId') = 'ASIATFQR7NSCS5BLNV76' ORDER BY t, (r->>'eventID')",
        ["eventtime", "eventname"],
    ),
    (
        "raw: time-range filter",
        "SELECT count(*) AS n FROM events WHERE eventtime >= TIMESTAMP '2023-07-10 12:00:00' AND eventtime < TIMESTAMP '2023-07-10 12:15:00'",
        "SELECT count(*) FROM raw WHERE CAST(r->>'eventTime' AS TIMESTAMP) >= TIMESTAMP '2023-07-10 12:00:00' AND CAST(r->>'eventTime' AS TIMESTAMP) < TIMESTAMP '2023-07-10 12:15:00'",
        ["n"],
    ),
    (
        "raw: roles assumed",
        "SELECT json_extract_scalar(requestparameters, '$.roleArn') AS role, count(*) AS n FROM events WHERE eventname LIKE 'AssumeRole%' GROUP BY 1 ORDER BY n DESC, 1",
        "SELECT (r->'requestParameters'->>'roleArn') AS role, count(*) AS n FROM raw WHERE (r->>'eventName') LIKE 'AssumeRole%' GROUP BY 1 ORDER BY n DESC, 1",
        ["role", "n"],
    ),
    (
        "raw: S3 buckets touched",
        "SELECT json_extract_scalar(requestparameters, '$.bucketName') AS bucket, count(*) AS n FROM events WHERE eventsource = 's3.amazonaws.com' GROUP BY 1 ORDER BY n DESC, 1",
        "SELECT (r->'requestParameters'->>'bucketName') AS bucket, count(*) AS n FROM raw WHERE (r->>'eventSource') = 's3.amazonaws.com' GROUP BY 1 ORDER BY n DESC, 1",
        ["bucket", "n"],
    ),
    (
        "raw: user agents of the attack",
        "SELECT count(*) AS n, count(DISTINCT eventname) AS apis FROM events WHERE useragent LIKE 'stratus-red-team%'",
        "SELECT count(*), count(DISTINCT (r->>'eventName')) FROM raw WHERE (r->>'userAgent') LIKE 'stratus-red-team%'",
        ["n", "apis"],
    ),
    (
        "raw: read-only vs write",
        "SELECT readonly, count(*) AS n FROM events GROUP BY 1 ORDER BY 1 NULLS FIRST",
        "SELECT CAST(r->>'readOnly' AS BOOLEAN) AS ro, count(*) FROM raw GROUP BY 1 ORDER BY 1 NULLS FIRST",
        ["readonly", "n"],
    ),
]


def check_raw(tg, corpus, work):
    import duckdb

    src = corpus / "invictus-aws_dataset" / "CloudTrail"
    lake = work / "raw-lake"
    tg.ingest(src, lake)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(
        f"CREATE VIEW raw AS SELECT unnest(Records) AS r FROM read_json('{src}/*.json', "
        "columns = {'Records': 'JSON[]'}, format = 'auto', maximum_object_size = 67108864)"
    )
    n_raw = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    n_lake = tg.query(lake, "SELECT count(*) AS n FROM events")[0]["n"]
    if n_raw != n_lake or n_raw != 2900:
        fail(f"raw records {n_raw}, lake rows {n_lake}, expected 2900")
    for name, ours_sql, raw_sql, cols in RAW_QUERIES:
        ours = tg.rows(lake, ours_sql, cols)
        theirs = con.execute(raw_sql).fetchall()
        rows_equal(name, ours, theirs, "DuckDB on the raw JSON")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_s3(tg_bin, corpus, local_lake):
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if not moto:
        raise SystemExit("moto_server not found: install moto[server] (tests/requirements.txt)")
    port = free_port()
    server = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        env = dict(os.environ)
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
            }
        )
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="trail-lake")
        tg = Trailguard(tg_bin, env=env)
        url = "s3://trail-lake/org/lake"
        first = tg.ingest(corpus, url)
        again = tg.ingest(corpus, url)
        if again["records"] != 0 or again["events_added"] != 0 or again["files_read"] != 0:
            fail(f"second ingest into S3 added data: {again}")
        else:
            print("ok  S3: a second ingest adds nothing", flush=True)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="trail-lake", Prefix="org/lake/events/").get("Contents", [])]
        if not keys or not all(k.endswith(".parquet") and "/account=" in k and "/region=" in k and "/date=" in k for k in keys):
            fail(f"unexpected S3 layout: {keys[:5]}")
        local = Trailguard(tg_bin)
        for name, ours_sql, _, cols in LAKE_QUERIES:
            rows_equal(name, local.rows(local_lake, ours_sql, cols), tg.rows(url, ours_sql, cols), "the S3 lake")
        if first["events_added"] != local.query(local_lake, "SELECT count(*) AS n FROM events")[0]["n"]:
            fail("the S3 lake holds a different number of rows")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailguard", required=True)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--skip", action="append", default=[], help="duckdb, spark, raw or s3")
    a = ap.parse_args()
    tg = Trailguard(a.trailguard)
    lake = a.work / "lake"
    tg.ingest(a.corpus, lake)
    if "raw" not in a.skip:
        check_raw(tg, a.corpus, a.work)
    if "s3" not in a.skip:
        check_s3(a.trailguard, a.corpus, lake)
    if "duckdb" not in a.skip:
        check_duckdb_on_parquet(tg, lake, a.work)
    if "spark" not in a.skip:
        check_spark(tg, lake, a.trailguard, a.work)
    if FAILURES:
        print(f"\n{len(FAILURES)} checks failed", flush=True)
        sys.exit(1)
    print("\nall readers agree", flush=True)


if __name__ == "__main__":
    main()
