"""The README is the front door and PyPI's long description: short, first the two commands, and
every link absolute (PyPI resolves no relative link) and pointing at a page the site has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SITE = "https://botocore-sso-provider.readthedocs.io/en/latest/"
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")


def _links() -> list[str]:
    return [inline or bare for inline, bare in LINK.findall(README.read_text(encoding="utf-8"))]


def test_the_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_readme_starts_with_the_demo_and_the_tests() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].endswith("botocore-sso demo")
    assert "'.[test]'" in first_block[1] and "pytest" in first_block[1]
    # .ci/run runs the first line that names the test extra, as written
    assert next(line for line in text.splitlines() if "'.[test]'" in line) == first_block[1]


def test_every_link_is_absolute_so_that_it_works_on_pypi() -> None:
    links = _links()
    assert links
    assert [link for link in links if not link.startswith("https://")] == []


def test_every_link_into_the_site_names_a_page_it_has() -> None:
    pages = [link[len(SITE) :].split("#")[0] for link in _links() if link.startswith(SITE)]
    assert pages
    missing = [page for page in pages if page and not (ROOT / "docs" / page).with_suffix(".md").is_file()]
    assert missing == []


def test_contributing_says_how_to_build_the_site_as_ci_does() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "pip install -e '.[docs]'" in text
    assert "sphinx-build -W --keep-going -b html docs" in text
