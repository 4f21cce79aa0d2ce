"""One value changed in the AWS config file, everything else (comments, order, spacing) kept.

Used to correct ``sso_region`` after a vanity start URL named another
region, as the AWS CLI v2 does. The file is replaced atomically, with its mode.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile

_SECTION = re.compile(r"^\s*\[\s*(?P<name>[^\]]*?)\s*\]\s*(?:[#;].*)?$")


def set_config_value(path: str, section: str, key: str, value: str) -> None:
    """Set ``key = value`` in ``[section]`` of ``path`` (``section`` as in the file: ``sso-session corp``)."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    wanted = " ".join(section.split())
    key_line = re.compile(rf"^(?P<indent>\s*){re.escape(key)}\s*=")
    inside, last_value_line, replaced = False, None, False
    for index, line in enumerate(lines):
        header = _SECTION.match(line)
        if header:
            if inside:
                break
            inside = " ".join(header.group("name").split()) == wanted
            last_value_line = index if inside else last_value_line
            continue
        if not inside:
            continue
        match = key_line.match(line)
        if match:
            ending = "\n" if line.endswith("\n") else ""
            lines[index] = f"{match.group('indent')}{key} = {value}{ending}"
            replaced = True
            break
        if line.strip() and not line.lstrip().startswith(("#", ";")):
            last_value_line = index
    if not replaced:
        if last_value_line is None:
            raise ValueError(f"{path} has no [{section}] section")
        if not lines[last_value_line].endswith("\n"):
            lines[last_value_line] += "\n"
        lines.insert(last_value_line + 1, f"{key} = {value}\n")
    _replace(path, "".join(lines))


def _replace(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".config.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
