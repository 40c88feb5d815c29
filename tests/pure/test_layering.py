"""Layering rules, checked on the source (AST) and at import time.

* rms/ is pure Python: it imports the standard library, requests and urllib3, and its own
  modules, relatively. Never odoo, never the addon package, never ``rms`` absolutely.
* tools/rms_sandbox/ is an independent emulator: standard library only (not rms/, not
  requests), so testing the client against it is not testing the client against itself. Its
  modules import each other relatively (or as ``tools.rms_sandbox``), never anything else.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RMS = ROOT / "rms"
SANDBOX = ROOT / "tools" / "rms_sandbox"
SANDBOX_MODULES = sorted(SANDBOX.rglob("*.py"))
STDLIB = frozenset(sys.stdlib_module_names)
RMS_THIRD_PARTY = frozenset({"requests", "urllib3"})
RMS_MODULES = sorted(RMS.glob("*.py"))


def imports(source, filename="<source>"):
    """Every import of ``source`` as (level, module, names, line), nested ones included,
    plus dynamic imports (``__import__``, ``importlib.import_module``) as level -1."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append(
                (
                    node.level,
                    node.module or "",
                    tuple(a.name for a in node.names),
                    node.lineno,
                )
            )
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in ("__import__", "import_module"):
                found.append((-1, name, (), node.lineno))
    return found


def rms_violations(source, filename="<source>"):
    """Import rules of a module inside rms/; returns a list of problems."""
    problems = []
    local = {p.stem for p in RMS_MODULES}
    for level, module, names, line in imports(source, filename):
        where = "%s:%d" % (filename, line)
        top = module.split(".")[0]
        if level == -1:
            problems.append("%s dynamic import (%s)" % (where, module))
        elif level == 0:
            if top not in STDLIB and top not in RMS_THIRD_PARTY:
                problems.append(
                    "%s imports %s (outside rms/, stdlib, requests, urllib3)"
                    % (where, module)
                )
        elif level == 1:
            targets = [top] if module else list(names)
            for target in targets:
                if target not in local:
                    problems.append(
                        "%s relative import of %r, not a module of rms/"
                        % (where, target)
                    )
        else:
            problems.append(
                "%s relative import leaves rms/ (level %d)" % (where, level)
            )
    return problems


def sandbox_violations(source, filename="<source>", depth=0):
    """Import rules of a module of the sandbox package, ``depth`` folders below its root
    (0: tools/rms_sandbox/x.py, 1: tools/rms_sandbox/operations/x.py)."""
    problems = []
    for level, module, _names, line in imports(source, filename):
        where = "%s:%d" % (filename, line)
        if level == -1:
            problems.append("%s dynamic import (%s)" % (where, module))
        elif level > depth + 1:
            problems.append(
                "%s relative import leaves the sandbox package (level %d)"
                % (where, level)
            )
        elif level >= 1:
            continue  # a module of the package itself
        elif (
            module != "tools.rms_sandbox"
            and not module.startswith("tools.rms_sandbox.")
            and module.split(".")[0] not in STDLIB
        ):
            problems.append(
                "%s imports %s (not the standard library)" % (where, module)
            )
    return problems


# --- the checkers themselves catch what they must -----------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "import odoo",
        "from odoo import models",
        "from odoo.tools import float_round",
        "import sale_rakuten.rms.codes",
        "from rms import codes",  # absolute self-import
        "from rms.codes import JST",
        "from .. import models",  # leaves rms/
        "from ..models import crm_team",
        "from .nonexistent import x",
        "import yaml",
        "def f():\n    import odoo\n",  # nested import
        "import importlib\nimportlib.import_module('odoo')",
        "__import__('odoo')",
    ],
)
def test_rms_checker_rejects(source):
    assert rms_violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "import json\nimport re\nfrom datetime import datetime",
        "import requests\nfrom requests.adapters import HTTPAdapter\n"
        "from urllib3.util.retry import Retry",
        "from .codes import JST\nfrom . import order",
    ],
)
def test_rms_checker_accepts(source):
    assert rms_violations(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "import rms.client",
        "from rms import codes",
        "import requests",
        "from .. import models",
        "from ...rms import client",
        "import odoo",
        "import tools.demo",
        "__import__('rms')",
        "def f():\n    import requests\n",
    ],
)
def test_sandbox_checker_rejects(source):
    assert sandbox_violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "import json\nfrom http.server import HTTPServer",
        "from . import catalog\nfrom .common import JST",
        "from tools.rms_sandbox.state import RmsSandbox",
    ],
)
def test_sandbox_checker_accepts(source):
    assert sandbox_violations(source) == []


# --- the real files ---------------------------------------------------------------------------
def test_rms_package_has_modules():
    assert {"client", "codes", "order", "rules", "mapping"} <= {
        p.stem for p in RMS_MODULES
    }


@pytest.mark.parametrize("path", RMS_MODULES, ids=lambda p: p.name)
def test_rms_module_imports(path):
    assert (
        rms_violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        == []
    )


@pytest.mark.parametrize("path", RMS_MODULES, ids=lambda p: p.name)
def test_rms_modules_import_each_other_relatively(path):
    source = path.read_text(encoding="utf-8")
    for level, module, _names, line in imports(source):
        top = module.split(".")[0]
        if level == 0:
            assert top not in ("rms", "sale_rakuten", "odoo", "tools"), "%s:%d" % (
                path.name,
                line,
            )


def test_rms_modules_do_use_relative_imports():
    relative = {
        p.name
        for p in RMS_MODULES
        if any(level == 1 for level, *_ in imports(p.read_text(encoding="utf-8")))
    }
    assert {"client.py", "order.py", "mapping.py"} <= relative


def test_sandbox_is_a_package_of_modules():
    names = {str(p.relative_to(SANDBOX)) for p in SANDBOX_MODULES}
    assert {
        "__init__.py",
        "__main__.py",
        "server.py",
        "state.py",
        "generator.py",
        "faults.py",
        "operations/orders.py",
        "operations/items.py",
        "operations/inventory.py",
    } <= names
    assert not (ROOT / "tools" / "rms_sandbox.py").exists()


@pytest.mark.parametrize(
    "path", SANDBOX_MODULES, ids=lambda p: str(p.relative_to(SANDBOX))
)
def test_sandbox_imports_only_the_standard_library(path):
    depth = len(path.relative_to(SANDBOX).parts) - 1
    assert (
        sandbox_violations(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), depth
        )
        == []
    )


def test_no_subpackages_escape_the_check():
    assert [p for p in RMS.rglob("*.py") if p.parent != RMS] == []


# --- at import time -----------------------------------------------------------------------
def run_python(code):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rms_imports_with_odoo_unavailable():
    modules = ", ".join("rms.%s" % p.stem for p in RMS_MODULES if p.stem != "__init__")
    code = (
        "import sys\n"
        "sys.modules['odoo'] = None; sys.modules['sale_rakuten'] = None\n"  # any import fails
        "import %s\n"
        "bad = sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('odoo', 'sale_rakuten', 'tools')"
        " and sys.modules[m] is not None)\n"
        "assert not bad, bad\n" % modules
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_sandbox_loads_neither_rms_nor_requests():
    code = (
        "import sys\n"
        "for name in ('rms', 'requests', 'urllib3', 'odoo'):\n"
        "    sys.modules[name] = None\n"
        "import tools.rms_sandbox\n"
        "import tools.rms_sandbox.__main__\n"
        "loaded = sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('rms', 'requests', 'urllib3', 'odoo')"
        " and sys.modules[m] is not None)\n"
        "assert not loaded, loaded\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
