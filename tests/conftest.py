"""Every test runs in a temporary HOME with a clean AWS environment.

No test can read or write the real ``~/.aws``: HOME, the config and
credentials files and every AWS_* variable are replaced for each test.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Iterator

import botocore
import botocore.credentials
import botocore.loaders
import botocore.session
import pytest

from botocore_sso_provider import SSOCredentialProvider
from botocore_sso_provider.testing import FakeIdentityCenter


@pytest.fixture(autouse=True)
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME whose ~/.aws is the only one botocore sees."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTOCORE_SSO_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


@pytest.fixture
def write_config(aws_home: Path) -> Callable[[str], Path]:
    """Write ~/.aws/config from an indented block of text."""

    def write(text: str) -> Path:
        path = aws_home / ".aws" / "config"
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    return write


@pytest.fixture
def idc(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityCenter]:
    """A running fake IAM Identity Center that botocore's SSO clients talk to."""
    with FakeIdentityCenter() as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        yield server


SSO_CONFIG = """
    [profile dev]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly
    region = us-east-1

    [sso-session corp]
    sso_start_url = https://fake-idc.awsapps.com/start
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access
"""


@pytest.fixture
def seed_login(idc: FakeIdentityCenter, aws_home: Path) -> Callable[..., dict]:
    """Put a login issued by the fake server into ~/.aws/sso/cache, as `aws sso login` would."""

    def seed(session_name: str | None = "corp", **overrides: object) -> dict:
        token = idc.issue_token(
            session_name=session_name, scopes=("sso:account:access",) if session_name else ()
        )
        token.pop("expiresIn", None)
        token.update(overrides)
        key_source = session_name if session_name else token["startUrl"]
        path = token_path(aws_home, key_source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(token))
        return token

    return seed


def token_path(home: Path, key_source: str) -> Path:
    """Where the AWS CLI v2 keeps the token of a session name or legacy start URL."""
    digest = hashlib.sha1(key_source.encode()).hexdigest()
    return home / ".aws" / "sso" / "cache" / f"{digest}.json"


def in_minutes(minutes: float) -> str:
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeClock:
    """The provider's clock, moved by tests instead of sleeping."""

    def __init__(self) -> None:
        self.offset = datetime.timedelta(0)

    def __call__(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += datetime.timedelta(**delta)


def clocked_session(profile: str, clock: FakeClock) -> botocore.session.Session:
    """A botocore session whose chain holds our provider running on ``clock``."""
    session = botocore.session.Session(profile=profile)
    resolver = botocore.credentials.create_credential_resolver(session)
    resolver.insert_before("sso", SSOCredentialProvider(session, clock=clock))
    session.register_component("credential_provider", resolver)
    return session


needs_endpoint_variables = pytest.mark.skipif(
    tuple(int(x) for x in botocore.__version__.split(".")[:2]) < (1, 31),
    reason="botocore itself honours AWS_ENDPOINT_URL_<SERVICE> and [services] sections from 1.31.0 on",
)


def needs_shell(name: str) -> pytest.MarkDecorator:
    """Skip a test whose shell is not installed, unless BOTOCORE_SSO_TEST_SHELLS names it (CI does).

    CI installs fish and says so: there a missing fish fails its tests instead
    of skipping them silently.
    """
    promised = name in os.environ.get("BOTOCORE_SSO_TEST_SHELLS", "").split()
    return pytest.mark.skipif(
        shutil.which(name) is None and not promised, reason=f"{name} is not installed here"
    )


def _botocore_knows_pkce() -> bool:
    # The bare loader reads no config, so the real ~/.aws stays untouched at import.
    model = botocore.loaders.Loader().load_service_model("sso-oidc", "service-2")
    return "codeVerifier" in model["shapes"]["CreateTokenRequest"]["members"]


needs_pkce_model = pytest.mark.skipif(
    not _botocore_knows_pkce(), reason="this botocore's sso-oidc model has no PKCE fields"
)


def run_python(
    *args: str, native: bool = False, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python args...`` in a new process (botocore fixes its token cache dir from HOME at import).

    ``native=True`` sets the off switch, so the process uses botocore's own SSO provider.
    """
    environment = dict(os.environ if env is None else env)
    if native:
        environment["BOTOCORE_SSO_PROVIDER_DISABLED"] = "1"
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=environment, timeout=timeout, check=False
    )
