"""``populate``: one profile per account and role in the AWS config file, everything else kept.

The editor is our own, line based, rather than ``configupdater``: it only
needs to find section headers and a few ``key = value`` lines of the
sections it generated, and everything it does not own is copied through
byte for byte (comments, blank lines, order, indented sub-values, odd
spacing) without a parser that could normalise it or refuse a file botocore
accepts; and the package gains no dependency for one command. Which lines
are headers and which profile each names is botocore's answer
(``config_file``), so a hand-written ``[profile "x"]`` is never shadowed or
duplicated. Names from the portal are checked before they get here
(``portal.usable_accounts``), reach a header only through
:func:`safe_profile_name`, and every value written must be one line.

Generated sections carry ``botocore_sso_generated = <sso-session>`` (botocore
and the AWS CLI ignore unknown keys), so ``--prune`` can remove exactly
those whose account or role is gone and never a hand-written profile. A
generated section keeps its name for as long as its account and role
exist, so scripts naming it keep working when an account is renamed. A run
that changes nothing writes nothing; otherwise the old file is copied to
``<config>.bak`` and the new one replaces it (``config_file.replace_config_file``:
atomic, through a symlink, owner and mode kept).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from ..rules.terminal import printable
from ..store.config_file import (
    PROFILE,
    SectionName,
    header_lines,
    is_one_line_value,
    replace_config_file,
    section_name,
    split_lines,
)
from .portal import AccountAccess

MARKER_KEY = "botocore_sso_generated"
DEFAULT_TEMPLATE = "{account_name}.{role_name}"
RESERVED_NAMES = frozenset({"default"})
"""Never generated, even when free: a portal's account named "default" must not become the default profile."""

