"""The AWS config file as botocore reads it, without botocore: for the fast paths.

``credential-process`` and ``status --short`` run once per process, often
(an SDK per start, a shell prompt per command line), and importing botocore
alone costs more than a Python start. So they read the config with
``configparser``, which botocore's own loader uses, exactly as
``botocore.configloader.load_config`` does. Each reader answers None when it
is not sure (a file that does not parse, a nested block botocore refuses):
the caller then goes the full way, through botocore, which reports such
problems properly. Standard library only; editing the file is
:mod:`.config_file`'s.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional


def config_path(variable: str = "AWS_CONFIG_FILE", default: str = "~/.aws/config") -> str:
    """The file botocore reads, expanded as a botocore session and ``load_config`` expand it.

    A variable set to the empty string names no file (as in botocore), not the default.
    """
    named = os.environ.get(variable, default)
    return os.path.expanduser(os.path.expandvars(os.path.expanduser(named)))


def read_ini(path: str) -> Optional[dict[str, dict[str, Any]]]:
    """Sections of an INI file as ``botocore.configloader.raw_config_parse`` reads them; None if unsure.

    Indented blocks (``s3 =`` and lines below it) become dicts, as in botocore.
    """
    import configparser

    if not path or not os.path.isfile(path):
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    sections: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        values: dict[str, Any] = {}
        for option in parser.options(section):
            value = parser.get(section, option)
            if value.startswith("\n"):
                nested = _parse_nested(value)
                if nested is None:
                    return None  # botocore raises ConfigParseError: the full path says so
                values[option] = nested
            else:
                values[option] = value
        sections[section] = values
    return sections


def _parse_nested(value: str) -> Optional[dict[str, str]]:
    """``botocore.configloader._parse_nested``; None where it raises."""
    parsed = {}
    for line in value.splitlines():
        line = line.strip()
        if line:
            key, equals, rest = line.partition("=")
            if not equals:
                return None
            parsed[key.strip()] = rest.strip()
    return parsed


def load_config(path: str) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """Profiles and sso-sessions by name, as ``botocore.configloader.load_config`` has them; else None."""
    sections = read_ini(path)
    return None if sections is None else profile_map(sections)


def profile_map(sections: Mapping[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Profiles and sso-sessions by name, as ``botocore.configloader.build_profile_map`` names them."""
    profiles: dict[str, Any] = {}
    sessions: dict[str, Any] = {}
    for key, values in sections.items():
        target = (
            profiles if key.startswith("profile") else sessions if key.startswith("sso-session") else None
        )
        if target is not None:
            parts = split_section_name(key)
            if parts is not None and len(parts) == 2:
                target[parts[1]] = values
        elif key == "default":
            profiles[key] = values
    return profiles, sessions


def split_section_name(key: str) -> Optional[list[str]]:
    """``shlex.split(key)``, as botocore splits section names; shlex is imported only when it matters."""
    if not any(c in "'\"\\" or (c.isspace() and c not in " \t") for c in key):
        return key.split()  # no quotes, escapes or unusual whitespace: the same split
    import shlex

    try:
        return shlex.split(key)
    except ValueError:
        return None
