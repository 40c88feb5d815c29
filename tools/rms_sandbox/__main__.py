"""Command line: ``python -m tools.rms_sandbox`` (from the addon's root) or
``python tools/rms_sandbox`` run a demo sandbox in the foreground."""

import argparse
import contextlib
import os
import sys
import time

if __package__:
    from .state import RmsSandbox
else:  # python tools/rms_sandbox: a directory run as a script has no package
    sys.path[0] = os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    )
    from tools.rms_sandbox.state import RmsSandbox


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the local RMS emulator (order, Item and Inventory APIs; demo)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument(
        "--orders", type=int, default=200, help="orders to generate at start"
    )
    parser.add_argument(
        "--hours", type=float, default=24, help="spread order times over these hours"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--secret", default="sandbox-secret", help="demo service secret"
    )
    parser.add_argument("--key", default="sandbox-key", help="demo license key")
    parser.add_argument(
        "--every",
        type=float,
        default=0,
        help="place 1 to 3 new orders every this many seconds (0: never)",
    )
    parser.add_argument(
        "--items",
        type=int,
        default=0,
        help="generated catalogue items to add to the fixed ones (with stock)",
    )
    parser.add_argument(
        "--bulk-edit",
        action="store_true",
        help="the shop has 商品一括編集機能 (items.get and items.bulk-get answer)",
    )
    parser.add_argument(
        "--not-migrated",
        action="store_true",
        help="the shop has not migrated to SKUs (inventory writes answer IE1105, "
        "shop.operationLeadTime.get C008)",
    )
    parser.add_argument("--verbose", action="store_true", help="log request lines")
    args = parser.parse_args(argv)
    sandbox = RmsSandbox(
        args.secret, args.key, host=args.host, port=args.port, seed=args.seed
    )
    sandbox.verbose = args.verbose
    sandbox.item_bulk_edit = args.bulk_edit
    sandbox.sku_migrated = not args.not_migrated
    if args.items > 0:
        sandbox.generate_catalog(args.items)
    sandbox.generate_orders(args.orders, hours=args.hours)
    url = sandbox.start()
    if args.every > 0:
        sandbox.start_order_feed(args.every)
    # Demo credentials only: printing them is the point of this command.
    # pylint: disable-next=print-used
    print("RMS sandbox listening on %s" % url, flush=True)
    # pylint: disable-next=print-used
    print(
        "service secret: %s  license key: %s  orders: %d"
        % (args.secret, args.key, args.orders),
        flush=True,
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the demo stops
            while True:
                time.sleep(3600)
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
