"""Run moto's AWS-compatible server on a loopback port for trailguard's tests.

Prints `READY <port>` once listening. With --record FILE, appends one JSON line per request:
the SigV4 credential scope's region and service, the API action, and the start and end of
the request on the monotonic clock — the evidence that requests to different regions overlap.
With --delay SECONDS, each request is held that long (so intervals are long enough to compare
on a busy machine; it never decides a verdict by itself).

An operation moto does not implement raises NotImplementedError inside moto, which werkzeug
would answer with a bare HTML "500 Internal Server Error" page that says nothing of the cause.
It is answered here with what moto said, as HTTP 501 Not Implemented and an AWS-style error
(code NotImplemented / NotImplementedException, moto's message), so that a client can tell an
endpoint without the operation from a refusal or a server failure. No result is invented.
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
        except NotImplementedError as e:
            body = not_implemented(environ, start_response, str(e))
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


def not_implemented(environ, start_response, message):
    """Moto's NotImplementedError as HTTP 501 in the protocol of the request."""
    if environ.get("HTTP_X_AMZ_TARGET") or "json" in environ.get("CONTENT_TYPE", ""):
        content_type = "application/x-amz-json-1.1"
        body = json.dumps({"__type": "NotImplementedException", "message": message}).encode()
    else:
        content_type = "text/xml"
        text = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
            f"<Message>{text}</Message></Error></ErrorResponse>"
        ).encode()
    start_response(
        "501 Not Implemented",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("x-amzn-ErrorType", "NotImplementedException" if "json" in content_type else "NotImplemented"),
        ],
    )
    return body


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
