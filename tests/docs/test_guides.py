"""The how-to guides cannot drift from the code: their commands and flags exist, every error has a section.

The Markdown is read simply, without Sphinx: the lines of fenced ``sh`` blocks
that run ``botocore-sso``, and the headings of troubleshooting.md.
"""

from __future__ import annotations

import argparse
import inspect
import re
from typing import Dict, Iterator, List, NamedTuple, Set

import pytest

from botocore_sso_provider import errors
from botocore_sso_provider.cli.main import build_parser
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.docs

HOW_TO = REPO_ROOT / "docs" / "how-to"
GUIDES = sorted(path.name for path in HOW_TO.glob("*.md") if path.name != "index.md")

FENCE = re.compile(r"^```(\S*)\s*$")
PROGRAM = re.compile(r"(?:^|(?<=[\s(;|&]))botocore-sso(?![\w.-])")
"""``botocore-sso`` where a shell would run it: at the start of a line or after ``$(``, ``|``, ``&&``..."""
SHELL_END = re.compile(r"[#|;&>)`\"]")
"""Where the command's own words end: a comment, a pipe, a redirection, the end of ``$(...)``."""
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$", re.MULTILINE)


class Example(NamedTuple):
    page: str
    line: int
    text: str
    words: List[str]

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text.strip()}"


def shell_examples(page: str) -> Iterator[Example]:
    """Every ``botocore-sso ...`` run in the page's ``sh`` blocks, as the words after the program name."""
    language = None
    for number, line in enumerate((HOW_TO / page).read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(line)
        if fence:
            language = None if language is not None else fence.group(1)
            continue
        if language != "sh":
            continue
        for found in PROGRAM.finditer(line):
            own = SHELL_END.split(line[found.end() :], maxsplit=1)[0]
            yield Example(page, number, line, [word.strip("'") for word in own.split()])


def options_of(parser: argparse.ArgumentParser) -> Set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def subcommands() -> Dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(action.choices)


EXAMPLES = [example for page in GUIDES for example in shell_examples(page)]


def test_the_guides_show_commands() -> None:
    """The parsing finds the examples (so the check below cannot pass by finding none)."""
    assert len(EXAMPLES) >= 40, EXAMPLES
    shown = {page for page, *_ in EXAMPLES}
    assert set(GUIDES) - {"switch-off.md"} <= shown, "a guide without a botocore-sso example"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_shown_command_and_its_flags_exist(example: Example) -> None:
    top = build_parser()
    commands = subcommands()
    words = list(example.words)
    while words and words[0].startswith("-"):  # options before the command: the program's own
        flag = words.pop(0).split("=", 1)[0]
        assert flag in options_of(top), f"{example}: botocore-sso has no option {flag}"
    assert words, f"{example}: no command"
    command, arguments = words[0], words[1:]
    assert command in commands, (
        f"{example}: {command!r} is not a command of botocore-sso ({sorted(commands)})"
    )
    if "--" in arguments:  # exec: what follows is the child's command line
        arguments = arguments[: arguments.index("--")]
    known = options_of(commands[command])
    for word in arguments:
        if word.startswith("--"):
            flag = word.split("=", 1)[0]
            assert flag in known, f"{example}: botocore-sso {command} has no option {flag} ({sorted(known)})"


def public_errors() -> List[str]:
    """Every error a user can meet: the subclasses of SSOProviderError (not the InternalSignal ones)."""
    return sorted(
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value)
        and issubclass(value, errors.SSOProviderError)
        and value is not errors.SSOProviderError
    )


def sections(page: str) -> Dict[str, str]:
    """Each heading of the page, with the text up to the next heading."""
    text = (HOW_TO / page).read_text(encoding="utf-8")
    starts = list(HEADING.finditer(text))
    return {
        match.group(1): text[
            match.end() : starts[index + 1].start() if index + 1 < len(starts) else len(text)
        ]
        for index, match in enumerate(starts)
    }


@pytest.mark.parametrize("name", public_errors())
def test_every_public_error_has_a_troubleshooting_section(name: str) -> None:
    matching = {
        heading: body for heading, body in sections("troubleshooting.md").items() if name in heading.split()
    }
    assert len(matching) == 1, f"troubleshooting.md: one heading must name {name}, found {sorted(matching)}"
    (body,) = matching.values()
    assert f"<error-{name}>" in body, (
        f"troubleshooting.md, {name}: link the reference with {{ref}}`... <error-{name}>`"
    )


def test_no_section_for_internal_signals() -> None:
    internal = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.InternalSignal)
    }
    headings = " ".join(sections("troubleshooting.md"))
    assert not {name for name in internal if name in headings.split()}, "internal signals never reach a user"