_KEY = re.compile(r"^(?P<key>[^\s=#;\[][^=]*?)[ \t]*=[ \t]*(?P<value>.*?)[ \t]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


@dataclass
class Section:
    """One ``[header]`` and the lines up to the next header, exactly as in the file."""

    header: str
    name: SectionName
    """What botocore makes of the header (``config_file.section_name``)."""
    lines: list[str] = field(default_factory=list)

    @property
    def profile_name(self) -> Optional[str]:
        """The profile this section defines, or None for sso-session, services and others."""
        return self.name.name if self.name.kind == PROFILE else None

    def value(self, key: str) -> Optional[str]:
        for line in self.lines:
            match = _KEY.match(line.rstrip("\r\n"))
            if match and match.group("key") == key:
                return match.group("value")
        return None

    def set_values(self, values: Sequence[tuple[str, str]], newline: str) -> None:
        """Give ``values`` to their keys in place; missing keys go after the last key line."""
        remaining = dict(values)
        last_key_line = -1
        for index, line in enumerate(self.lines):
            match = _KEY.match(line.rstrip("\r\n"))
            if match is None:
                continue
            last_key_line = index
            key = match.group("key")
            if key in remaining:
                wanted = remaining.pop(key)
                if match.group("value") != wanted:
                    self.lines[index] = f"{key} = {wanted}{_ending(line, newline)}"
        additions = [f"{key} = {value}{newline}" for key, value in values if key in remaining]
        if additions and last_key_line >= 0 and not self.lines[last_key_line].endswith("\n"):
            self.lines[last_key_line] += newline  # the file's last line had no line ending
        self.lines[last_key_line + 1 : last_key_line + 1] = additions

    def text(self) -> str:
        return self.header + "".join(self.lines)


@dataclass
class ConfigDocument:
    """A config file as a preamble and sections; ``text()`` gives back the same bytes."""

    preamble: list[str]
    sections: list[Section]
    newline: str = "\n"

    @classmethod
    def parse(cls, text: str, path: str) -> ConfigDocument:
        """The sections of ``text`` where botocore sees them (SSOConfigError if botocore would refuse it)."""
        newline = "\r\n" if "\r\n" in text else "\n"
        preamble: list[str] = []
        sections: list[Section] = []
        lines = split_lines(text)
        headers = header_lines(lines, path)
        for index, line in enumerate(lines):
            if index in headers:
                sections.append(Section(line, headers[index]))
            elif sections:
                sections[-1].lines.append(line)
            else:
                preamble.append(line)
        return cls(preamble, sections, newline)

    def text(self) -> str:
        return "".join(self.preamble) + "".join(section.text() for section in self.sections)

    def profile_names(self) -> set[str]:
        return {name for name in (s.profile_name for s in self.sections) if name is not None}

    def section_headers(self) -> set[str]:
        """Every section name as configparser reads it: a new section must not repeat one."""
        return {section.name.header for section in self.sections}


@dataclass(frozen=True)
class PopulateResult:
    """What a populate run would do or did."""

    old_text: str
    new_text: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    path: str

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    def diff(self) -> str:
        """A unified diff for a terminal: each line of the file shown through ``terminal.printable``."""
        lines = difflib.unified_diff(
            [line.rstrip("\r\n") for line in split_lines(self.old_text)],
            [line.rstrip("\r\n") for line in split_lines(self.new_text)],
            fromfile=self.path,
            tofile=f"{self.path} (populated)",
            lineterm="",
        )
        return "".join(f"{printable(line)}\n" for line in lines)


def safe_profile_name(text: str) -> str:
    """``text`` as a profile name that needs no quoting: runs of other characters become '-'."""
    cleaned = _UNSAFE.sub("-", text).strip("-.")
    return cleaned or "profile"


def render_name(template: str, account: AccountAccess, role: str, session_name: str) -> str:
    """The template filled in; a bad placeholder is a ValueError naming the ones available."""
    try:
        raw = template.format(
            account_name=account.account_name,
            account_id=account.account_id,
            role_name=role,
            sso_session=session_name,
            email=account.email_address,
        )
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(
            f"The profile name template {template!r} is not valid ({err}); use the placeholders "
            "{account_name}, {account_id}, {role_name}, {sso_session} and {email}."
        ) from None
    return safe_profile_name(raw)


def populate(
    text: str,
    accounts: Iterable[AccountAccess],
    *,
    session_name: str,
    path: str,
    template: str = DEFAULT_TEMPLATE,
    region: Optional[str] = None,
    prune: bool = False,
) -> PopulateResult:
    """The config file ``text`` with a generated profile for every account and role."""
    document = ConfigDocument.parse(text, path)
    newline = document.newline
    wanted = sorted(((a, role) for a in accounts for role in a.roles), key=lambda p: _pair_order(*p))
    ours = {
        (s.value("sso_account_id"), s.value("sso_role_name")): s
        for s in document.sections
        if s.profile_name is not None and s.value(MARKER_KEY) == session_name
    }
    taken = document.profile_names() | RESERVED_NAMES
    taken_headers = document.section_headers()
    added, updated = [], []
    new_sections: list[Section] = []
    for account, role in wanted:
        values = _profile_values(session_name, account.account_id, role, region)
        existing = ours.pop((account.account_id, role), None)
        if existing is not None:
            before = existing.text()
            existing.set_values(values, newline)
            if existing.text() != before:
                updated.append(str(existing.profile_name))
            continue
        name = _free_name(render_name(template, account, role, session_name), account.account_id, taken)
        header = _new_header(name, taken_headers)
        taken.add(name)
        taken_headers.add(header.header)
        section = Section(f"[{header.header}]{newline}", header)
        section.set_values(values, newline)
        new_sections.append(section)
        added.append(name)
    removed = []
    if prune:
        gone = {id(section) for section in ours.values()}
        removed = sorted(str(s.profile_name) for s in ours.values())
        document.sections = [s for s in document.sections if id(s) not in gone]
    if new_sections:
        _append(document, new_sections)
    return PopulateResult(text, document.text(), tuple(added), tuple(updated), tuple(removed), path)


def _pair_order(account: AccountAccess, role: str) -> tuple[str, str, str]:
    return (account.account_name.lower(), account.account_id, role)


def _profile_values(
    session_name: str, account_id: str, role: str, region: Optional[str]
) -> list[tuple[str, str]]:
    values = [("sso_session", session_name), ("sso_account_id", account_id), ("sso_role_name", role)]
    if region:
        values.append(("region", region))
    values.append((MARKER_KEY, session_name))
    for key, value in values:  # validated upstream; this is the last line of defence
        if not is_one_line_value(value):
            raise ValueError(f"populate refuses to write {key} = {printable(value)!r}: not a one-line value")
    return values


def _new_header(name: str, taken_headers: set[str]) -> SectionName:
    """``profile NAME``, checked to be read back by botocore as exactly that profile, and new."""
    header = section_name(f"profile {name}")
    if header.kind != PROFILE or header.name != name or header.header in taken_headers:
        raise ValueError(f"populate refuses to write the section [profile {printable(name)}]")
    return header


def _free_name(name: str, account_id: str, taken: set[str]) -> str:
    """``name``, else ``name-<account id>``, else with a counter: deterministic for a sorted input."""
    if name not in taken:
        return name
    candidate = f"{name}-{account_id}"
    counter = 2
    while candidate in taken:
        candidate = f"{name}-{account_id}-{counter}"
        counter += 1
    return candidate


def _append(document: ConfigDocument, sections: list[Section]) -> None:
    """New sections at the end, each after one blank line, the file's own line ending kept."""
    newline = document.newline
    for section in sections:
        before = document.sections[-1].lines if document.sections else document.preamble
        if before and not before[-1].endswith(("\n", "\r")):
            before[-1] += newline
        if before or document.sections:
            before.append(newline)  # one blank line between sections
        document.sections.append(section)


def _ending(line: str, newline: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def read_config(path: str) -> str:
    """The file's text, '' when it does not exist; bytes are kept (newline='')."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        from ..errors import SSOConfigError

        raise SSOConfigError(
            error_msg=f"{path} is not UTF-8 text, so populate leaves it alone. Save it as UTF-8 first."
        ) from None


def write_config(path: str, text: str) -> Optional[str]:
    """Replace the config file with ``text`` through ``config_file``; the old bytes go to ``.bak``."""
    return replace_config_file(path, text, backup=True)
