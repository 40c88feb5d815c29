#!/usr/bin/env python3
"""Benchmark rms.client.RmsClient against the local RMS sandbox.

Starts tools/rms_sandbox in-process, generates N orders placed over the last 24 hours,
then does what one import run does: searchOrder over the window, getOrder for every order
listed, confirmOrder for the orders at 100 (注文確認待ち). Prints the orders listed, the calls
by endpoint as counted by the sandbox, calls per 1,000 orders, elapsed time, orders/s and the
peak memory traced by tracemalloc during a second, identical run (the in-process sandbox's
own allocations are included, so this is an upper bound for the client).

Pacing is off by default (--min-interval 0) to measure the client itself; against RMS
(about 1 request/second) the run takes at least as many seconds as it makes calls, which
the last line estimates.

    python tools/bench_client.py --orders 2500 --seed 1
"""

import argparse
import os
import sys
import time
import tracemalloc
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from rms.client import RmsClient  # noqa: E402
from tools.rms_sandbox import JST, RmsSandbox  # noqa: E402


def run(orders, seed, min_interval=0.0, hours=24.0, trace=False):
    now = datetime.now(JST).replace(microsecond=0)
    sandbox = RmsSandbox("bench-secret", "bench-key", seed=seed, clock=now)
    generated = set(sandbox.generate_orders(orders, now=now, hours=hours))
    sandbox.start()
    try:
        client = RmsClient(
            sandbox.service_secret,
            sandbox.license_key,
            sandbox.url,
            min_interval=min_interval,
            backoff_factor=0,
        )
        with client:
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            listed = client.search_order(now - timedelta(hours=hours), now)
            models = client.get_order(listed)
            to_confirm = [m["orderNumber"] for m in models if m["orderProgress"] == 100]
            results = client.confirm_order(to_confirm)
            elapsed = time.perf_counter() - started
            peak = None
            if trace:
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
        calls = dict(sandbox.calls)
    finally:
        sandbox.stop()
    return {
        "generated": len(generated),
        "listed": len(listed),
        "all_listed": set(listed) == generated,
        "fetched": len(models),
        "to_confirm": len(to_confirm),
        "confirmed": sum(1 for r in results if r.ok),
        "refused": sum(1 for r in results if not r.ok),
        "refusal_codes": sorted({m.message_code for r in results for m in r.errors}),
        "calls": calls,
        "elapsed": elapsed,
        "peak": peak,
    }


def report(stats, out=sys.stdout):
    total = sum(stats["calls"].values())
    listed = stats["listed"] or 1
    lines = [
        "orders generated:      %d" % stats["generated"],
        "orders listed:         %d (all generated orders: %s)"
        % (stats["listed"], stats["all_listed"]),
        "orders fetched:        %d" % stats["fetched"],
        "confirmOrder targets:  %d at 100 -> %d confirmed, %d refused %s"
        % (
            stats["to_confirm"],
            stats["confirmed"],
            stats["refused"],
            ", ".join(stats["refusal_codes"]) or "",
        ),
        "calls by endpoint:     %s"
        % ", ".join(
            "%s=%d" % (name, count) for name, count in sorted(stats["calls"].items())
        ),
        "calls total:           %d" % total,
        "calls per 1,000 orders: %.1f" % (total * 1000.0 / listed),
        "elapsed:               %.3f s" % stats["elapsed"],
        "orders/s:              %.0f"
        % (stats["listed"] / stats["elapsed"] if stats["elapsed"] else 0),
        "peak memory:           %.1f MiB (tracemalloc, sandbox included; traced run %.3f s)"
        % (stats["peak"] / 2**20, stats["traced_elapsed"]),
        "at 1 request/s (RMS):  >= %d s" % total,
    ]
    out.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders", type=int, default=2500, help="orders to generate (default 2500)"
    )
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    parser.add_argument(
        "--min-interval",
        type=float,
        default=0.0,
        help="client pacing in seconds between calls (default 0: no pacing)",
    )
    args = parser.parse_args(argv)
    if args.orders < 0:
        parser.error("--orders must be >= 0")
    # Two identical runs on fresh sandboxes: one timed, one traced (tracemalloc slows Python
    # down several times, so timing a traced run would measure tracemalloc).
    stats = run(args.orders, args.seed, args.min_interval)
    traced = run(args.orders, args.seed, args.min_interval, trace=True)
    stats["peak"] = traced["peak"]
    stats["traced_elapsed"] = traced["elapsed"]
    report(stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
