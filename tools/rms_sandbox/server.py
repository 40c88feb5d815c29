"""HTTP plumbing: the request handler, the server's life cycle and the dispatch of a
request to its operation (after authentication and the faults of :mod:`.faults`)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .common import (
    ITEM_PATH_PREFIX,
    LICENSE_PATH,
    OPERATIONS,
    ORDER_PATH_PREFIX,
    REST_OPERATIONS,
    REST_ROUTES,
    ROW_ADDING_OPERATIONS,
    _errors,
    _gateway,
    _msg,
)


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RmsSandbox/1.0"
    timeout = 120  # idle keep-alive connections are dropped after this
    # Headers and body leave in one segment: without these, Nagle + delayed ACK add ~40 ms
    # to many responses, which would make benchmarks measure the emulator, not the client.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    sandbox = None  # set on the per-sandbox subclass

    def setup(self):  # pylint: disable=missing-return  # socketserver's hooks return None
        super().setup()
        self.sandbox._track_connection(self.connection, True)

    def finish(self):  # pylint: disable=missing-return  # socketserver's hooks return None
        try:
            super().finish()
        finally:
            self.sandbox._track_connection(self.connection, False)

    def _serve(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        status, headers, payload = self.sandbox._handle(
            self.command, self.path, self.headers, body
        )
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = (
                True  # the client gave up (timeout fault): nothing to do
            )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        # Only the request line is logged (never headers, so never credentials).
        if self.sandbox.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


class Server:
    """Mixin of :class:`~.state.RmsSandbox`: serving over HTTP."""

    def __repr__(self):  # never shows the credentials
        return "<RmsSandbox url=%r orders=%d>" % (self.url, len(self.orders))

    # -- life cycle ---------------------------------------------------------
    def start(self):
        """Start serving in a background thread; returns the base URL ``http://host:port/es/``."""
        if self._server is not None:
            return self.url
        handler = type("SandboxHandler", (_Handler,), {"sandbox": self})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self.url = "http://%s:%d/es/" % (self.host, self.port)
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="rms-sandbox-%d" % self.port,
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self):
        """Stop serving (and the order feed) and drop open keep-alive connections. Safe to
        call twice."""
        self.stop_order_feed()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _track_connection(self, conn, opened):
        with self._lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- request handling -----------------------------------------------------
    @staticmethod
    def _endpoint_name(path):
        """(operation name, method it needs, path parameter or None) of a request path."""
        if path.rstrip("/") == LICENSE_PATH:
            return "licenseExpiry", "GET", None
        if path.startswith(ORDER_PATH_PREFIX):
            op = path[len(ORDER_PATH_PREFIX) :].strip("/")
            if op and "/" not in op:
                return op, "POST", None
        route = REST_ROUTES.get(path.rstrip("/"))
        if route is not None:
            return route + (None,)
        if path.startswith(ITEM_PATH_PREFIX):
            manage_number = unquote(path[len(ITEM_PATH_PREFIX) :])
            if manage_number and "/" not in manage_number:
                return "items.get", "GET", manage_number
        return "unknown", None, None

    def _auth_ok(self, header):
        if not header or not header.startswith("ESA "):
            return False
        try:
            decoded = base64.b64decode(header[4:].strip(), validate=True).decode(
                "utf-8"
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        return decoded == "%s:%s" % (self.service_secret, self.license_key)

    def _handle(self, method, raw_path, headers, body):
        """Serve one request: returns (status, [(header, value)], body bytes)."""
        status, answer_headers, payload = answer = self._answer(
            method, raw_path, headers, body
        )
        with self._lock:
            self.answers[(self._endpoint_name(urlsplit(raw_path).path)[0], status)] += 1
        return answer

    def _answer(self, method, raw_path, headers, body):  # noqa: C901 (the gateway's checks in order)
        parts = urlsplit(raw_path)
        endpoint, needed_method, parameter = self._endpoint_name(parts.path)
        with self._lock:
            self.calls[endpoint] += 1
            faults = self._draw_faults(endpoint)
        if self.latency > 0:
            time.sleep(self.latency)
        if faults["timeout"]:
            time.sleep(self.timeout_sleep)
        if faults["fail_5xx"]:
            status_5xx = faults["status_5xx"]
            text = (
                "Service Unavailable" if status_5xx == 503 else "Internal Server Error"
            )
            return self._reply(
                status_5xx,
                _gateway("SBX-%d" % status_5xx, text),
                retry=status_5xx == 503,
            )
        if faults["limited"]:
            return self._reply(
                429, _gateway("SBX-429", "Too Many Requests"), retry=True
            )
        if faults["throttled"]:
            return self._throttle_answer()
        if (
            self.expired_license
            or self.license_expired()
            or not self._auth_ok(headers.get("Authorization"))
        ):
            return self._reply(401, _gateway("ES01-01", "Un-Authorised"))
        if self.api_disabled:
            return self._reply(400, _gateway("ES04-01", "Bad Request"))
        if self.maintenance:
            return self._reply(
                503, _gateway("ES01-02", "API In Maintenance"), retry=True
            )
        malformed = faults["malformed"]
        if endpoint == "licenseExpiry":
            if method != "GET":
                return self._reply(405, _gateway("SBX-405", "Method Not Allowed"))
            return self._finish(self._license_expiry(parse_qs(parts.query)), malformed)
        if endpoint in REST_OPERATIONS:
            if method != needed_method:
                return self._reply(405, _gateway("SBX-405", "Method Not Allowed"))
            with self._lock:
                if self._over_rate(endpoint):
                    return self._throttle_answer()
            if faults["conflict"]:
                return self._finish(
                    (409, _errors("CE0001", "Conflict occurred. Please retry later.")),
                    malformed,
                )
            handler = getattr(self, REST_OPERATIONS[endpoint])
            with self._lock:
                return self._finish(
                    handler(
                        parameter, parse_qs(parts.query, keep_blank_values=True), body
                    ),
                    malformed,
                )
        if endpoint not in OPERATIONS:
            return self._reply(404, _gateway("SBX-404", "Not Found"))
        if method != "POST":
            return self._reply(405, _gateway("SBX-405", "Method Not Allowed"))
        prefix = OPERATIONS[endpoint]
        try:
            request = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            request = None
        if not isinstance(request, dict):
            return self._finish(
                (
                    400,
                    {
                        "MessageModelList": [
                            _msg(
                                "ERROR",
                                prefix + "_ERROR_011",
                                "リクエストの書式が不正です。",
                            )
                        ]
                    },
                ),
                malformed,
            )
        handler = getattr(self, "_op_" + endpoint)
        with self._lock:
            status, payload = handler(request)
            try:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            except (
                UnicodeEncodeError
            ):  # an unpaired surrogate (serve_as): escaped, as JSON allows
                data = json.dumps(payload).encode("ascii")
            acted_503 = (
                endpoint in ROW_ADDING_OPERATIONS
                and (self.fault_operations is None or endpoint in self.fault_operations)
                and self._roll(self.acted_503_rate)
            )
        if acted_503:  # the work is done; the answer is lost behind a gateway error
            return self._reply(
                503, _gateway("SBX-503", "Service Unavailable"), retry=True
            )
        return self._finish((status, data), malformed)

    def _reply(self, status, payload, retry=False):
        headers = [("Content-Type", "application/json;charset=UTF-8")]
        if retry and self.retry_after is not None:
            headers.append(("Retry-After", str(self.retry_after)))
        return status, headers, json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _finish(self, result, malformed):
        status, payload = result
        if payload is None:  # 204 No Content
            return status, [], b""
        data = (
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        )
        if malformed:
            data = data[: max(1, len(data) // 2)]  # a truncated document
        kind = (
            "application/xml" if data.startswith(b"<?xml") else "application/json"
        )  # ShopAPI: XML
        return status, [("Content-Type", kind + ";charset=UTF-8")], data
