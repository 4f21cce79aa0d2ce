"""The states the differential test runs every path on: a config, the profile variables, the cache files.

A ``State`` is plain data (hypothesis prints it as the minimal example); ``write``
puts it on disk in the test's HOME, replacing whatever the previous path left.
The config is one fixed file holding every kind of profile; what varies is
which profile is asked for and what the token and role-credential files hold.
"""

from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from hypothesis import strategies as st

from botocore_sso_provider.rules.keys import role_cache_key_of, token_cache_key_of
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import in_minutes

START_URL = "https://fake-idc.awsapps.com/start"
ACCOUNT_ID = "111111111111"
ROLE_NAME = "ReadOnly"

CONFIG = f"""\
[profile dev]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
region = us-east-1

[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
region = us-east-1

[profile chained]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
role_arn = arn:aws:iam::222222222222:role/FromLegacy
source_profile = legacy
region = us-east-1

[profile via-env]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
role_arn = arn:aws:iam::222222222222:role/FromEnvironment
credential_source = Environment
region = us-east-1

[profile via-web]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
role_arn = arn:aws:iam::222222222222:role/FromWebIdentity
web_identity_token_file = {{web_token}}
region = us-east-1

[profile plain]
aws_access_key_id = {{plain_key}}
aws_secret_access_key = plain-secret
region = us-east-1
"""
"""Every kind of profile: SSO (sso-session and legacy), SSO keys beside an assume-role that botocore
prefers (from a source profile, from the environment, by web identity), static keys."""

DEFAULT_PROFILE = f"""
[default]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {ROLE_NAME}
region = us-east-1
"""
"""An optional ``default`` profile: the same login and role as ``dev``, so it shares dev's files."""

PROFILES = ("dev", "legacy", "chained", "via-env", "via-web", "plain")
SSO_PROFILES = ("dev", "legacy")
ASSUME_ROLE_PROFILES = ("chained", "via-env", "via-web")
MISSING_PROFILE = "ghost"

# Access keys that say where credentials came from.
FILE_KEYS = {"corp": "ASIAFILECORP0000001", "legacy": "ASIAFILELEGACY00001"}
PLAIN_KEY = "AKIAPLAINSTATIC0001"
ENVIRONMENT_KEY = "AKIAENVIRONMENT0001"

TOKEN_EXPIRY = {"valid": 4 * 60, "due": 12, "expired": -30}
"""Minutes left on the access token: hours; inside the 15-minute refresh window; gone."""
ROLE_EXPIRY = {"fresh": 3 * 60, "due": 10, "expired": -10}
"""Minutes left on cached role credentials: hours; inside the 15-minute window; gone."""


@dataclass(frozen=True)
class TokenFile:
    """What one login's token file (~/.aws/sso/cache/<sha1>.json) holds."""

    expiry: str = "valid"  # a key of TOKEN_EXPIRY
    refresh_fields: str = (
        "text"  # "text" (as issued), "missing" (all three), "numbers" (clientId, clientSecret)
    )
    registration: str = "future"  # "future", "past", "missing"
    odd: str = "none"  # or: "empty accessToken", "number accessToken", "number expiresAt",
    # "unparseable expiresAt"


@dataclass(frozen=True)
class RoleFile:
    """What one role's credential file (~/.aws/cli/cache/<sha1>.json) holds."""

    expiry: str = "fresh"  # a key of ROLE_EXPIRY
    odd: str = "none"  # "none", "number Expiration", "number AccountId", "secret with a space"


@dataclass(frozen=True)
class Selection:
    """Which profile is asked for: ``--profile`` (None: not given) and the two variables (None: unset)."""

    explicit: Optional[str] = None
    aws_profile: Optional[str] = None
    aws_default_profile: Optional[str] = None

    def environment(self) -> Dict[str, Optional[str]]:
        return {"AWS_PROFILE": self.aws_profile, "AWS_DEFAULT_PROFILE": self.aws_default_profile}

    def botocore_name(self) -> Optional[str]:
        """The name botocore picks: --profile, else AWS_DEFAULT_PROFILE if set (even ""), else AWS_PROFILE.

        Written out here, in the test, as the oracle the paths are held to.
        """
        for name in (self.explicit, self.aws_default_profile, self.aws_profile):
            if name is not None:
                return name
        return None


@dataclass(frozen=True)
class State:
    selection: Selection = field(default_factory=Selection)
    has_default: bool = False
    tokens: Tuple[Tuple[str, Optional[TokenFile]], ...] = (("corp", TokenFile()), ("legacy", None))
    roles: Tuple[Tuple[str, Optional[RoleFile]], ...] = (("corp", None), ("legacy", None))

    def token(self, login: str) -> Optional[TokenFile]:
        return dict(self.tokens)[login]

    def role(self, login: str) -> Optional[RoleFile]:
        return dict(self.roles)[login]

    def environment(self) -> Dict[str, Optional[str]]:
        """The variables this state sets (None: unset); the environment keys only for ``via-env``."""
        environment = self.selection.environment()
        uses_environment = self.selection.botocore_name() == "via-env"
        environment["AWS_ACCESS_KEY_ID"] = ENVIRONMENT_KEY if uses_environment else None
        environment["AWS_SECRET_ACCESS_KEY"] = "environment-secret" if uses_environment else None
        return environment


# -- strategies -------------------------------------------------------------------

