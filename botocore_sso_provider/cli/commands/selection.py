"""The ``--profile P | --sso-session S`` pair several commands share, and what it selects."""

from __future__ import annotations

import argparse
from typing import Any, Optional

from . import CommandArguments


class LoginSelection(CommandArguments):
    """The arguments of a command that acts on one SSO login, named by a profile or an sso-session."""

    profile: Optional[str]
    sso_session: Optional[str]


def add_login_selection(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--profile", help="use this profile's SSO login (default: AWS_PROFILE or 'default')")
    which.add_argument("--sso-session", help="use the login of this [sso-session NAME]")


def botocore_session(profile: Optional[str]) -> Any:
    """A botocore session for ``profile`` (None: botocore's own default)."""
    import botocore.session

    return botocore.session.Session(profile=profile) if profile else botocore.session.Session()


def selected_config(session: Any, args: LoginSelection) -> Any:
    """The SSOSessionConfig ``--profile`` or ``--sso-session`` names (the session's profile otherwise)."""
    from ...provider.config import session_for_login

    profile = args.profile or session.get_config_variable("profile")
    return session_for_login(session.full_config, profile=profile, session_name=args.sso_session)


def selected_login(args: LoginSelection) -> tuple[Any, Any]:
    """(botocore session, SSOSessionConfig) for ``--profile`` or ``--sso-session``."""
    session = botocore_session(args.profile)
    return session, selected_config(session, args)
