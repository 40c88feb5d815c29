#!/usr/bin/env python3
"""Take the screenshots of static/description/ from a running demo (tools/demo.py).

    python3 tools/demo.py &                    # wait until it prints where to log in
    python3 tools/demo_screenshots.py          # writes static/description/screenshot_*.png

Drives headless Chromium (Debian's /usr/bin/chromium, or --chrome) over the DevTools
protocol (``websocket-client``), logged in as the demo's admin, who reads Japanese (install a
Japanese font first, e.g. Debian's fonts-noto-cjk, or the Japanese text shows as boxes).
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Browser:
    """Just enough of the DevTools protocol: navigate, run JavaScript, take a screenshot."""

    def __init__(self, chrome, width, height):
        self.profile = tempfile.mkdtemp(prefix="sale_rakuten_shots.")
        self.proc = subprocess.Popen(
            [
                chrome,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=%s" % self.profile,
                "--lang=ja-JP",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=dict(
                os.environ, TZ="Asia/Tokyo"
            ),  # the web client shows times in the browser's zone
        )
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _attempt in range(100):
            if os.path.exists(port_file) and os.path.getsize(port_file) > 3:
                break
            time.sleep(0.1)
        port = int(open(port_file, encoding="ascii").readline())
        pages = [
            t
            for t in requests.get(
                "http://127.0.0.1:%d/json/list" % port, timeout=5
            ).json()
            if t["type"] == "page"
        ]
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})

    def js(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError("%s: %s" % (expression, result["exceptionDetails"]))
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        probe = (
            "!!document.querySelector(%s)"
            " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
            % json.dumps(selector)
        )
        while time.time() < deadline:
            if self.js(probe):
                return
            time.sleep(0.2)
        raise RuntimeError("timed out waiting for %s" % selector)

    def click(self, selector, text=None):
        """Click the first element matching ``selector`` (whose text contains ``text``)."""
        self.wait_for(selector)
        found = self.js(
            "(() => { const el = [...document.querySelectorAll(%s)]"
            ".find(e => !%s || e.textContent.includes(%s));"
            " if (el) { el.click(); } return !!el; })()"
            % (json.dumps(selector), json.dumps(text), json.dumps(text))
        )
        if not found:
            raise RuntimeError("nothing to click: %s %s" % (selector, text or ""))

    def screenshot(self, path):
        time.sleep(1.0)  # let the last renders and transitions settle
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="sale_rakuten_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--chrome",
        default=shutil.which("chromium") or shutil.which("google-chrome") or "chromium",
    )
    parser.add_argument(
        "--out", default=os.path.join(ADDON_DIR, "static", "description")
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=860)
    args = parser.parse_args(argv)

    session = requests.Session()
    auth = session.post(
        args.url + "/web/session/authenticate",
        timeout=30,
        json={
            "jsonrpc": "2.0",
            "params": {"db": args.db, "login": args.login, "password": args.password},
        },
    )
    if auth.json().get("error") or "session_id" not in session.cookies:
        sys.exit("cannot log in to %s as %s" % (args.url, args.login))

    def search(model, domain, order="id desc"):
        reply = session.post(
            args.url + "/web/dataset/call_kw",
            timeout=30,
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": model,
                    "method": "search",
                    "args": [domain],
                    "kwargs": {"limit": 1, "order": order},
                },
            },
        ).json()
        if reply.get("error") or not reply.get("result"):
            sys.exit(
                "nothing found for %s %s: %s" % (model, domain, reply.get("error"))
            )
        return reply["result"][0]

    team_id = search("crm.team", [("rakuten_active", "=", True)], order="id")
    order_id = search(
        "sale.order", [("rakuten_slip_state", "=", "to_confirm")], order="id"
    )
    ready_id = search(
        "sale.order",
        [("rakuten_slip_state", "=", "ready"), ("rakuten_point_amount", ">", 0)],
    )
    log_id = search(
        "rakuten.sync.log",
        [("kind", "=", "import"), ("count_imported", ">", 0)],
        order="id",
    )

    browser = Browser(args.chrome, args.width, args.height)
    try:
        browser.call("Network.enable")
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=args.url + "/",
            path="/",
        )
        shots = []

        def shot(name, path, ready, *clicks, height=None, width=None):
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=width or args.width,
                height=height or args.height,
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.call("Page.navigate", url=args.url + path)
            browser.wait_for(ready)
            for click in clicks:
                browser.click(*click)
                time.sleep(0.8)
            target = os.path.join(args.out, "screenshot_%s.png" % name)
            browser.screenshot(target)
            shots.append(target)

        shot(
            "orders",
            "/odoo/action-sale_rakuten.action_rakuten_orders",
            ".o_list_view .o_group_header",
            (".o_list_view .o_group_header", "確認待ち"),
        )
        shot(
            "order_to_confirm",
            "/odoo/action-sale_rakuten.action_rakuten_orders/%d" % order_id,
            ".o_form_view .alert-warning",
        )
        shot(
            "order_rakuten",
            "/odoo/action-sale_rakuten.action_rakuten_orders/%d" % ready_id,
            ".o_form_view .o_notebook a[name=rakuten]",
            (".o_form_view .o_notebook a[name=rakuten]",),
            height=1320,
        )
        shot(
            "channel",
            "/odoo/action-sales_team.crm_team_action_config/%d" % team_id,
            ".o_form_view .o_notebook a[name=rakuten]",
            (".o_form_view .o_notebook a[name=rakuten]",),
            height=1250,
        )
        shot(
            "sync_log",
            "/odoo/action-sale_rakuten.rakuten_sync_log_action/%d" % log_id,
            ".o_form_view .o_field_widget[name=count_imported]",
            height=1000,
            width=1600,
        )
    finally:
        browser.close()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