token_files = st.builds(
    TokenFile,
    expiry=st.sampled_from(tuple(TOKEN_EXPIRY)),
    refresh_fields=st.sampled_from(("text", "missing", "numbers")),
    registration=st.sampled_from(("future", "past", "missing")),
    odd=st.sampled_from(
        ("none", "empty accessToken", "number accessToken", "number expiresAt", "unparseable expiresAt")
    ),
)
role_files = st.builds(
    RoleFile,
    expiry=st.sampled_from(tuple(ROLE_EXPIRY)),
    odd=st.sampled_from(("none", "number Expiration", "number AccountId", "secret with a space")),
)
names = st.sampled_from((*PROFILES, MISSING_PROFILE))
variable_values = st.one_of(st.none(), st.just(""), names)

selections = st.builds(
    Selection,
    explicit=st.one_of(st.none(), names),
    aws_profile=variable_values,
    aws_default_profile=variable_values,
)


def states(selection: st.SearchStrategy[Selection] = selections) -> st.SearchStrategy[State]:
    """Any profile selection; each login's token file and each role's file absent or any of its kinds."""
    return st.builds(
        State,
        selection=selection,
        has_default=st.booleans(),
        tokens=st.tuples(
            st.tuples(st.just("corp"), st.none() | token_files),
            st.tuples(st.just("legacy"), st.none() | token_files),
        ),
        roles=st.tuples(
            st.tuples(st.just("corp"), st.none() | role_files),
            st.tuples(st.just("legacy"), st.none() | role_files),
        ),
    )


# -- on disk ----------------------------------------------------------------------

LOGINS = {"corp": {"session_name": "corp"}, "legacy": {"session_name": None}}


def token_path(home: Path, login: str) -> Path:
    key = token_cache_key_of(session_name=LOGINS[login]["session_name"], start_url=START_URL)
    return home / ".aws" / "sso" / "cache" / f"{key}.json"


def role_path(home: Path, login: str) -> Path:
    key = role_cache_key_of(
        ACCOUNT_ID, ROLE_NAME, session_name=LOGINS[login]["session_name"], start_url=START_URL
    )
    return home / ".aws" / "cli" / "cache" / f"{key}.json"


def write(state: State, home: Path, issued: Dict[str, Dict[str, Any]]) -> None:
    """Put ``state`` into ``home``: the config and every cache file, nothing left from before.

    ``issued`` holds a login the fake issued per login name, so the access and
    refresh tokens written are ones the fake accepts.
    """
    aws = home / ".aws"
    web_token = home / "web-identity-token"
    web_token.write_text("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3ZWIifQ.")
    config = CONFIG.format(web_token=web_token, plain_key=PLAIN_KEY)
    (aws / "config").write_text(config + (DEFAULT_PROFILE if state.has_default else ""))
    for directory in (aws / "sso", aws / "cli"):
        shutil.rmtree(directory, ignore_errors=True)
    for login, token in state.tokens:
        if token is not None:
            _write_private(token_path(home, login), token_document(token, issued[login]))
    for login, role in state.roles:
        if role is not None:
            _write_private(role_path(home, login), role_document(role, FILE_KEYS[login]))


def token_document(token: TokenFile, issued: Dict[str, Any]) -> Dict[str, Any]:
    document = dict(issued)
    document.pop("expiresIn", None)
    document["expiresAt"] = in_minutes(TOKEN_EXPIRY[token.expiry])
    refresh_fields = ("refreshToken", "clientId", "clientSecret")
    if token.refresh_fields == "missing":
        for name in refresh_fields:
            document.pop(name, None)
    elif token.refresh_fields == "numbers":
        document.update(clientId=12345, clientSecret=67890)
    if token.registration == "missing":
        document.pop("registrationExpiresAt", None)
    else:
        document["registrationExpiresAt"] = in_minutes(
            30 * 24 * 60 if token.registration == "future" else -60
        )
    odd = {
        "empty accessToken": ("accessToken", ""),
        "number accessToken": ("accessToken", 12345),
        "number expiresAt": ("expiresAt", 1893456000000),
        "unparseable expiresAt": ("expiresAt", "soon"),
    }.get(token.odd)
    if odd is not None:
        document[odd[0]] = odd[1]
    return document


def role_document(role: RoleFile, access_key: str) -> Dict[str, Any]:
    credentials: Dict[str, Any] = {
        "AccessKeyId": access_key,
        "SecretAccessKey": "file-secret",
        "SessionToken": "file-session-token",
        "Expiration": in_minutes(ROLE_EXPIRY[role.expiry]),
        "AccountId": ACCOUNT_ID,
    }
    if role.odd == "number Expiration":
        credentials["Expiration"] = int(datetime.datetime.now().timestamp() * 1000) + 5 * 3600 * 1000
    elif role.odd == "number AccountId":
        credentials["AccountId"] = 999
    elif role.odd == "secret with a space":
        credentials["SecretAccessKey"] = "file secret"
    return {"ProviderType": "sso", "Credentials": credentials}


def issue_logins(idc: FakeIdentityCenter) -> Dict[str, Dict[str, Any]]:
    """A login the fake knows, per login name; each carries refresh fields (the files may drop them)."""
    return {
        login: idc.issue_token(session_name=names["session_name"], start_url=START_URL)
        for login, names in LOGINS.items()
    }


def _write_private(path: Path, document: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for directory in (path.parent, path.parent.parent):
        directory.chmod(0o700)
    path.write_text(json.dumps(document))
    path.chmod(0o600)
