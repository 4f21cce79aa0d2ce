"""Every environment variable this package reads: its name, how it is parsed, its bounds.

One place, so that the provider, the fast paths and the commands read a
variable alike, and so that the documentation can list them all
(``VARIABLES``). Values are read at each use, never at import: tests and
long-lived processes change the environment. Standard library only, and
cheap: the warm ``credential-process`` and ``status --short`` import it.

The off switch is parsed by the start-up hook, which runs before the package
may be imported; its rule for a switch (``1``, ``true``, ``yes``, ``on``, any
case) is the one every switch here uses.
"""

from __future__ import annotations

import os

from _botocore_sso_provider_startup import DISABLED_VARIABLE, switched_on

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Mapping, Optional

# --- which profile and which files (botocore's own variables) ---------------------------------

PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
"""botocore's order: the first one SET wins, even when set to the empty string."""

CONFIG_FILE_VARIABLE = "AWS_CONFIG_FILE"
CREDENTIALS_FILE_VARIABLE = "AWS_SHARED_CREDENTIALS_FILE"
WEB_IDENTITY_TOKEN_FILE_VARIABLE = "AWS_WEB_IDENTITY_TOKEN_FILE"  # noqa: S105 - a variable name

# --- this package's variables --------------------------------------------------------------------

TOKEN_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_TOKEN_CACHE_DIR"  # noqa: S105 - a variable name
ROLE_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_ROLE_CACHE_DIR"
LOCK_TIMEOUT_VARIABLE = "BOTOCORE_SSO_LOCK_TIMEOUT"
AUTO_LOGIN_VARIABLE = "BOTOCORE_SSO_AUTO_LOGIN"
REFRESH_UNWRITABLE_CACHE_VARIABLE = "BOTOCORE_SSO_REFRESH_UNWRITABLE_CACHE"
CREDENTIAL_PROCESS_CHAIN_VARIABLE = "BOTOCORE_SSO_CREDENTIAL_PROCESS_CHAIN"
FEDERATION_ENDPOINT_VARIABLE = "BOTOCORE_SSO_FEDERATION_ENDPOINT"
SUDO_UID_VARIABLE = "SUDO_UID"

RETRY_VARIABLES = ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")
"""botocore's: when either is set, our clients keep botocore's retries instead of their own bound."""
ENDPOINT_URL_VARIABLE = "AWS_ENDPOINT_URL"
"""botocore's (1.31+; read here for older releases), with ``AWS_ENDPOINT_URL_<SERVICE>`` per service."""
IGNORE_ENDPOINT_URLS_VARIABLE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"

DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds to wait for another process's refresh: longer than a holder's worst case (a refresh
and a GetRoleCredentials call, each bounded to about 24 s by the clients' timeouts and retries)."""

MAX_LOCK_TIMEOUT = 86400.0
"""The longest lock wait accepted (a day); larger values are capped with a warning."""

VARIABLES = (
    (DISABLED_VARIABLE, "switch", "1 (or true, yes, on) turns transparent activation off."),
    (AUTO_LOGIN_VARIABLE, "switch", "1 logs in on demand where a terminal is there (as sso_auto_login)."),
    (
        REFRESH_UNWRITABLE_CACHE_VARIABLE,
        "switch",
        "1 refreshes an expired token in memory where the token cache cannot be written, spending the "
        "refresh token the other processes share.",
    ),
    (TOKEN_CACHE_DIR_VARIABLE, "directory", "Where SSO tokens live instead of ~/.aws/sso/cache."),
    (ROLE_CACHE_DIR_VARIABLE, "directory", "Where role credentials live instead of ~/.aws/cli/cache."),
    (
        LOCK_TIMEOUT_VARIABLE,
        "seconds",
        f"How long to wait for another process's refresh: 0 to {MAX_LOCK_TIMEOUT:g}, "
        f"default {DEFAULT_LOCK_TIMEOUT:g}.",
    ),
    (FEDERATION_ENDPOINT_VARIABLE, "URL", "The AWS sign-in federation endpoint `console` uses."),
    (
        CREDENTIAL_PROCESS_CHAIN_VARIABLE,
        "internal",
        "Set by credential-process for the processes it starts, to refuse loops.",
    ),
    (PROFILE_VARIABLES[0], "botocore", "The profile, before AWS_PROFILE (as botocore reads it)."),
    (PROFILE_VARIABLES[1], "botocore", "The profile (as botocore reads it)."),
    (CONFIG_FILE_VARIABLE, "botocore", "The config file (as botocore reads it)."),
    (CREDENTIALS_FILE_VARIABLE, "botocore", "The credentials file (as botocore reads it)."),
    (SUDO_UID_VARIABLE, "sudo", "Under sudo, that user's files in the caches are trusted too."),
    (RETRY_VARIABLES[0], "botocore", "When set (or AWS_MAX_ATTEMPTS), botocore's retries, not ours."),
    (RETRY_VARIABLES[1], "botocore", "When set (or AWS_RETRY_MODE), botocore's retries, not ours."),
    (ENDPOINT_URL_VARIABLE, "botocore", "Endpoints (and AWS_ENDPOINT_URL_SSO, _SSO_OIDC), on any botocore."),
    (IGNORE_ENDPOINT_URLS_VARIABLE, "botocore", "true: the endpoint variables are ignored."),
    (
        WEB_IDENTITY_TOKEN_FILE_VARIABLE,
        "botocore",
        "A web-identity profile, which botocore tries before SSO.",
    ),
)
"""Name, kind and one line for each variable: the reference documentation is made from this."""


def switch(variable: str, environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether the switch ``variable`` is on (the start-up hook's rule)."""
    return switched_on((os.environ if environ is None else environ).get(variable, ""))


def profile_from_environment(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The profile the environment names (botocore's order, empty values included); None if none."""
    env = os.environ if environ is None else environ
    for name in PROFILE_VARIABLES:
        if name in env:
            return env[name]
    return None


def file_path(variable: str, default: str) -> str:
    """A file botocore reads, expanded as a botocore session and ``load_config`` expand it.

    A variable set to the empty string names no file (as in botocore), not the default.
    """
    named = os.environ.get(variable, default)
    return os.path.expanduser(os.path.expandvars(os.path.expanduser(named)))


def config_file() -> str:
    """The config file botocore reads."""
    return file_path(CONFIG_FILE_VARIABLE, "~/.aws/config")


def credentials_file() -> str:
    """The shared credentials file botocore reads."""
    return file_path(CREDENTIALS_FILE_VARIABLE, "~/.aws/credentials")


def token_cache_dir() -> str:
    """Where SSO tokens live: $BOTOCORE_SSO_TOKEN_CACHE_DIR, else the AWS CLI v2's ~/.aws/sso/cache."""
    return _directory(TOKEN_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "sso", "cache"))


def role_cache_dir() -> str:
    """Where role credentials live: $BOTOCORE_SSO_ROLE_CACHE_DIR, else the CLI v2's ~/.aws/cli/cache."""
    return _directory(ROLE_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "cli", "cache"))


def _directory(variable: str, default: str) -> str:
    return os.path.abspath(os.path.expanduser(os.environ.get(variable) or default))


def lock_timeout() -> float:
    """$BOTOCORE_SSO_LOCK_TIMEOUT in seconds (0 to a day), else 60 s; a bad value warns once."""
    text = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if MAX_LOCK_TIMEOUT < value < float("inf"):
        _warn_once(f"Capping {LOCK_TIMEOUT_VARIABLE}={text!r} at {MAX_LOCK_TIMEOUT:g} s (a day).")
        return MAX_LOCK_TIMEOUT
    if not 0 <= value < float("inf"):
        _warn_once(
            f"Ignoring {LOCK_TIMEOUT_VARIABLE}={text!r}: it must be a number of seconds, 0 or more; "
            f"using {DEFAULT_LOCK_TIMEOUT:g} s."
        )
        return DEFAULT_LOCK_TIMEOUT
    return value


def retries_chosen() -> bool:
    """Whether the environment chose a retry mode or attempt count for botocore."""
    return any(os.environ.get(name) for name in RETRY_VARIABLES)


def endpoint_url(service: str) -> Optional[str]:
    """The endpoint the environment names for ``service`` (``sso``, ``sso-oidc``); None for botocore's own.

    As botocore 1.31+ reads them: the service's own variable, else the global
    one, unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` is true.
    """
    if os.environ.get(IGNORE_ENDPOINT_URLS_VARIABLE, "").lower() == "true":
        return None
    suffix = service.upper().replace("-", "_")
    return (
        os.environ.get(f"{ENDPOINT_URL_VARIABLE}_{suffix}") or os.environ.get(ENDPOINT_URL_VARIABLE) or None
    )


def federation_endpoint() -> Optional[str]:
    """The AWS sign-in federation endpoint ``console`` uses instead of the partition's; None if unset."""
    return os.environ.get(FEDERATION_ENDPOINT_VARIABLE) or None


def sudo_uid() -> Optional[int]:
    """The uid of the user who ran sudo, when this process runs as root under sudo."""
    text = os.environ.get(SUDO_UID_VARIABLE, "")
    return int(text) if text.isdigit() else None


def credential_process_chain() -> list[str]:
    """The profiles enclosing ``credential-process`` runs are resolving (a JSON list); [] if unreadable."""
    import json

    try:
        chain = json.loads(os.environ.get(CREDENTIAL_PROCESS_CHAIN_VARIABLE, "[]"))
    except ValueError:
        return []
    return [str(name) for name in chain] if isinstance(chain, list) else []


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message in _warned:
        return
    _warned.add(message)
    import logging  # only for a bad value: the fast paths never pay for logging

    logging.getLogger(__name__).warning(message)
