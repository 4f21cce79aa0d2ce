"""Choosing the login flow for this host, and opening the browser for it.

PKCE needs a browser that can reach the redirect listener on this host's
127.0.0.1. Where none can (an SSH session, a container, Linux without a
display), the device code is the flow that works, and it is chosen without
being asked. On WSL the Windows browser reaches WSL's loopback, so PKCE stays
and the Windows browser is opened. An explicit flag or ``BROWSER`` always wins
over the guess, and the choice is always said with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import webbrowser
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional
from urllib.parse import urlsplit

from ..errors import SSOConfigError
from .vanity import is_plain_url, is_sign_in_host

PKCE = "pkce"
DEVICE_CODE = "device-code"

CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")

_PLAIN_NETLOC = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
_DEFAULT_PORTS = {"https": 443, "http": 80}

_FLOW_NAMES = {PKCE: "the authorization-code flow with PKCE", DEVICE_CODE: "the device-code flow"}


@dataclass(frozen=True)
class Host:
    """What the guess reads about this machine; tests build one with faked values."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    platform: str = sys.platform
    exists: Callable[[str], bool] = os.path.exists
    kernel_release: str = ""

    @classmethod
    def current(cls) -> Host:
        release = ""
        try:
            with open("/proc/sys/kernel/osrelease", encoding="utf-8") as handle:
                release = handle.read(200)
        except OSError:
            pass
        return cls(kernel_release=release)

    @property
    def is_wsl(self) -> bool:
        return bool(self.environ.get("WSL_DISTRO_NAME")) or "microsoft" in self.kernel_release.lower()


@dataclass(frozen=True)
class FlowChoice:
    """Which flow a login uses, and the reason shown to the user."""

    flow: str
    reason: str
    browser_here: bool = True
    """False when the guess found no local browser: then none is started (a text browser would
    take over the terminal), and the URL is only printed."""

    @property
    def sentence(self) -> str:
        return f"Using {_FLOW_NAMES[self.flow]}: {self.reason}."


def choose_flow(
    host: Host,
    *,
    legacy: bool,
    use_device_code: bool = False,
    use_pkce: bool = False,
    redirect_port: Optional[int] = None,
    pkce_unsupported: Optional[str] = None,
) -> FlowChoice:
    """The flow for this login: flags first, then ``BROWSER``, then what the host looks like.

    ``pkce_unsupported`` says why this botocore cannot do PKCE (None when it can).
    """
    if not legacy and pkce_unsupported and (use_pkce or redirect_port is not None):
        raise SSOConfigError(
            error_msg=(
                f"PKCE was asked for, but {pkce_unsupported}. Upgrade botocore or use --use-device-code."
            )
        )
    choice = _choose(
        host, legacy=legacy, use_device_code=use_device_code, use_pkce=use_pkce, redirect_port=redirect_port
    )
    if choice.flow == PKCE and pkce_unsupported:
        return FlowChoice(DEVICE_CODE, f"{pkce_unsupported}; upgrade botocore for PKCE")
    return choice


def _choose(
    host: Host, *, legacy: bool, use_device_code: bool, use_pkce: bool, redirect_port: Optional[int]
) -> FlowChoice:
    if legacy:
        if use_pkce or redirect_port is not None:
            raise SSOConfigError(
                error_msg=(
                    "The authorization-code (PKCE) flow needs an [sso-session] section; a profile with "
                    "sso_start_url in it logs in with the device code. Drop --use-pkce/--redirect-port."
                )
            )
        return FlowChoice(
            DEVICE_CODE, "the profile sets sso_start_url itself (no sso-session), as the AWS CLI v2 does"
        )
    if use_device_code:
        return FlowChoice(DEVICE_CODE, "--use-device-code was given")
    if use_pkce:
        return FlowChoice(PKCE, "--use-pkce was given")
    if redirect_port is not None:
        return FlowChoice(PKCE, f"--redirect-port {redirect_port} was given")
    env = host.environ
    if env.get("BROWSER"):
        return FlowChoice(PKCE, "BROWSER is set")
    for name in ("SSH_CONNECTION", "SSH_TTY"):
        if env.get(name):
            return FlowChoice(
                DEVICE_CODE,
                f"this is an SSH session ({name} is set), so a browser elsewhere cannot reach this "
                "host's 127.0.0.1; use --use-pkce with --redirect-port and ssh -L to override",
                browser_here=False,
            )
    for marker in CONTAINER_MARKERS:
        if host.exists(marker):
            return FlowChoice(
                DEVICE_CODE,
                f"this is a container ({marker} exists); use --use-pkce to override",
                browser_here=False,
            )
    if host.is_wsl:
        return FlowChoice(PKCE, "this is WSL: the Windows browser will be opened")
    if host.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return FlowChoice(
            DEVICE_CODE,
            "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set) and no BROWSER; "
            "use --use-pkce to override",
            browser_here=False,
        )
    return FlowChoice(PKCE, "a browser on this machine can reach the login's 127.0.0.1 listener")


def open_url(
    url: str,
    host: Host,
    *,
    opener: Callable[[str], bool] = webbrowser.open,
    which: Callable[[str], Optional[str]] = shutil.which,
) -> bool:
    """Open ``url`` in the user's browser; False when nothing could (the caller prints the URL)."""
    if host.is_wsl and not host.environ.get("BROWSER"):
        for command in _windows_openers(url, which):
            try:
                completed = subprocess.run(command, check=False, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                continue
            if completed.returncode == 0:
                return True
    try:
        return bool(opener(url))
    except Exception:  # a missing or broken browser is not an error: the URL is printed
        return False


def refusal_to_open(url: str, endpoint: str) -> Optional[str]:
    """Why a URL the service sent must not be opened in a browser; None when it may be.

    It may be opened when it is a plain https URL on an AWS sign-in or portal
    host (``vanity``'s host rules), or on the very origin (scheme, host, port)
    of ``endpoint``, the SSO OIDC endpoint the user configured (the fake
    Identity Center's http://127.0.0.1 in tests). Anything else (another
    scheme, a look-alike host, user info before an ``@``, characters where
    parsers disagree) would let a spoofed endpoint open what it likes.
    """
    if not is_plain_url(url):
        return "it holds characters no URL from AWS has"
    parts = urlsplit(url)
    scheme, host, port = _origin(url)
    if scheme not in _DEFAULT_PORTS:
        return "it is not an https URL"
    if not _PLAIN_NETLOC.fullmatch(parts.netloc) or port is None:
        return "its host part is not a plain host name and port (user info before an @, or escapes)"
    if (scheme, host, port) == _origin(endpoint):
        return None
    if scheme != "https":
        return "it does not use https"
    if port != 443 or not is_sign_in_host(host):
        return "it is not on an AWS sign-in or portal host, nor on the configured SSO OIDC endpoint"
    return None


def _origin(url: str) -> tuple[str, str, Optional[int]]:
    """Scheme, host and port (the scheme's default when none is named); the port is None if invalid."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port


def _windows_openers(url: str, which: Callable[[str], Optional[str]]) -> list[list[str]]:
    commands = []
    wslview = which("wslview")
    if wslview:
        commands.append([wslview, url])
    cmd = which("cmd.exe")
    if cmd:
        # cmd.exe reads & as a command separator: ^ makes it literal. The empty title keeps
        # start from taking the URL for a window title.
        commands.append([cmd, "/c", "start", '""', url.replace("&", "^&")])
    return commands
