"""Build backend: whool, less the development files listed in pyproject.toml.

whool packs every file ``git ls-files`` lists in the addon folder (or, when building from
an sdist, every file of the sdist). OCA addons sit in a subfolder of their repository, so
the repository's tooling stays out of their wheels; here the repository root is the addon,
so the CI scripts, lint configuration, contributor guide and benchmarks would be packed
too. This backend runs whool unchanged and, for wheels only, removes from the copied addon
the paths matching ``[tool.sale_rakuten.wheel] exclude`` (shell patterns relative to the
addon root; a pattern ending in ``/`` names a folder). The sdist stays a full source tree,
this file included, so that a wheel built from it is filtered the same way.
"""

import fnmatch
import shutil
from pathlib import Path

from whool import buildapi as _whool
from whool.buildapi import (  # noqa: F401  (the PEP 517 hooks we do not change)
    build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)
from whool.utils import load_pyproject_toml

ADDON_NAME = "sale_rakuten"


def _excluded(addon_dir):
    options = load_pyproject_toml(addon_dir).get("tool", {}).get(ADDON_NAME, {})
    return options.get("wheel", {}).get("exclude", [])


def _prune(dst, patterns):
    """Remove from ``dst`` the files and folders matching one of ``patterns``."""
    for path in sorted(dst.rglob("*"), reverse=True):
        if not path.exists() and not path.is_symlink():
            continue
        rel = path.relative_to(dst).as_posix()
        for pattern in patterns:
            if pattern.endswith("/"):
                hit = path.is_dir() and fnmatch.fnmatchcase(rel + "/", pattern)
            else:
                hit = fnmatch.fnmatchcase(rel, pattern)
            if hit:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                break


def _check_folder_name(addon_dir):
    # whool names the distribution after the folder: a clone named otherwise would
    # build (and install) an addon of another name.
    if addon_dir.name != ADDON_NAME and not (addon_dir / "PKG-INFO").exists():
        raise RuntimeError(
            f"the addon folder is named {addon_dir.name!r}: clone the repository as "
            f"{ADDON_NAME!r} to build odoo-addon-{ADDON_NAME}"
        )


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    addon_dir = Path.cwd()
    _check_folder_name(addon_dir)
    patterns = _excluded(addon_dir)
    whool_copy_to = _whool._copy_to

    def copy_to(src, dst):
        whool_copy_to(src, dst)
        _prune(dst, patterns)

    _whool._copy_to = copy_to
    try:
        return _whool.build_wheel(wheel_directory, config_settings, metadata_directory)
    finally:
        _whool._copy_to = whool_copy_to


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # An editable install links the checkout itself: nothing to filter.
    _check_folder_name(Path.cwd())
    return _whool.build_editable(wheel_directory, config_settings, metadata_directory)
