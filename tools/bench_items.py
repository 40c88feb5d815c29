#!/usr/bin/env python3
"""Benchmark the Item API 2.0 / Inventory API 2.0 calls of rms.client.RmsClient.

Reads a catalogue of N items with K SKUs each (default 10,000 items / 30,000 SKUs) the way the
product registration does (items.search, cursorMark, 100 a page), then reads the stock of every
SKU (inventories/bulk-get, 1000 a call) and pushes it back (inventories/bulk-upsert, ABSOLUTE,
400 a call). Prints the calls by function as counted by the server, the wall time of each phase,
items and SKUs per second, and how long the same calls take at RMS's documented rates.

Target: the local RMS sandbox (tools/rms_sandbox, ``--target sandbox``, the default when it
has a catalogue generator; its generator draws 1 to 27 SKUs per item, about 3.6 on average), or
``--target stub``: a small in-process HTTP stub of the three endpoints written here, with the
same envelopes and exactly ``--skus-per-item`` SKUs per item. The client runs with pacing off
(``--min-interval 0``) to measure the client itself; the last line gives the paced time.

    python tools/bench_items.py --items 10000 --skus-per-item 3
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from rms.client import RmsClient  # noqa: E402
from rms.items_client import FUNCTION_INTERVALS  # noqa: E402


def _catalogue(items, skus):
    catalogue = []
    for n in range(items):
        number = f"bench-{n:06d}"
        variants = {}
        for k in range(skus):
            variants[f"sku{k}"] = {
                "merchantDefinedSkuId": f"{number}-{k}",
                "selectorValues": {"color": f"c{k}"},
                "standardPrice": str(1000 + k * 100),
                "articleNumber": {"value": f"49{n:08d}{k:03d}"},
                "hidden": False,
                "shipping": {"postageIncluded": False},
            }
        catalogue.append(
            {
                "manageNumber": number,
                "itemNumber": number.upper(),
                "title": f"ベンチ商品 {n}",
                "itemType": "NORMAL",
                "genreId": "100000",
                "hideItem": n % 20 == 0,
                "payment": {"taxIncluded": True, "taxRate": "0.1" if n % 5 else "0.08"},
                "images": [{"type": "CABINET", "location": f"/img/{number}.jpg"}],
                "variantSelectors": [
                    {
                        "key": "color",
                        "displayName": "Color",
                        "values": [{"displayValue": f"c{k}"} for k in range(skus)],
                    }
                ],
                "variants": variants,
                "created": "2026-01-01T10:00:00+09:00",
                "updated": "2026-11-01T10:00:00+09:00",
            }
        )
    return catalogue


class Stub:
    """items.search, inventories/bulk-get and inventories/bulk-upsert with RMS's envelopes."""

    def __init__(self, items, skus):
        self.catalogue = _catalogue(items, skus)
        self.stock = {
            (i["manageNumber"], v): 5 for i in self.catalogue for v in i["variants"]
        }
        self.calls = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status, payload=None):
                body = (
                    b""
                    if payload is None
                    else json.dumps(payload, ensure_ascii=False).encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parts = urlsplit(self.path)
                owner.calls["items.search"] = owner.calls.get("items.search", 0) + 1
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                hits = int(params.get("hits", 10))
                start = 0 if params["cursorMark"] == "*" else int(params["cursorMark"])
                page = owner.catalogue[start : start + hits]
                cursor = str(start + len(page)) if page else params["cursorMark"]
                self._reply(
                    200,
                    {
                        "numFound": len(owner.catalogue),
                        "offset": 0,
                        "nextCursorMark": cursor,
                        "results": [{"item": i} for i in page],
                    },
                )

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path.endswith("/inventories/bulk-get"):
                    owner.calls["inventories.bulk.get"] = (
                        owner.calls.get("inventories.bulk.get", 0) + 1
                    )
                    self._reply(
                        200,
                        {
                            "inventories": [
                                {
                                    "manageNumber": e["manageNumber"],
                                    "variantId": e["variantId"],
                                    "quantity": owner.stock[
                                        (e["manageNumber"], e["variantId"])
                                    ],
                                    "created": "2026-01-01T10:00:00+09:00",
                                    "updated": "2026-11-01T10:00:00+09:00",
                                }
                                for e in body["inventories"]
                                if (e["manageNumber"], e["variantId"]) in owner.stock
                            ]
                        },
                    )
                else:
                    owner.calls["inventories.bulk.upsert"] = (
                        owner.calls.get("inventories.bulk.upsert", 0) + 1
                    )
                    for e in body["inventories"]:
                        owner.stock[(e["manageNumber"], e["variantId"])] = e["quantity"]
                    self._reply(204)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/es/"
        self.service_secret, self.license_key = "bench-secret", "bench-key"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _sandbox(items, seed):
    """The local sandbox with a generated catalogue of ``items`` items in all (its fixed
    catalogue included; SKUs per item as its generator draws them), or None when the sandbox
    has no catalogue generator."""
    try:
        from tools.rms_sandbox import RmsSandbox
    except ImportError:
        return None
    box = RmsSandbox("bench-secret", "bench-key", seed=seed)
    if not hasattr(box, "generate_catalog"):
        return None
    box.generate_catalog(max(items - len(box.catalog), 0))
    return box


def run(items, skus, seed, target, min_interval):
    server = _sandbox(items, seed) if target in ("auto", "sandbox") else None
    if server is None and target == "sandbox":
        raise SystemExit(
            "tools/rms_sandbox has no catalogue generator yet: use --target stub"
        )
    kind = "sandbox" if server is not None else "stub"
    if server is None:
        server = Stub(items, skus)
    server.start()
    try:
        client = RmsClient(
            server.service_secret,
            server.license_key,
            server.url,
            min_interval=min_interval,
            backoff_factor=0,
        )
        with client:
            started = time.perf_counter()
            read = [item for item in client.iter_items()]
            t_search = time.perf_counter() - started
            pairs = [
                (i["manageNumber"], v) for i in read for v in (i.get("variants") or {})
            ]
            started = time.perf_counter()
            stock = client.get_inventories(pairs)
            t_get = time.perf_counter() - started
            started = time.perf_counter()
            # min(): the sandbox keeps 100,000 units of its fixed SKUs, above RMS's 99,999
            client.upsert_inventories(
                [(r.manage_number, r.variant_id, min(r.quantity, 99999)) for r in stock]
            )
            t_upsert = time.perf_counter() - started
            stats = dict(client.stats)
        calls = dict(server.calls)
    finally:
        server.stop()
    return {
        "target": kind,
        "items": len(read),
        "skus": len(pairs),
        "stock_rows": len(stock),
        "calls": calls,
        "client_calls": stats,
        "t_search": t_search,
        "t_get": t_get,
        "t_upsert": t_upsert,
    }


def report(s, out=sys.stdout):
    calls = s["client_calls"]
    paced = sum(
        calls.get(name, 0) * FUNCTION_INTERVALS[name] for name in FUNCTION_INTERVALS
    )
    lines = [
        "target:                 %s" % s["target"],
        "items read:             %d (%d SKUs)" % (s["items"], s["skus"]),
        "items.search calls:     %d (goal <= 100; %d pages of 100)"
        % (calls.get("items.search", 0), -(-s["items"] // 100)),
        "search wall time:       %.3f s (%.0f items/s, %.0f SKUs/s)"
        % (
            s["t_search"],
            s["items"] / s["t_search"] if s["t_search"] else 0,
            s["skus"] / s["t_search"] if s["t_search"] else 0,
        ),
        "inventories.bulk.get:   %d calls, %.3f s for %d rows"
        % (calls.get("inventories.bulk.get", 0), s["t_get"], s["stock_rows"]),
        "inventories.bulk.upsert: %d calls, %.3f s"
        % (calls.get("inventories.bulk.upsert", 0), s["t_upsert"]),
        "calls seen by server:   %s"
        % ", ".join("%s=%d" % kv for kv in sorted(s["calls"].items())),
        "at RMS's documented rates (5/s search and bulk-get, 1/s bulk-upsert): >= %.1f s"
        % paced,
    ]
    out.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--skus-per-item", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=("auto", "sandbox", "stub"), default="auto")
    parser.add_argument(
        "--min-interval",
        type=float,
        default=0.0,
        help="pacing (0: off; > 0: each function at its documented rate)",
    )
    args = parser.parse_args(argv)
    report(
        run(args.items, args.skus_per_item, args.seed, args.target, args.min_interval)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
