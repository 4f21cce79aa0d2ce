"""What the tests share: a temporary HOME, the fake Identity Center, logins, configs, processes.

Every test runs in a temporary HOME with a clean AWS environment: no test can
read or write the real ``~/.aws``; HOME, the config and credentials files and
every AWS_* variable are replaced for each test.

The tree mirrors the package (rules/, store/, provider/, login/, account/,
cli/, testing/, and packaging/ for what pip installs). Each fixture and helper
used in more than one directory is written here, once: the configs
(``SSO_CONFIG``, ``LEGACY_CONFIG``, ``HERD_CONFIG``), the fake (``idc``,
``make_idc``), logins and role credentials on disk (``seed_login``,
``seed_token``, ``write_role_credentials``), moto (``moto_url``), the
installed command (``botocore_sso``) and herds of processes (``workers``,
see tests/herds.py).

CI runs subsets by kind (.ci/run, tox.ini), each test file declaring its kind
with ``pytestmark``: ``unit`` (in this process, needing only the wheel's own
requirements: every Python), ``functional`` (the fake Identity Center,
boto3, moto: also on the oldest dependencies), ``activation`` (the package
installed and started as users start it: also on the newest), ``docs`` (the
documentation site as built: its own step, which installs Sphinx). A file with
none of them runs in the whole suite only (the README's test command).
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
from typing import Any, Callable, Dict, Iterator, List, Optional

import botocore
import botocore.configloader
import botocore.credentials
import botocore.loaders
import botocore.session
import pytest

from botocore_sso_provider import SSOCredentialProvider, register
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.herds import Workers

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The project (or the copy of it that .ci/run tests the wheel from)."""

KINDS = {
    "unit": "in this process, with only the wheel's own requirements (CI: every Python)",
    "functional": "against the fake Identity Center, boto3 or moto (CI: also the oldest dependencies)",
    "activation": "the package installed and started as users start it (CI: also the newest)",
    "docs": "the documentation site, built with Sphinx (CI: step 7, from a venv of the docs extra)",
    "aio": "aiobotocore, aioboto3 and s3fs (CI: step 8, a venv per aiobotocore version, which pins botocore)",
}


def pytest_configure(config: pytest.Config) -> None:
    for kind, meaning in KINDS.items():
        config.addinivalue_line("markers", f"{kind}: {meaning}")


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
def make_idc(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeIdentityCenter]]:
    """Start a fake IAM Identity Center with the given options and point botocore at it."""
    started: List[FakeIdentityCenter] = []

    def make(**options: Any) -> FakeIdentityCenter:
        server = FakeIdentityCenter(**options).start()
        started.append(server)
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def idc(make_idc: Callable[..., FakeIdentityCenter]) -> FakeIdentityCenter:
    """A running fake IAM Identity Center that botocore's SSO clients talk to."""
    return make_idc()


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
"""Profile "dev" of sso-session "corp" (``seed_login()`` logs it in)."""

LEGACY_CONFIG = """
    [profile legacy]
    sso_start_url = https://fake-idc.awsapps.com/start
    sso_region = us-east-1
    sso_account_id = 111111111111
    sso_role_name = ReadOnly
"""
"""A legacy profile: the start URL in the profile, no sso-session (``seed_login(session_name=None)``)."""

ROLES = {
    "dev": ("111111111111", "ReadOnly"),
    "dev-admin": ("111111111111", "Admin"),
    "prod": ("222222222222", "ReadOnly"),
    "sandbox": ("333333333333", "Admin"),
}
"""Four profiles of one sso-session, each a different account/role."""

HERD_CONFIG = SSO_CONFIG + "".join(
    f"""
    [profile {name}]
    sso_session = corp
    sso_account_id = {account}
    sso_role_name = {role}
    region = us-east-1
"""
    for name, (account, role) in ROLES.items()
    if name != "dev"
)
"""``SSO_CONFIG`` and three more profiles of sso-session "corp": ``ROLES``."""


@pytest.fixture
def herd_config(write_config: Callable[[str], Path]) -> Path:
    return write_config(HERD_CONFIG)


