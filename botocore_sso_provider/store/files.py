"""The config and cache files as the fast paths read them: without botocore, sure or not at all.

``credential-process`` and ``status --short`` run once per process, often
(an SDK per start, a shell prompt per command line), and importing botocore
alone costs more than a Python start. So they read the config with
``configparser``, which botocore's own loader uses, exactly as
``botocore.configloader.load_config`` does, and the cache files with the
checks ``cache.py`` makes, only stricter. Each reader answers None when it is
not sure (an unparsable file, a stranger's file, a profile that is not a
plain SSO profile): the caller then goes the full way, through botocore and
this package's validation, which reports such problems properly.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
"""In botocore's order: AWS_DEFAULT_PROFILE wins when both are set."""

TOKEN_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_TOKEN_CACHE_DIR"  # noqa: S105 - a variable name
ROLE_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_ROLE_CACHE_DIR"
"""Where the caches live instead of the AWS CLI v2's directories (``cache.py`` takes them from here)."""

MAX_CACHE_FILE_SIZE = 64 * 1024
"""A cache file is a few hundred bytes; anything bigger is left to the full path."""

REGION_NAME = r"^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$"
"""botocore's rule for a region name (``botocore.utils.validate_region_name``)."""


def profile_name(profile: Optional[str], environ: Mapping[str, str] = os.environ) -> str:
    """The profile botocore would use: the one named, else from the environment, else ``default``."""
    for candidate in (profile, *(environ.get(name) for name in PROFILE_VARIABLES)):
        if candidate:
            return candidate
    return "default"


def config_path(variable: str = "AWS_CONFIG_FILE", default: str = "~/.aws/config") -> str:
    """The file botocore reads, expanded as a botocore session and ``load_config`` expand it.

    A variable set to the empty string names no file (as in botocore), not the default.
    """
    named = os.environ.get(variable, default)
    return os.path.expanduser(os.path.expandvars(os.path.expanduser(named)))


def token_cache_dir() -> str:
    """Where SSO tokens live: $BOTOCORE_SSO_TOKEN_CACHE_DIR, else the AWS CLI v2's ~/.aws/sso/cache.

    Resolved at each use, not at import, so HOME and the variable may change.
    """
    return _directory_from(TOKEN_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "sso", "cache"))


def role_cache_dir() -> str:
    """Where role credentials live: $BOTOCORE_SSO_ROLE_CACHE_DIR, else the CLI v2's ~/.aws/cli/cache."""
    return _directory_from(ROLE_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "cli", "cache"))


def _directory_from(variable: str, default: str) -> str:
    return os.path.abspath(os.path.expanduser(os.environ.get(variable) or default))


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


class PlainSSOProfile:
    """An SSO profile whose settings are all present, plain text and consistent.

    A plain class: a named tuple would import ``typing`` or ``collections`` for it.
    """

    __slots__ = ("account_id", "region", "role_name", "session_name", "start_url")

    def __init__(
        self, account_id: str, role_name: str, session_name: Optional[str], start_url: str, region: str
    ) -> None:
        self.account_id = account_id
        self.role_name = role_name
        self.session_name = session_name
        """None for a legacy profile (start URL and region in the profile itself)."""
        self.start_url = start_url
        self.region = region


def plain_sso_profile(
    profiles: Mapping[str, Any], sessions: Mapping[str, Any], profile: str
) -> Optional[PlainSSOProfile]:
    """``profile``'s SSO settings where ``config.resolve_profile`` would accept them; else None.

    None also for anything this reader does not fully understand: the
    caller's full path then accepts, rejects or ignores the profile in its
    own words.
    """
    values = profiles.get(profile)
    if not isinstance(values, dict):
        return None
    account_id: Any = values.get("sso_account_id")
    role_name: Any = values.get("sso_role_name")
    session_name = values.get("sso_session")
    if session_name is not None:
        settings = sessions.get(session_name) if isinstance(session_name, str) else None
        if not isinstance(settings, dict):
            return None
        if any(key in values and values[key] != value for key, value in settings.items()):
            return None  # the provider reports the disagreement (config._check_agreement)
    else:
        settings = values
    start_url: Any = settings.get("sso_start_url")
    region: Any = settings.get("sso_region")
    fields = (account_id, role_name, start_url, region)
    if not all(isinstance(field, str) and field for field in fields):
        return None
    if not is_region_name(region):
        return None  # config._check_region names it
    return PlainSSOProfile(account_id, role_name, session_name, start_url, region)


def is_region_name(region: str) -> bool:
    """Whether botocore would take ``region`` as a region name (``REGION_NAME``)."""
    import re  # configparser has imported it already

    return re.match(REGION_NAME, region) is not None


def read_private_json(path: str) -> Any:
    """The JSON in ``path`` if it is a small regular file of ours in a directory of ours; else None.

    Stricter than ``cache.py``, which also trusts root's files and a
    group-writable directory of a private group: what this refuses, the
    full path reads and judges itself.
    """
    if not _private_directory(os.path.dirname(path)):
        return None
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not _is_private(info, regular=True) or info.st_size > MAX_CACHE_FILE_SIZE:
            return None
        data = os.read(fd, MAX_CACHE_FILE_SIZE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    import json

    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # torn, not ours, or nested too deep: the full path re-reads it
        return None


def _private_directory(directory: str) -> bool:
    try:
        info = os.stat(directory)
    except OSError:
        return False
    return _is_private(info, regular=False)


def _is_private(info: os.stat_result, *, regular: bool) -> bool:
    """Ours (this user's), of the expected kind, and writable by nobody else.

    Where there are no uids (Windows), nothing is sure: the full path decides.
    """
    import stat

    geteuid = getattr(os, "geteuid", None)
    kind = stat.S_ISREG(info.st_mode) if regular else stat.S_ISDIR(info.st_mode)
    return kind and geteuid is not None and info.st_uid == geteuid() and not info.st_mode & 0o022
