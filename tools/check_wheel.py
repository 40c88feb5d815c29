"""Build the wheel from a fresh clone named sale_rakuten and check what it holds.

    python3 tools/check_wheel.py [--keep DIR]

Clones the committed HEAD of this checkout into a temporary folder ``sale_rakuten``, runs
``pip wheel --no-deps .`` there (pip fetches whool from PyPI into its isolated build
environment), prints the wheel's files by folder and fails when the wheel is not named
odoo_addon_sale_rakuten, misses a tracked file that is not a development file, holds a
development file (``[tool.sale_rakuten.wheel] exclude`` of pyproject.toml) or lacks a
module of tools/ that the tests import.
"""

# A command-line script: it reports to its terminal.
# pylint: disable=print-used

import argparse
import collections
import fnmatch
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import tomllib

ADDON = "sale_rakuten"
PREFIX = f"odoo/addons/{ADDON}/"


def excluded(rel, patterns):
    for pattern in patterns:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatchcase(part + "/", pattern) for part in _parents(rel)):
                return True
        elif fnmatch.fnmatchcase(rel, pattern):
            return True
    return False


def _parents(rel):
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="copy the wheel into this folder")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    head = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=root, text=True)
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / ADDON
        subprocess.run(["git", "clone", "--quiet", str(root), str(clone)], check=True)
        subprocess.run(
            ["git", "checkout", "--quiet", "--detach", head.strip()],
            cwd=clone,
            check=True,
        )
        dist = Path(tmp) / "dist"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
            + ["--disable-pip-version-check", "-w", str(dist), "."],
            cwd=clone,
            check=True,
        )
        wheels = list(dist.glob("*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one wheel, pip built {[w.name for w in wheels]}")
        wheel = wheels[0]
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            (Path(args.keep) / wheel.name).write_bytes(wheel.read_bytes())
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
        tracked = subprocess.check_output(
            ["git", "ls-files"], cwd=clone, text=True
        ).split()
        pyproject = tomllib.loads((clone / "pyproject.toml").read_text())
        patterns = pyproject["tool"][ADDON]["wheel"]["exclude"]
        tests = [p for p in tracked if p.startswith("tests/") and p.endswith(".py")]
        imported = set()
        for path in tests:
            text = (clone / path).read_text(encoding="utf-8")
            imported |= set(
                re.findall(
                    r"^\s*from (?:odoo\.addons\.sale_rakuten\.)?"
                    r"tools(?:\.(\w+))? import (\w+)",
                    text,
                    re.M,
                )
            )

    if not re.fullmatch(
        rf"odoo_addon_{ADDON}-18\.0\.[\w.]+-py3-none-any\.whl", wheel.name
    ):
        errors.append(f"wheel named {wheel.name}")
    files = [n[len(PREFIX) :] for n in names if n.startswith(PREFIX)]
    others = [n for n in names if not n.startswith(PREFIX) and ".dist-info/" not in n]
    errors += [f"outside the addon: {n}" for n in others]
    errors += [f"development file packed: {f}" for f in files if excluded(f, patterns)]
    wanted = {f for f in tracked if not excluded(f, patterns) and f != "pyproject.toml"}
    errors += [f"tracked file missing: {f}" for f in sorted(wanted - set(files))]
    errors += [f"untracked file packed: {f}" for f in sorted(set(files) - wanted)]
    for module, name in sorted(imported):
        module = module or name
        if not any(
            f in files for f in (f"tools/{module}.py", f"tools/{module}/__init__.py")
        ):
            errors.append(f"tools.{module}, imported by the tests, is not in the wheel")

    print(f"{wheel.name}: {len(files)} files under {PREFIX}")
    by_folder = collections.Counter(f.split("/")[0] if "/" in f else "." for f in files)
    for folder, count in sorted(by_folder.items()):
        print(f"  {folder + '/' if folder != '.' else '(root)'}: {count}")
    print(
        "  tools/: " + ", ".join(sorted(f[6:] for f in files if f.startswith("tools/")))
    )
    print("  (root): " + ", ".join(sorted(f for f in files if "/" not in f)))
    for error in errors:
        print("WHEEL: " + error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
