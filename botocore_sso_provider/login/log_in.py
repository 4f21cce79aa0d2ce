"""A whole interactive login, as ``botocore-sso login`` and the login on demand run it.

In order: choose the flow (and say why), check that the result can be saved,
resolve a vanity start URL, then run the flow once for all processes (see
``single_flight``), and finally correct ``sso_region`` in the config file when
the start URL's host named another region, as the AWS CLI v2 does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import SSOConfigError, VanityURLError
from ..rules.profiles import SSOSessionConfig
from ..rules.records import TokenRecord
from ..rules.timestamps import Clock, utcnow
from ..settings import config_file as config_file_path
from ..settings import token_cache_dir
from ..store.cache import JSONFileCache
from .browser import DEVICE_CODE, FlowChoice, Host, choose_flow
from .config_edit import set_config_value
from .device_code import DeviceCodeLogin
from .interaction import TextSink
from .listener import DEFAULT_TIMEOUT
from .pkce import PKCELogin, pkce_unsupported
from .preflight import check_cache_paths
from .single_flight import log_in_once
from .vanity import ResolvedStartURL, resolve_start_url

LOCK_WAIT_MARGIN = 60.0
"""Seconds a waiting process allows beyond the login timeout for the other login to finish."""


@dataclass(frozen=True)
class LoginRequest:
    """What the user asked for: the command's flags (a login on demand sets only reuse_valid_token)."""

    use_device_code: bool = False
    use_pkce: bool = False
    no_browser: bool = False
    redirect_port: Optional[int] = None
    timeout: float = DEFAULT_TIMEOUT
    reuse_valid_token: bool = False
    reuse_if_lasts: Optional[datetime.timedelta] = None
    """``--if-needed``: a token found under the login lock that lasts longer than this is used."""
    force: bool = False
    """``--force``: log in even while another process's login holds the lock (see ``single_flight``)."""


@dataclass(frozen=True)
class LoginOutcome:
    token: TokenRecord
    logged_in: bool
    """False when another process's login (or a valid token, on demand) was used."""
    choice: FlowChoice
    start_url: ResolvedStartURL


def log_in(
    session: SSOSessionConfig,
    botocore_session: Any,
    request: LoginRequest,
    *,
    out: TextSink,
    host: Optional[Host] = None,
    cache: Optional[JSONFileCache] = None,
    clock: Clock = utcnow,
) -> LoginOutcome:
    """Log in to ``session``; see the module docstring for the steps."""
    host = host if host is not None else Host.current()
    cache = cache if cache is not None else JSONFileCache(token_cache_dir)
    choice = choose_flow(
        host,
        legacy=not session.refreshable,
        use_device_code=request.use_device_code,
        use_pkce=request.use_pkce,
        redirect_port=request.redirect_port,
        pkce_unsupported=pkce_unsupported(botocore_session) if session.refreshable else None,
    )
    check_cache_paths(session, cache, session.token_cache_key)
    resolved = _resolve(session, botocore_session)
    effective = session.in_region(resolved.region)
    out.write(f"{choice.sentence}\n")
    if resolved.resolved:
        out.write(
            f"The start URL {session.start_url} resolves to {resolved.url} (region {resolved.region}).\n"
        )
    out.flush()

    def run_flow() -> TokenRecord:
        if choice.flow == DEVICE_CODE:
            return DeviceCodeLogin(
                effective,
                botocore_session,
                out=out,
                open_browser=not request.no_browser and choice.browser_here,
                portal_start_url=resolved.url,
                cache=cache,
                clock=clock,
            ).run()
        return PKCELogin(
            effective,
            botocore_session,
            out=out,
            open_browser=not request.no_browser,
            redirect_port=request.redirect_port or 0,
            timeout=request.timeout,
            portal_start_url=resolved.url,
            cache=cache,
            clock=clock,
            host=host,
        ).run()

    token, logged_in = log_in_once(
        effective,
        cache,
        run_flow,
        out=out,
        wait_timeout=request.timeout + LOCK_WAIT_MARGIN,
        reuse_valid_token=request.reuse_valid_token,
        reuse_if_lasts=request.reuse_if_lasts,
        force=request.force,
        clock=clock,
    )
    if logged_in and resolved.region != session.region:
        _correct_region(session, resolved.region, out)
    return LoginOutcome(token, logged_in, choice, resolved)


def _resolve(session: SSOSessionConfig, botocore_session: Any) -> ResolvedStartURL:
    try:
        ca_bundle = botocore_session.get_config_variable("ca_bundle")
    except Exception:  # a session without the variable: the default trust store
        ca_bundle = None
    try:
        return resolve_start_url(session.start_url, session.region, ca_bundle=ca_bundle)
    except VanityURLError as err:
        raise SSOConfigError(
            error_msg=(
                f"Cannot log in to {session.subject}: the sso_start_url {err} "
                f"(in [{_section(session)}] of {config_file_path()}). Check sso_start_url."
            )
        ) from None


def _section(session: SSOSessionConfig) -> str:
    if session.name is not None:
        return f"sso-session {session.name}"
    profile = session.profile or "default"
    return "default" if profile == "default" else f"profile {profile}"


def _correct_region(session: SSOSessionConfig, region: str, out: TextSink) -> None:
    path = config_file_path()
    section = _section(session)
    try:
        set_config_value(path, section, "sso_region", region)
    except (OSError, ValueError) as err:
        out.write(f"Could not correct sso_region to {region} in [{section}] of {path}: {err}\n")
        return
    out.write(
        f"The start URL is in {region}: sso_region in [{section}] of {path} "
        f"is now {region} (was {session.region}).\n"
    )
