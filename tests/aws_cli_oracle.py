#!/usr/bin/env python3
"""The reference implementation of digest validation, runnable on loopback, for trailguard's tests
and benchmark: the real AWS CLI (`aws cloudtrail validate-logs`, PyPI `awscli`) against a real
S3-compatible server (`moto_server`, PyPI `moto[server]`) holding a trail's objects with their
digest signatures in S3 user metadata.

Two commands, each in its own process (moto and the CLI each bring their own botocore setup):

    aws_cli_oracle.py serve SPEC.json
        Starts moto's S3 server on 127.0.0.1 (a free port), creates the bucket, uploads every
        file under SPEC["dir"] with the key of its path relative to that folder (files and
        folders starting with "." are skipped) and the user metadata SPEC["metadata"][key]
        (a dict, e.g. {"signature": "…", "signature-algorithm": "SHA256withRSA"}), prints
        `READY http://127.0.0.1:PORT` and serves until its standard input closes. With
        SPEC["public_keys"] (a public keys file), moto's CloudTrail also answers
        `ListPublicKeys` with those keys (for `trailguard verify s3://…` over the SDK).

    aws_cli_oracle.py validate SPEC.json -- cloudtrail validate-logs ARGS…
        Runs the AWS CLI's driver in this process with S3 pointed at SPEC["endpoint"] and the
        calls moto does not implement answered by botocore `before-call` handlers:
        - cloudtrail ListPublicKeys: the keys of SPEC["public_keys"] (the public keys file shape:
          {"PublicKeyList": [...]} or {"<region>": {"PublicKeyList": [...]}}) for the client's
          region, whose validity overlaps the requested [StartTime, EndTime], as CloudTrail does;
        - cloudtrail DescribeTrails: SPEC["trails"] (a list of trail descriptions);
        - organizations DescribeOrganization: SPEC["organization_id"].
        The CLI's standard output, standard error and exit status are its own.

This is a test fixture, not a mock of the component under test: the code that walks the chain,
hashes logs and checks signatures is the unmodified AWS CLI.
"""

import json
import logging
import os
import sys
from pathlib import Path


def serve(spec_path):
    spec = json.loads(Path(spec_path).read_text())
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if "public_keys" in spec:
        _serve_public_keys(spec["public_keys"])

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        region_name=spec.get("region", "us-east-1"),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = spec["bucket"]
    region = spec.get("region", "us-east-1")
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    root = Path(spec["dir"])
    metadata = spec.get("metadata", {})
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                path = Path(dirpath) / name
                files.append((path, path.relative_to(root).as_posix()))

    def put(item):
        path, key = item
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=metadata.get(key) or {})

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, files))
    print(f"READY {url}", flush=True)
    sys.stdin.read()
    server.stop()


def _keys_for(keys_file, region):
    """The keys of a public keys file (either shape) for region."""
    if set(keys_file) == {"PublicKeyList"}:
        return keys_file["PublicKeyList"]
    value = keys_file.get(region, [])
    return value.get("PublicKeyList", []) if isinstance(value, dict) else value


def _epoch(v):
    import datetime

    if isinstance(v, (int, float)):
        return float(v)
    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()


def _serve_public_keys(keys_file):
    """Teach moto's CloudTrail `ListPublicKeys` (moto answers it with "not implemented"): the
    keys of keys_file for the request's region whose validity overlaps [StartTime, EndTime],
    on the JSON wire as CloudTrail sends them (Value base64, times in epoch seconds)."""
    from moto.cloudtrail.responses import CloudTrailResponse

    def list_public_keys(self):
        body = json.loads(self.body or "{}")
        start = float(body.get("StartTime", 0))
        end = float(body.get("EndTime", 2**40))
        out = []
        for k in _keys_for(keys_file, self.region):
            lo, hi = _epoch(k["ValidityStartTime"]), _epoch(k["ValidityEndTime"])
            if lo <= end and start <= hi:
                out.append({"Value": k["Value"], "ValidityStartTime": lo, "ValidityEndTime": hi,
                            "Fingerprint": k["Fingerprint"]})
        return json.dumps({"PublicKeyList": out})

    CloudTrailResponse.list_public_keys = list_public_keys


class _Ok:
    status_code = 200
    headers = {}


def validate(spec_path, argv):
    import datetime

    spec = json.loads(Path(spec_path).read_text())
    os.environ["AWS_ENDPOINT_URL_S3"] = spec["endpoint"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.pop("AWS_PROFILE", None)
    config = Path(spec_path).with_suffix(".awsconfig")
    config.write_text("[default]\ns3 =\n    addressing_style = path\n")
    os.environ["AWS_CONFIG_FILE"] = str(config)
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(config) + ".none"

    keys_file = spec.get("public_keys", {})

    def keys_for(region):
        if set(keys_file) == {"PublicKeyList"}:
            return keys_file["PublicKeyList"]
        value = keys_file.get(region, [])
        return value.get("PublicKeyList", []) if isinstance(value, dict) else value

    def epoch(v):
        if isinstance(v, (int, float)):
            return float(v)
        return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()

    def list_public_keys(params, request_signer, **_):
        body = json.loads(params.get("body") or b"{}")
        start = float(body.get("StartTime", 0))
        end = float(body.get("EndTime", 2**40))
        out = []
        for k in keys_for(request_signer._region_name):
            lo, hi = epoch(k["ValidityStartTime"]), epoch(k["ValidityEndTime"])
            if lo <= end and start <= hi:
                out.append(
                    {
                        "Value": k["Value"],
                        "ValidityStartTime": datetime.datetime.fromtimestamp(lo, datetime.timezone.utc),
                        "ValidityEndTime": datetime.datetime.fromtimestamp(hi, datetime.timezone.utc),
                        "Fingerprint": k["Fingerprint"],
                    }
                )
        return _Ok(), {"PublicKeyList": out}

    def describe_trails(**_):
        return _Ok(), {"trailList": spec.get("trails", [])}

    def describe_organization(**_):
        return _Ok(), {"Organization": {"Id": spec.get("organization_id", "")}}

    from awscli.clidriver import create_clidriver

    driver = create_clidriver()
    driver.session.register("before-call.cloudtrail.ListPublicKeys", list_public_keys)
    driver.session.register("before-call.cloudtrail.DescribeTrails", describe_trails)
    driver.session.register("before-call.organizations.DescribeOrganization", describe_organization)
    rc = driver.main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    return rc


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "validate" and sys.argv[3] == "--":
        return validate(sys.argv[2], sys.argv[4:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