def seed_token(
    idc: FakeIdentityCenter,
    home: Path,
    *,
    session_name: Optional[str] = "corp",
    minutes: Optional[float] = None,
    **overrides: Any,
) -> Dict[str, Any]:
    """Put a login issued by ``idc`` into ~/.aws/sso/cache, as `aws sso login` would.

    A legacy login (``session_name=None``) is keyed by its start URL and has no
    refresh token; ``minutes`` sets when it expires; ``overrides`` replace fields.
    """
    token = idc.issue_token(session_name=session_name, scopes=("sso:account:access",) if session_name else ())
    token.pop("expiresIn", None)
    if minutes is not None:
        token["expiresAt"] = in_minutes(minutes)
    token.update(overrides)
    path = token_path(home, session_name if session_name else token["startUrl"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(token))
    return token


@pytest.fixture
def seed_login(idc: FakeIdentityCenter, aws_home: Path) -> Callable[..., dict]:
    """``seed_token`` on the test's fake and HOME: ``seed_login()``, ``seed_login(session_name=None)``."""

    def seed(session_name: Optional[str] = "corp", **overrides: Any) -> dict:
        return seed_token(idc, aws_home, session_name=session_name, **overrides)

    return seed


@pytest.fixture
def login(seed_login: Callable[..., dict], write_config: Callable[[str], Path]) -> Callable[..., dict]:
    """Profile "dev" written (``SSO_CONFIG``); ``login(**fields)`` then logs it in (``seed_login``)."""
    write_config(SSO_CONFIG)
    return seed_login


def token_path(home: Path, key_source: str) -> Path:
    """Where the AWS CLI v2 keeps the token of a session name or legacy start URL."""
    digest = hashlib.sha1(key_source.encode()).hexdigest()
    return home / ".aws" / "sso" / "cache" / f"{digest}.json"


def resolve_here(profile: str = "dev") -> str:
    """The access key a boto3 session of ``profile`` resolves here, with our provider registered."""
    import boto3  # here: the unit tests run without boto3

    session = boto3.Session(profile_name=profile)
    register(session)
    return str(session.get_credentials().get_frozen_credentials().access_key)


def stored_token(home: Path, key_source: str = "corp") -> Dict[str, Any]:
    """The token file of a session name or legacy start URL, as it is now."""
    return json.loads(token_path(home, key_source).read_text())


def role_cache_file(home: Path, profile: str = "dev") -> Path:
    """The AWS CLI v2's role-credential cache file of ``profile`` in ~/.aws/config.

    Computed the way the AWS CLI v2 computes it (botocore's
    ``SSOCredentialFetcher._create_cache_key``), not by this package's code,
    so that a test using it also checks that both share the file.
    """
    config = botocore.configloader.load_config(str(home / ".aws" / "config"))
    section = config["profiles"][profile]
    args = {"accountId": section["sso_account_id"], "roleName": section["sso_role_name"]}
    if "sso_session" in section:
        args["sessionName"] = section["sso_session"]
    else:
        args["startUrl"] = section["sso_start_url"]
    digest = hashlib.sha1(json.dumps(args, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return home / ".aws" / "cli" / "cache" / f"{digest}.json"


def write_role_credentials(home: Path, profile: str = "dev", *, minutes: float = 60, **fields: Any) -> dict:
    """A role cache file as the provider writes it, expiring in ``minutes``."""
    credentials = {
        "AccessKeyId": "ASIACACHED",
        "SecretAccessKey": "cached-secret",
        "SessionToken": "cached-session-token",
        "Expiration": in_minutes(minutes),
        "AccountId": "111111111111",
        **fields,
    }
    path = role_cache_file(home, profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ProviderType": "sso", "Credentials": credentials}))
    path.chmod(0o600)
    return credentials


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


@pytest.fixture
def moto_url() -> Iterator[str]:
    """moto's AWS server on loopback, for the AWS calls (STS, ...) made with the credentials."""
    from moto.server import ThreadedMotoServer  # here: the unit tests run without moto

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def workers() -> Iterator[Workers]:
    """Starts ``tests/worker.py`` processes (tests/herds.py); kills what is left at the end."""
    pool = Workers()
    yield pool
    pool.kill_all()


_SCRIPT = Path(sys.executable).with_name("botocore-sso")
COMMAND: List[str] = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "botocore_sso_provider"]
"""This environment's ``botocore-sso``: the console script when installed, else the module."""


def botocore_sso(
    *args: str, env: Optional[Dict[str, str]] = None, timeout: float = 120, input: Optional[str] = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``botocore-sso`` command, run in a new process."""
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ if env is None else env),
        timeout=timeout,
        check=False,
        input=input,
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
