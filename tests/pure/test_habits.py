"""The repository's habits: the commit-msg hook and the wheel's exclusion patterns."""

import importlib.util
import os
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]


def load(relpath, name):
    spec = importlib.util.spec_from_file_location(name, ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


commit_msg = load(".ci/check_commit_msg.py", "check_commit_msg")
check_wheel = load("tools/check_wheel.py", "check_wheel")


@pytest.mark.parametrize(
    "message, error",
    [
        ("Import: one lock per channel\n\nWhy it matters.\n", None),
        ("x" * 72 + "\n", None),
        ("x" * 73 + "\n", "subject is 73 characters, at most 72"),
        ("# git's comment\n\nShort subject\n", None),
        ("Subject\nbody without a blank line\n", "followed by a blank line"),
        ("\n# only comments\n", "empty commit message"),
        (
            "Merge branch 'jobs' into integ, with a subject git made far too long for us\n",
            None,
        ),
    ],
)
def test_commit_subject(message, error):
    found = commit_msg.check(message)
    if error is None:
        assert found is None
    else:
        assert error in found


def test_commit_msg_hook_exit_status(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text("Short subject\n\nBody.\n", encoding="utf-8")
    bad.write_text("y" * 80 + "\n", encoding="utf-8")
    assert commit_msg.main(["hook", os.fspath(good)]) == 0
    assert commit_msg.main(["hook", os.fspath(bad)]) == 1


def patterns():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["sale_rakuten"]["wheel"]["exclude"]


@pytest.mark.parametrize(
    "path",
    [
        ".ci/run",
        ".ci/whool_backend.py",
        ".ruff.toml",
        ".pylintrc-mandatory",
        ".pre-commit-config.yaml",
        "CONTRIBUTING.md",
        "requirements-test.txt",
        "requirements-lint.txt",
        "tools/bench_import.py",
        "tools/bench_client.py",
        "tools/bench_parallel.py",
        "tools/check_uninstall.py",
        "tools/check_wheel.py",
        "tools/run_tests.sh",
        "tools/lint.sh",
        "tools/demo_screenshots.py",
    ],
)
def test_development_files_stay_out_of_the_wheel(path):
    assert check_wheel.excluded(path, patterns())


@pytest.mark.parametrize(
    "path",
    [
        "__manifest__.py",
        "README.rst",
        "readme/HISTORY.md",
        "models/rakuten_sync.py",
        "rms/client.py",
        "i18n/ja.po",
        "static/description/index.html",
        "tests/common.py",
        "tests/pure/test_rules.py",
        "tests/fixtures/order_drug.json",
        "tools/__init__.py",
        "tools/rms_sandbox.py",
        "tools/rms_sandbox/server.py",
        "tools/hostile_orders.py",
        "tools/cron_workers.py",
        "tools/demo.py",
    ],
)
def test_the_addon_and_its_test_support_stay_in(path):
    assert not check_wheel.excluded(path, patterns())


def test_backend_prunes_the_same_paths(tmp_path, monkeypatch):
    pytest.importorskip("whool")
    monkeypatch.syspath_prepend(os.fspath(ROOT / ".ci"))
    backend = load(".ci/whool_backend.py", "whool_backend")
    for rel in ("__manifest__.py", ".ci/run", "tools/bench_import.py", "tools/demo.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("", encoding="utf-8")
    backend._prune(tmp_path, patterns())
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert left == ["__manifest__.py", "tools", "tools/demo.py"]
