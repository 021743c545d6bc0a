"""The wheel carries everything `stretchbot run` needs: every package and all of content/.

The packages are listed in pyproject.toml (not found automatically) because content/ is
mapped in as the package data of `bot.content_files`; these checks keep the list and the
patterns complete. `scripts/wheel_smoke.py` (run by .ci/run) installs the built wheel in a
fresh venv and starts the bot from an empty folder.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.config import PACKAGED_CONTENT, default_content_dir

REPO = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_on_disk_is_listed() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("bot", "loopback")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert on_disk, "found the packages"
    assert on_disk <= set(SETUPTOOLS["packages"]), on_disk - set(SETUPTOOLS["packages"])


def test_every_content_file_is_package_data() -> None:
    assert SETUPTOOLS["package-dir"]["bot.content_files"] == "content"
    patterns = SETUPTOOLS["package-data"]["bot.content_files"]
    content = REPO / "content"
    files = [p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file()]
    assert any(name.endswith(".png") for name in files) and "safety.yaml" in files
    covered = {
        p.relative_to(content).as_posix() for pattern in patterns for p in content.glob(pattern)
    }
    assert sorted(set(files) - covered) == [], "content files the wheel would leave out"


def test_a_checkout_reads_content_where_people_edit_it() -> None:
    assert not PACKAGED_CONTENT.exists()  # only an installed wheel has bot/content_files
    assert default_content_dir() == REPO / "content"
