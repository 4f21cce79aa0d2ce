"""The built documentation site: a complete reference, and a site that works opened from its directory.

The reference pages are generated from the code (docs/_ext); these tests read
the built HTML, so they also catch a page that no longer calls its directive,
or a directive that skips something: every command and option of the real
parser, every environment variable, config key and public error. And the site
needs no network (no script, stylesheet, image or CSS ``url()`` from http(s))
and every link between its pages resolves to a file of the build.

The site is the one in ``BOTOCORE_SSO_DOCS_BUILD`` (CI's step 7 builds it
first, with warnings as errors), else built here once, the same way.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from tests.conftest import REPO_ROOT

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")
pytest.importorskip("furo")

from docutils.nodes import make_id  # Sphinx's: the ids the directives give

from botocore_sso_provider import errors, settings
from botocore_sso_provider.cli.main import build_parser
from botocore_sso_provider.rules.profiles import CONFIG_KEYS

pytestmark = pytest.mark.docs

DOCS = REPO_ROOT / "docs"


class Page(HTMLParser):
    """One built page: its text, the text of each section by id, and every address it refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: List[str] = []
        self.sections: Dict[str, List[str]] = {}
        self.ids: set[str] = set()
        self.references: List[Tuple[str, str, str]] = []
        """(tag, attribute, address) of every href and src."""
        self.styles: List[str] = []
        """Inline CSS: <style> contents and style attributes."""
        self._open: List[Optional[str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "section":
            self._open.append(values.get("id"))
            if values.get("id"):
                self.sections.setdefault(values["id"], [])
        for name in ("href", "src"):
            if name in values:
                self.references.append((tag, name, values[name]))
        if "style" in values:
            self.styles.append(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._open:
            self._open.pop()
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            return
        self.text.append(data)
        for section in self._open:
            if section:
                self.sections[section].append(data)

    def section_text(self, section_id: str) -> Optional[str]:
        found = self.sections.get(section_id)
        return None if found is None else " ".join(found)

    def all_text(self) -> str:
        return " ".join(self.text)


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _section(page: Page, label: str) -> str:
    """The text of the section a reference label names; empty if the page has none."""
    return page.section_text(make_id(label)) or ""


def _has_word(text: str, word: str) -> bool:
    """``word`` stands alone in ``text`` (``--profile`` is not found in ``--profile-name-template``)."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def missing_from_commands_page(parser: argparse.ArgumentParser, page: Page) -> List[str]:
    """What of ``parser`` the built commands page lacks: commands (by label) and their arguments.

    Each command needs its section (``command-<name>``) holding each option
    string of its arguments (positionals: their metavar or name); options
    hidden from ``--help`` (each command's ``--debug``) need only be on the page.
    """
    missing = []
    commands: Dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands = dict(action.choices)
        elif action.option_strings:
            missing += [
                f"global option {word}"
                for word in action.option_strings
                if not _has_word(page.all_text(), word)
            ]
    for name, command in commands.items():
        text = page.section_text(make_id(f"command-{name}"))
        if text is None:
            missing.append(f"command {name} (no section command-{name})")
            continue
        for action in command._actions:
            hidden = action.help == argparse.SUPPRESS
            where = page.all_text() if hidden else text
            words = action.option_strings or [action.metavar or action.dest]
            missing += [
                f"{name}: {word}" for word in words if isinstance(word, str) and not _has_word(where, word)
            ]
    return missing


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: BOTOCORE_SSO_DOCS_BUILD's, else one built here with warnings as errors."""
    given = os.environ.get("BOTOCORE_SSO_DOCS_BUILD")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("docs-html")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout}\n{done.stderr}"
    return out


def _pages(site: Path) -> Iterator[Path]:
    return iter(sorted(site.rglob("*.html")))


def test_every_command_and_option_is_in_the_reference(site: Path) -> None:
    page = read_page(site / "reference" / "commands.html")
    assert missing_from_commands_page(build_parser(), page) == []


def test_an_option_missing_from_the_reference_is_caught(site: Path) -> None:
    """The check itself: a flag or a command the built page has never seen is reported."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands.choices["login"].add_argument("--fake-flag", action="store_true", help="not documented")
    commands.add_parser("fake-command", help="not documented")
    page = read_page(site / "reference" / "commands.html")
    assert missing_from_commands_page(parser, page) == [
        "login: --fake-flag",
        "command fake-command (no section command-fake-command)",
    ]


def test_every_environment_variable_is_in_the_reference(site: Path) -> None:
    page = read_page(site / "reference" / "environment.html")
    missing = [
        name for name, _, _ in settings.VARIABLES if not _has_word(_section(page, f"env-{name}"), name)
    ]
    assert missing == []


def test_every_config_key_is_in_the_reference(site: Path) -> None:
    page = read_page(site / "reference" / "config.html")
    missing = [
        key
        for key, _, _ in CONFIG_KEYS
        if not _has_word(page.section_text(make_id(f"config-{key}")) or "", key)
    ]
    assert missing == []


def test_every_public_error_is_in_the_reference(site: Path) -> None:
    page = read_page(site / "reference" / "errors.html")
    public = [
        value.__name__
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.SSOProviderError)
    ]
    assert len(public) > 10
    missing = [
        name for name in public if not _has_word(page.section_text(make_id(f"error-{name}")) or "", name)
    ]
    assert missing == []


_REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
_CSS_REMOTE_URL = re.compile(r"url\(\s*['\"]?\s*(https?:)?//", re.IGNORECASE)


def test_the_site_needs_no_network(site: Path) -> None:
    """No script, stylesheet, image, frame or font from elsewhere: links to other sites are fine."""
    remote = []
    for path in _pages(site):
        page = read_page(path)
        for tag, attribute, address in page.references:
            if tag != "a" and _REMOTE.match(address.strip()):
                remote.append(f"{path.relative_to(site)}: <{tag} {attribute}={address}>")
        remote += [f"{path.relative_to(site)}: {css}" for css in page.styles if _CSS_REMOTE_URL.search(css)]
    for path in sorted(site.rglob("*.css")):
        if _CSS_REMOTE_URL.search(path.read_text(encoding="utf-8", errors="replace")):
            remote.append(f"{path.relative_to(site)}: url() from the network")
    assert remote == []


def test_every_link_between_pages_resolves_to_a_file_of_the_build(site: Path) -> None:
    """Relative links to files that exist: the site works opened from its directory in a browser."""
    broken = []
    for path in _pages(site):
        for tag, attribute, address in read_page(path).references:
            address = address.strip()
            if not address or address.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", address, re.I):
                continue  # within the page, or another site (http:, mailto:), checked above for assets
            if address.startswith("/"):
                broken.append(f"{path.relative_to(site)}: <{tag} {attribute}={address}> is absolute")
                continue
            target = (path.parent / re.split(r"[#?]", address)[0]).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{path.relative_to(site)}: <{tag} {attribute}={address}>")
    assert broken == []


def test_the_reference_pages_are_built(site: Path) -> None:
    """Self-check: the pages the checks above read exist, and the parser reads them."""
    page = read_page(site / "reference" / "commands.html")
    assert "command-login" in page.ids
    assert page.section_text("command-login") is not None
