"""The ``botocore-sso-commands`` directive: every command and option, read from the real parser.

It walks ``botocore_sso_provider.cli.main.build_parser()``, the parser the
command itself uses, so the reference cannot drift from ``--help``: each
command (hidden ones included) gets a section labelled ``command-<name>``
with its usage, description, arguments and examples; the global options come
first. Our own directive rather than sphinx-argparse: the package must not
depend on it (it would join the ``docs`` extra and CI's docs venv for one
page), and we want the labels, the examples and the defaults as they are here.

It reads argparse's private lists (``_actions``, ``_mutually_exclusive_groups``),
as sphinx-argparse does: the public API does not expose them. tests/docs holds
the built page to the parser.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from typing import Any

from docutils import nodes
from reference_nodes import labelled_section, literal_block, paragraph
from sphinx.util.docutils import SphinxDirective

USAGE_WIDTH = 88
"""The usage lines are wrapped at this width whatever the terminal that builds the site."""


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's parser by its name, in the order ``--help`` lists them (hidden ones too)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def documented_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The arguments a reader may type: all but the sub-command list and hidden (SUPPRESS) ones."""
    return [
        action
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and action.help != argparse.SUPPRESS
    ]


def invocation(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """``-h, --help``, ``--profile PROFILE``, ``{bash,zsh,fish}``: as ``--help`` shows the argument."""
    return _formatter(parser)._format_action_invocation(action)


def usage(parser: argparse.ArgumentParser) -> str:
    formatter = _formatter(parser)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def _formatter(parser: argparse.ArgumentParser) -> argparse.HelpFormatter:
    return parser.formatter_class(prog=parser.prog, width=USAGE_WIDTH)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _arguments(parser: argparse.ArgumentParser) -> nodes.Node:
    items = nodes.definition_list()
    for action in documented_actions(parser):
        term = nodes.term()
        term += nodes.literal(text=invocation(parser, action))
        body = nodes.definition()
        if action.help:
            body += paragraph(_sentence(_formatter(parser)._expand_help(action)))
        facts = []
        if action.required and action.option_strings:
            facts.append("Required.")
        if action.choices is not None:
            facts.append("Choices: " + ", ".join(f"`{choice}`" for choice in action.choices) + ".")
        default = action.default
        said_in_help = "default" in (action.help or "").lower()  # "(default: a free one)" beats "0"
        if not (default is None or default is False or default == argparse.SUPPRESS or said_in_help):
            facts.append(f"Default: `{default}`.")
        if facts:
            body += paragraph(" ".join(facts))
        items += nodes.definition_list_item("", term, body)
    return items


def _exclusive(parser: argparse.ArgumentParser) -> list[nodes.Node]:
    found = []
    for group in parser._mutually_exclusive_groups:
        names = [f"`{action.option_strings[-1]}`" for action in group._group_actions if action.option_strings]
        found.append(paragraph(f"At most one of {', '.join(names[:-1])} and {names[-1]}."))
    return found


def _epilog(text: str) -> list[nodes.Node]:
    """The examples as code; the paragraphs between and after them (the flow, exit statuses) as text."""
    lines = text.strip("\n").splitlines()
    if lines and lines[0].rstrip() == "examples:":
        lines = lines[1:]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    found: list[nodes.Node] = []
    code: list[str] = []
    for block in (b for b in blocks if b):
        if all(line.startswith(" ") for line in block):
            code.extend([""] if code else [])
            code.extend(block)
            continue
        if code:
            found.append(literal_block(textwrap.dedent("\n".join(code)), "sh"))
            code = []
        found.append(paragraph(" ".join(line.strip() for line in block)))
    if code:
        found.append(literal_block(textwrap.dedent("\n".join(code)), "sh"))
    return found


class CommandsDirective(SphinxDirective):
    """``{botocore-sso-commands}``: the global options, then a section per command."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        main = importlib.import_module("botocore_sso_provider.cli.main")
        self.env.note_dependency(main.__file__)
        self.env.note_dependency(__file__)  # a change here rebuilds the page too
        parser = main.build_parser()
        document = self.state.document
        found: list[nodes.Node] = []

        summary = nodes.bullet_list()
        for name, sub in subcommands(parser).items():
            self.env.note_dependency(sys.modules[sub._defaults["handler"].__module__].__file__)
            link = nodes.reference("", "", nodes.literal(text=name), refid=nodes.make_id(f"command-{name}"))
            summary += nodes.list_item("", paragraph(link, ": " + _sentence(sub.description or "")))

        overall = labelled_section(document, "command-global-options", nodes.Text("Global options"))
        overall += literal_block(usage(parser), "none")
        overall += paragraph(_sentence(parser.description or ""))
        overall += _arguments(parser)
        overall += paragraph("The commands:")
        overall += summary
        found.append(overall)

        for name, sub in subcommands(parser).items():
            section = labelled_section(document, f"command-{name}", name)
            section += literal_block(usage(sub), "none")
            section += paragraph(_sentence(sub.description or ""))
            section += _arguments(sub)
            section += _exclusive(sub)
            if sub.epilog:
                rubric = nodes.rubric(text="Examples")
                section += rubric
                section += _epilog(sub.epilog)
            found.append(section)
        return found


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("botocore-sso-commands", CommandsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
