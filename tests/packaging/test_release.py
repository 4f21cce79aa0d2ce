"""What a release needs: one version, written once, and CHANGELOG.md naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import botocore_sso_provider
from botocore_sso_provider import __version__
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit

HEADING = re.compile(r"^## (\S+) \((.*)\)$", re.MULTILINE)
RELEASE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def version_key(version: str) -> tuple[int, ...]:
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"CHANGELOG.md: {version!r} is not X.Y.Z"
    return tuple(int(part) for part in version.split("."))


def test_the_newest_changelog_heading_is_this_version_and_only_it_may_be_unreleased() -> None:
    headings = HEADING.findall((REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert headings, "CHANGELOG.md has no '## X.Y.Z (unreleased)' or '## X.Y.Z (YYYY-MM-DD)' heading"
    assert headings[0][0] == __version__, "bump _version.py and CHANGELOG.md together"
    versions = [version_key(version) for version, _ in headings]
    assert versions == sorted(set(versions), reverse=True), "newest first, each version once"
    assert headings[0][1] == "unreleased" or RELEASE_DATE.fullmatch(headings[0][1])
    for version, when in headings[1:]:
        assert RELEASE_DATE.fullmatch(when), f"{version} is not the newest, so it was released: give its date"


def test_the_version_is_written_only_in_version_py() -> None:
    """Nowhere else in the build files or the package (the one imported: CI's wheel run imports the wheel)."""
    literal = re.compile(rf"""["']{re.escape(__version__)}["']|version\s*=\s*{re.escape(__version__)}\b""")
    package = Path(botocore_sso_provider.__file__).parent
    places = [REPO_ROOT / "setup.cfg", REPO_ROOT / "setup.py", REPO_ROOT / "pyproject.toml"]
    places += sorted(package.rglob("*.py"))
    written = [path.name for path in places if literal.search(path.read_text(encoding="utf-8"))]
    assert written == ["_version.py"]
