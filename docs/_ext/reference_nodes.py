"""What the reference directives share: labelled sections, inline code from backticks, reST docstrings.

The directives build docutils nodes themselves instead of writing Markdown or
reST for a parser to read: the pages are MyST Markdown, a directive's nested
parse there reads Markdown, and the data (argparse help, one-line
descriptions) is plain text. Only docstrings are reST; they go through
:func:`rst_nodes`.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Parser
from docutils.utils import new_document

_CODE = re.compile(r"`([^`]+)`|(?<![\w`-])(--?[A-Za-z][\w-]*|--(?![\w-]))")
"""The data's only markup, `backticks`; and an option (``--short``, ``--``), which would read as a dash."""


def inline(text: str) -> list[nodes.Node]:
    """``text`` as inline nodes: each `backticked` part and each option as code.

    Options are code so that Sphinx's smart quotes leave their ``--`` alone.
    """
    parts: list[nodes.Node] = []
    position = 0
    for match in _CODE.finditer(text):
        if match.start() > position:
            parts.append(nodes.Text(text[position : match.start()]))
        code = match.group(1) or match.group(2)
        parts.append(nodes.literal(code, code))
        position = match.end()
    if position < len(text):
        parts.append(nodes.Text(text[position:]))
    return parts


def paragraph(*pieces: Any) -> nodes.paragraph:
    """A paragraph of strings (read with :func:`inline`) and ready nodes."""
    node = nodes.paragraph()
    for piece in pieces:
        node += inline(piece) if isinstance(piece, str) else piece
    return node


def labelled_section(document: nodes.document, label: str, title: nodes.Node | str) -> nodes.section:
    """A section that ``{ref}`label``` reaches from any page (a label of Sphinx's std domain).

    Noted as an explicit target of the page's document, as a ``(label)=`` line
    before a heading would be: Sphinx then records it with the section's title.
    """
    # names as docutils keeps them (lower case), since {ref} looks its target up in lower case
    section = nodes.section(ids=[nodes.make_id(label)], names=[nodes.fully_normalize_name(label)])
    heading = nodes.title()
    heading += nodes.literal(title, title) if isinstance(title, str) else title
    section += heading
    document.note_explicit_target(section, section)
    return section


def literal_block(text: str, language: str = "none") -> nodes.literal_block:
    block = nodes.literal_block(text, text)
    block["language"] = language
    return block


def rst_nodes(document: nodes.document, text: str) -> list[nodes.Node]:
    """A docstring's reST as nodes, whatever the page's own parser (Markdown here).

    Parsed in a document of its own with the page's settings and reporter, as
    MyST's ``{eval-rst}`` does, so Sphinx's roles (``:class:``) work.
    """
    scratch = new_document(document["source"], document.settings)
    scratch.reporter = document.reporter
    Parser().parse(text, scratch)
    return list(scratch.children)
