"""Pure tier: plain pytest, no Odoo.

Puts the addon root on sys.path so the tests import ``rms`` and
``tools.rms_sandbox`` as top-level packages, exactly as a script would.
"""
import os
import sys

ADDON_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ADDON_ROOT not in sys.path:
    sys.path.insert(0, ADDON_ROOT)

FIXTURES = os.path.join(ADDON_ROOT, "tests", "fixtures")
