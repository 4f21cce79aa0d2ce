"""One value changed in the AWS config file, everything else (comments, order, spacing) kept.

Used to correct ``sso_region`` after a vanity start URL named another
region, as the AWS CLI v2 does. The section is found as botocore finds it
(``config_file``: ``[sso-session "corp"]`` is ``sso-session corp``; of two
headers naming it, the last one is the one botocore reads), and the file is
written by ``config_file.replace_config_file``: atomically, through a
symlink, its owner and mode kept.
"""

from __future__ import annotations

import re

from ..errors import SSOConfigError
from ..rules.terminal import printable
from ..store.config_file import (
    header_lines,
    is_one_line_value,
    replace_config_file,
    section_name,
    split_lines,
)


def set_config_value(path: str, section: str, key: str, value: str) -> None:
    """Set ``key = value`` in ``[section]`` of ``path`` (``section`` as in the file: ``sso-session corp``)."""
    if not is_one_line_value(value):
        raise ValueError(f'"{printable(value)}" is not a value that fits on one line of the config file')
    with open(path, encoding="utf-8", newline="") as handle:
        lines = split_lines(handle.read())
    wanted = section_name(section)
    try:
        headers = header_lines(lines, path)
    except SSOConfigError as err:  # the caller reports a failed edit as a ValueError, after the login
        raise ValueError(str(err)) from None
    starts = [
        index for index, name in headers.items() if (name.kind, name.name) == (wanted.kind, wanted.name)
    ]
    if wanted.kind is None or not starts:
        raise ValueError(f"{path} has no [{section}] section")
    start = starts[-1]  # botocore reads the last section that names it
    end = min((index for index in headers if index > start), default=len(lines))
    key_line = re.compile(rf"^(?P<indent>\s*){re.escape(key)}\s*=")
    newline = "\r\n" if lines[start].endswith("\r\n") else "\n"
    last_value_line = start
    for index in range(start + 1, end):
        line = lines[index]
        match = key_line.match(line)
        if match:
            ending = line[len(line.rstrip("\r\n")) :]
            lines[index] = f"{match.group('indent')}{key} = {value}{ending}"
            break
        if line.strip() and not line.lstrip().startswith(("#", ";")):
            last_value_line = index
    else:
        if not lines[last_value_line].endswith(("\n", "\r")):
            lines[last_value_line] += newline
        lines.insert(last_value_line + 1, f"{key} = {value}{newline}")
    replace_config_file(path, "".join(lines))
