"""Run moto's AWS-compatible server on a loopback port for trailguard's tests.

Prints `READY <port>` once listening. With --record FILE, appends one JSON line per request:
the SigV4 credential scope's region and service, the API action, and the start and end of
the request on the monotonic clock — the evidence that requests to different regions overlap.
With --delay SECONDS, each request is held that long (so intervals are long enough to compare
on a busy machine; it never decides a verdict by itself).
"""

import argparse
import json
import re
import sys
import threading
import time

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


class Recorder:
    def __init__(self, app, path, delay):
        self.app = app
        self.path = path
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        start = time.monotonic()
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = SCOPE.search(auth)
        region, service = (m.group(1), m.group(2)) if m else ("", "")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.split(".")[-1] if target else environ.get("QUERY_STRING", "")[:80]
        if self.delay:
            time.sleep(self.delay)
        try:
            body = b"".join(self.app(environ, start_response))
        finally:
            self.record(region, service, action, start)
        return [body]

    def record(self, region, service, action, start):
        end = time.monotonic()
        if self.path:
            line = json.dumps(
                {"region": region, "service": service, "action": action, "start": start, "end": end}
            )
            with self.lock, open(self.path, "a") as f:
                f.write(line + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--record")
    p.add_argument("--delay", type=float, default=0.0)
    args = p.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", args.port, Recorder(app, args.record, args.delay), threaded=True)
    print(f"READY {server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
