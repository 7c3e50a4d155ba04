#!/usr/bin/env python3
"""Whole-process benchmark: `trailguard verify` against `aws cloudtrail validate-logs`.

Generates one signed digest chain (one account, one region, a single-account trail) of about
--files objects with `trailguard generate` (cached under bench/out/), serves it from
`moto_server` on loopback with each digest's signature in its S3 user metadata, and validates it
in the same run with:

- the real AWS CLI (`aws cloudtrail validate-logs`, PyPI `awscli` pinned in
  tests/requirements.txt), `ListPublicKeys` answered from the chain's key (tests/aws_cli_oracle.py);
- `trailguard verify s3://bucket --endpoint-url …` against the same server (the same bytes over
  the same HTTP stack);
- `trailguard verify DIR` on the local copy (no server in the way).

Prints wall time and CPU time (user + sys of the validating process; the server's CPU is not
counted for either) and the ratios. Both must agree that the chain is valid, or the figures are
not printed.

    bench/verify_vs.py [--files 10000] [--seed 3]

Needs: a release build (`cargo build --release -p trailguard-cli`) and a Python with
tests/requirements.txt (`.venv`, made by scripts/test; or TRAILGUARD_TEST_PYTHON).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "trailguard-target"))
BIN = TARGET / "release" / "trailguard"
PY = Path(os.environ.get("TRAILGUARD_TEST_PYTHON", ROOT / ".venv" / "bin" / "python"))
ORACLE = ROOT / "tests" / "aws_cli_oracle.py"
REGION = "us-east-1"
START = "2026-01-01T00:00:00Z"


def timed(cmd, **kw):
    """Run cmd; return (completed process, wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p, wall, cpu


def generate(files, seed):
    # The generator writes one log per account, region and 5 minutes with activity, and one
    # digest per hour: 13 objects an hour.
    hours = max(1, round(files / 13))
    trail = OUT / f"verify-{files}-{seed}"
    if (trail / ".trailguard" / "signatures.json").exists():
        return trail
    if trail.exists():
        shutil.rmtree(trail)
    cmd = [str(BIN), "generate", "-q", "--out", str(trail), "--seed", str(seed), "--accounts", "1",
           "--regions", REGION, "--no-org", "--hours", str(hours), "--records", str(hours * 12 * 40),
           "--scenarios", "none", "--start", START]
    subprocess.run(cmd, check=True)
    return trail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    for need, what in [(BIN, "cargo build --release -p trailguard-cli"), (PY, "scripts/test (makes .venv)")]:
        if not Path(need).exists():
            sys.exit(f"{need} is missing: run {what}")
    OUT.mkdir(parents=True, exist_ok=True)
    trail = generate(args.files, args.seed)
    manifest = json.loads((trail / ".trailguard" / "manifest.json").read_text())
    bucket = manifest["trail"]["bucket"]
    arn = manifest["trail"]["arn"]
    account = arn.split(":")[4]
    keys = json.loads((trail / ".trailguard" / "public-keys.json").read_text())
    sigs = json.loads((trail / ".trailguard" / "signatures.json").read_text())
    metadata = {k.removeprefix(bucket + "/"): v for k, v in sigs.items()}
    objects = sum(1 for p in (trail / "AWSLogs").rglob("*") if p.is_file())
    digests = len(metadata)
    size = sum(p.stat().st_size for p in (trail / "AWSLogs").rglob("*") if p.is_file())
    print(f"chain: {objects} objects ({digests} digests, {objects - digests} logs, {size / 1e6:.1f} MB) in {trail}")

    work = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    keys_file = work / "public-keys.json"
    keys_file.write_text(json.dumps(keys))
    serve_spec = work / "serve.json"
    serve_spec.write_text(json.dumps({"bucket": bucket, "dir": str(trail), "metadata": metadata}))
    server = subprocess.Popen([str(PY), str(ORACLE), "serve", str(serve_spec)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if not line.startswith("READY "):
        sys.exit(f"moto_server did not start: {line!r}")
    url = line.split()[1]
    try:
        spec = work / "validate.json"
        spec.write_text(json.dumps({
            "endpoint": url, "public_keys": keys,
            "trails": [{"Name": arn.rsplit("/", 1)[1], "TrailARN": arn, "S3BucketName": bucket,
                        "IsOrganizationTrail": False}],
        }))
        end = "2030-01-01T00:00:00Z"
        cli, cli_wall, cli_cpu = timed([str(PY), str(ORACLE), "validate", str(spec), "--", "cloudtrail",
                                        "validate-logs", "--trail-arn", arn, "--region", REGION,
                                        "--start-time", START, "--end-time", end])
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        s3, s3_wall, s3_cpu = timed([str(BIN), "verify", f"s3://{bucket}", "--endpoint-url", url,
                                     "--public-keys", str(keys_file), "--format", "json"], env=env)
        local, local_wall, local_cpu = timed([str(BIN), "verify", str(trail), "--public-keys",
                                              str(keys_file), "--format", "json"])
    finally:
        server.stdin.close()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    if cli.returncode != 0 or f"{digests}/{digests} digest files valid" not in cli.stdout:
        sys.exit(f"the AWS CLI did not validate the chain (exit {cli.returncode}):\n{cli.stdout}\n{cli.stderr}")
    for name, p in [("verify s3://", s3), ("verify DIR", local)]:
        if p.returncode != 0 or json.loads(p.stdout)["report"]["verdict"] != "valid":
            sys.exit(f"trailguard {name} did not find the chain valid (exit {p.returncode}):\n{p.stderr}")
    logs = json.loads(s3.stdout)["report"]["totals"]["logs"]["valid"]
    print(f"all three: {digests} digests and {logs} logs valid\n")
    print(f"{'tool':44} {'wall s':>8} {'CPU s':>8} {'wall ×':>8}")
    rows = [("aws cloudtrail validate-logs (awscli, moto)", cli_wall, cli_cpu),
            ("trailguard verify s3:// (moto)", s3_wall, s3_cpu),
            ("trailguard verify DIR (local copy)", local_wall, local_cpu)]
    for name, wall, cpu in rows:
        print(f"{name:44} {wall:8.2f} {cpu:8.2f} {cli_wall / wall:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
