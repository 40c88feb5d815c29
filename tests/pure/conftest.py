"""Pure tier: plain pytest, no Odoo.

Puts the addon root on sys.path so the tests import ``rms`` and
``tools.rms_sandbox`` as top-level packages, exactly as a script would.
"""

import os
import sys

ADDON_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
if ADDON_ROOT not in sys.path:
    sys.path.insert(0, ADDON_ROOT)

FIXTURES = os.path.join(ADDON_ROOT, "tests", "fixtures")

# Fuzz suites (test_fuzz.py): hypothesis profiles, and the count of cases tried, printed at
# the end of the run. "ci" (the default) is derandomized: every run tries the same cases, in
# bounded time; HYPOTHESIS_PROFILE=dev draws new ones, more of them.
import collections  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.register_profile(
    "dev", settings.get_profile("ci"), max_examples=2000, derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FUZZ_CASES = collections.Counter()


def _fuzz_cases():
    return FUZZ_CASES


import pytest  # noqa: E402

fuzz_cases = pytest.fixture(scope="session")(_fuzz_cases)


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES:
        terminalreporter.write_sep("-", "fuzz cases tried")
        for name, count in sorted(FUZZ_CASES.items()):
            terminalreporter.write_line("%6d  %s" % (count, name))
