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

Prints wall time, CPU time (user + sys) of the validating process, the CPU moto_server spent
serving it, and the ratios to the CLI's figures. Both must agree that the chain is valid, or the figures are
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
BIN = Path(os.environ.get("TRAILGUARD_BIN", TARGET / "release" / "trailguard"))
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


def proc_cpu(pid):
    """CPU seconds (user + sys) used so far by process pid (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hours_for(files):
    # For one account and region the generator writes about 13.05 logs and 1 digest an hour.
    return max(1, round(files / 14.05))


def generate(files, seed):
    hours = hours_for(files)
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
        # The copy is taken when the trail's period ends: its newest digests are due.
        import datetime
        now = (datetime.datetime.fromisoformat(START.replace("Z", "+00:00"))
               + datetime.timedelta(hours=hours_for(args.files))).strftime("%Y-%m-%dT%H:%M:%SZ")
        srv0 = proc_cpu(server.pid)
        cli, cli_wall, cli_cpu = timed([str(PY), str(ORACLE), "validate", str(spec), "--", "cloudtrail",
                                        "validate-logs", "--trail-arn", arn, "--region", REGION,
                                        "--start-time", START, "--end-time", end])
        srv1 = proc_cpu(server.pid)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        s3, s3_wall, s3_cpu = timed([str(BIN), "verify", f"s3://{bucket}", "--endpoint-url", url,
                                     "--public-keys", str(keys_file), "--now", now, "--format", "json"], env=env)
        srv2 = proc_cpu(server.pid)
        local, local_wall, local_cpu = timed([str(BIN), "verify", str(trail), "--public-keys",
                                              str(keys_file), "--now", now, "--format", "json"])
    finally:
        server.stdin.close()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    if cli.returncode != 0 or f"{digests}/{digests} digest files valid" not in cli.stdout:
        sys.exit(f"the AWS CLI did not validate the chain (exit {cli.returncode}):\n{cli.stdout}\n{cli.stderr}")
    for name, p in [("verify s3://", s3), ("verify DIR", local)]:
        if p.returncode != 0 or json.loads(p.stdout)["verdict"] != "valid":
            sys.exit(f"trailguard {name} did not find the chain valid (exit {p.returncode}):\n{p.stderr}")
    logs = json.loads(s3.stdout)["totals"]["logs"]["valid"]
    print(f"all three: {digests} digests and {logs} logs valid\n")
    print(f"{'tool':44} {'wall s':>8} {'CPU s':>8} {'server CPU s':>13} {'wall ×':>8} {'CPU ×':>8}")
    rows = [("aws cloudtrail validate-logs (awscli, moto)", cli_wall, cli_cpu, srv1 - srv0),
            ("trailguard verify s3:// (moto)", s3_wall, s3_cpu, srv2 - srv1),
            ("trailguard verify DIR (local copy)", local_wall, local_cpu, 0.0)]
    for name, wall, cpu, srv in rows:
        print(f"{name:44} {wall:8.2f} {cpu:8.2f} {srv:13.2f} {cli_wall / wall:8.1f} {cli_cpu / cpu:8.1f}")
    print("\n(CPU: the validating process only; server CPU: moto_server while it ran; ×: the CLI's figure / this one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
