"""``botocore-sso serve --imds``: the EC2 instance-metadata protocol, IMDSv2 only, to our own user only.

The clients are botocore's own ``InstanceMetadataProvider`` and its default
chain, in other processes pointed at the server with
``AWS_EC2_METADATA_SERVICE_ENDPOINT``, and plain HTTP for the protocol's
edges: the token's TTL, requests without one, forwarded requests, and
another user of the machine.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import pytest

from botocore_sso_provider.cli import peer_user
from botocore_sso_provider.cli.credential_server import CredentialServer
from botocore_sso_provider.cli.exporting import ProfileCredentials
from botocore_sso_provider.cli.instance_metadata import InstanceMetadata, role_name_for
from botocore_sso_provider.cli.peer_user import can_identify_peers
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_serve import Served
from tests.conftest import botocore_sso, role_cache_file, run_python

pytestmark = [
    pytest.mark.functional,
    pytest.mark.skipif(not can_identify_peers(), reason="--imds needs Linux to tell who owns a connection"),
]

CREDENTIALS = "/latest/meta-data/iam/security-credentials/"
TOKEN = "/latest/api/token"

ASKS_INSTANCE_METADATA = textwrap.dedent(
    """
    import json, sys, botocore.session
    from botocore.credentials import InstanceMetadataProvider
    from botocore.utils import InstanceMetadataFetcher
    session = botocore.session.Session()
    if sys.argv[1] == "chain":
        credentials = session.get_credentials()
    else:
        fetcher = InstanceMetadataFetcher(timeout=5, num_attempts=1, env=None, config={
            "ec2_metadata_service_endpoint": session.get_config_variable("ec2_metadata_service_endpoint")})
        credentials = InstanceMetadataProvider(iam_role_fetcher=fetcher).load()
    frozen = credentials.get_frozen_credentials()
    print(json.dumps({"method": credentials.method, "access_key": frozen.access_key,
                      "secret_key": frozen.secret_key, "token": frozen.token}))
    """
)


def endpoint_of(served: Served) -> str:
    """The endpoint serve printed for instance metadata."""
    found = re.search(r"export AWS_EC2_METADATA_SERVICE_ENDPOINT=(\S+)", "".join(served.lines))
    assert found, served.lines
    return found.group(1)


def client_environment(home: Path, endpoint: str) -> Dict[str, str]:
    """A process with no config, no credentials and instance metadata on: only IMDS can answer."""
    empty_config = home / "empty-config"
    empty_config.write_text("")
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(empty_config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint,
    )
    return env


def cached(home: Path, profile: str = "dev") -> Dict[str, Any]:
    credentials: Dict[str, Any] = json.loads(role_cache_file(home, profile).read_text())["Credentials"]
    return credentials


def call(
    url: str, method: str = "GET", headers: Optional[Dict[str, str]] = None
) -> Tuple[int, str, Dict[str, str]]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def new_token(endpoint: str, ttl: str = "21600") -> str:
    status, token, headers = call(
        endpoint.rstrip("/") + TOKEN, "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
    )
    assert status == 200, token
    assert headers["X-aws-ec2-metadata-token-ttl-seconds"] == ttl
    return token


@pytest.mark.parametrize("client", ["provider", "chain"])
def test_botocore_reads_the_first_profiles_credentials_from_instance_metadata(
    serving: Callable[..., Served], idc: FakeIdentityCenter, aws_home: Path, client: str
) -> None:
    served = serving("--profile", "prod", "--profile", "dev", "--imds")
    endpoint = endpoint_of(served)
    assert endpoint == served.url
    done = run_python("-c", ASKS_INSTANCE_METADATA, client, env=client_environment(aws_home, endpoint))
    assert done.returncode == 0, done.stderr
    prod = cached(aws_home, "prod")
    assert json.loads(done.stdout) == {
        "method": "iam-role",
        "access_key": prod["AccessKeyId"],
        "secret_key": prod["SecretAccessKey"],
        "token": prod["SessionToken"],
    }
    status, err = served.stop()
    assert status == 0
    for secret in (prod["SecretAccessKey"], prod["SessionToken"], served.token):
        assert secret not in err


def test_the_protocol_imdsv2_only_and_the_tokens_ttl(serving: Callable[..., Served], aws_home: Path) -> None:
    served = serving("--profile", "dev", "--imds")
    base = endpoint_of(served).rstrip("/")
    token = new_token(base)
    status, role, _ = call(base + CREDENTIALS, headers={"X-aws-ec2-metadata-token": token})
    assert (status, role) == (200, "ReadOnly"), "the role name of the first profile"
    status, body, _ = call(base + CREDENTIALS + "ReadOnly", headers={"X-aws-ec2-metadata-token": token})
    answer = json.loads(body)
    dev = cached(aws_home)
    assert status == 200
    assert answer["Code"] == "Success" and answer["Type"] == "AWS-HMAC"
    assert (answer["AccessKeyId"], answer["Token"], answer["Expiration"]) == (
        dev["AccessKeyId"],
        dev["SessionToken"],
        dev["Expiration"],
    )
    assert answer["AccountId"] == "111111111111"

    # IMDSv1 (no token), a wrong or forged token: 401, as EC2 answers when IMDSv2 is required
    for headers in (
        {},
        {"X-aws-ec2-metadata-token": "wrong"},
        {"X-aws-ec2-metadata-token": token[:-2] + "AA"},
    ):
        status, body, _ = call(base + CREDENTIALS + "ReadOnly", headers=headers)
        assert status == 401 and dev["SecretAccessKey"] not in body
    # the TTL header: required, 1 to 21600 seconds
    for ttl in (None, "0", "21601", "-1", "abc", "1.5", "\u00b2"):
        headers = {} if ttl is None else {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
        assert call(base + TOKEN, "PUT", headers)[0] == 400, ttl
    # a request through a proxy gets no token, as on EC2
    assert (
        call(base + TOKEN, "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "x"})[0]
        == 403
    )
    assert call(base + TOKEN)[0] == 405, "a token is asked with PUT"
    assert call(base + CREDENTIALS + "Admin", headers={"X-aws-ec2-metadata-token": token})[0] == 404
    assert call(base + "/latest/meta-data/ami-id", headers={"X-aws-ec2-metadata-token": token})[0] == 404

    short = new_token(base, "1")
    assert call(base + CREDENTIALS, headers={"X-aws-ec2-metadata-token": short})[0] == 200
    time.sleep(1.2)
    assert call(base + CREDENTIALS, headers={"X-aws-ec2-metadata-token": short})[0] == 401, (
        "expired after its TTL"
    )
    assert call(base + CREDENTIALS, headers={"X-aws-ec2-metadata-token": token})[0] == 200, (
        "others are unaffected"
    )


def test_the_container_endpoint_still_needs_its_token_beside_instance_metadata(
    serving: Callable[..., Served], aws_home: Path
) -> None:
    served = serving("--profile", "dev", "--imds")
    base = served.url.rstrip("/")
    imds_token = new_token(base)
    assert call(served.url, headers={"Authorization": imds_token})[0] == 403
    assert call(served.url, headers={"X-aws-ec2-metadata-token": imds_token})[0] == 401


def test_imds_is_refused_on_an_address_other_than_loopback(idc: FakeIdentityCenter, seed_login: Any) -> None:
    done = botocore_sso("serve", "--profile", "dev", "--imds", "--host", "0.0.0.0", timeout=60)  # noqa: S104
    assert done.returncode == 2
    assert done.stderr.startswith("botocore-sso serve: --imds listens on loopback only")
    assert done.stderr.count("\n") == 1
    assert "export" not in done.stdout


ANOTHER_USER = 65534  # nobody


@pytest.mark.skipif(not hasattr(os, "setuid") or os.geteuid() != 0, reason="becoming another user takes root")
def test_another_user_of_the_machine_gets_no_token_and_no_credentials() -> None:
    credentials = ProfileCredentials(access_key="ASIAOURS", secret_key="our-secret", token="our-token")
    metadata = InstanceMetadata("ReadOnly", lambda: credentials)
    with CredentialServer(lambda: credentials, instance_metadata=metadata) as server:
        base = server.url.rstrip("/")
        ours = new_token(base)
        asks = textwrap.dedent(
            f"""
            import os, urllib.request, urllib.error
            "127.0.0.1".encode("idna")  # loaded now: our interpreter's files may be unreadable to nobody
            os.setgid({ANOTHER_USER}); os.setuid({ANOTHER_USER})
            for method, path, headers in (
                ("PUT", "{TOKEN}", {{"X-aws-ec2-metadata-token-ttl-seconds": "60"}}),
                ("GET", "{CREDENTIALS}ReadOnly", {{"X-aws-ec2-metadata-token": "{ours}"}}),
            ):
                try:
                    request = urllib.request.Request("{base}" + path, method=method, headers=headers)
                    urllib.request.urlopen(request)
                    print(200)
                except urllib.error.HTTPError as err:
                    print(err.code, err.read().decode())
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", asks], capture_output=True, text=True, timeout=60, check=False, cwd="/"
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert [line.split()[0] for line in lines] == ["403", "403"], "even with our token in hand"
        assert "only the processes of the user who started it" in lines[0]
        assert "our-secret" not in done.stdout
        assert call(base + CREDENTIALS, headers={"X-aws-ec2-metadata-token": ours})[0] == 200, "we still are"


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["IPv4", "IPv6"])
@pytest.mark.parametrize("ask", [peer_user.peer_uid, peer_user._ask_netlink, peer_user._read_tables])
def test_the_kernel_names_the_owner_of_a_loopback_connection(
    ask: Callable[..., Optional[int]], family: int
) -> None:
    """Both ways of asking (netlink's sock_diag, /proc/net/tcp*) agree, for IPv4 and IPv6."""
    host = "127.0.0.1" if family == socket.AF_INET else "::1"
    try:
        listener = socket.create_server((host, 0), family=family)
    except OSError:
        pytest.skip(f"no {host} here")
    with listener:
        client = socket.create_connection(listener.getsockname()[:2])
        with client, listener.accept()[0]:
            server = listener.getsockname()[:2]
            assert ask(client.getsockname()[:2], server) == os.getuid()
            assert ask((host, 1), server) is None, "no such connection"


def test_tokens_expire_by_the_clock_and_cannot_be_forged() -> None:
    now = [1000.0]
    credentials = ProfileCredentials(access_key="ASIA", secret_key="s", token="t")
    metadata = InstanceMetadata("ReadOnly", lambda: credentials, clock=lambda: now[0])
    other = InstanceMetadata("ReadOnly", lambda: credentials, clock=lambda: now[0])
    ttl = {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
    reply = metadata.answer("PUT", TOKEN, ttl)  # type: ignore[arg-type]
    token = reply.body.decode()
    with_token = {"X-aws-ec2-metadata-token": token}
    assert metadata.answer("GET", CREDENTIALS, with_token).status == 200  # type: ignore[arg-type]
    assert other.answer("GET", CREDENTIALS, with_token).status == 401, "another server's key"  # type: ignore[arg-type]
    now[0] += 21599.9
    assert metadata.answer("GET", CREDENTIALS, with_token).status == 200  # type: ignore[arg-type]
    now[0] += 0.2
    assert metadata.answer("GET", CREDENTIALS, with_token).status == 401  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profile", "values", "expected"),
    [
        ("dev", {"sso_role_name": "ReadOnly"}, "ReadOnly"),
        ("ops", {"role_arn": "arn:aws:iam::111111111111:role/path/Deploy"}, "Deploy"),
        ("plain", {}, "plain"),
        ("x/../y", {"sso_role_name": "Read Only\x1b"}, "botocore-sso"),
    ],
)
def test_the_role_name_is_a_path_segment_iam_would_allow(
    profile: str, values: Dict[str, str], expected: str
) -> None:
    assert role_name_for(profile, values) == expected


def test_where_the_kernel_cannot_name_a_connections_owner_imds_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from botocore_sso_provider.cli import peer_user
    from botocore_sso_provider.cli.main import main

    monkeypatch.setattr(peer_user, "can_identify_peers", lambda: False)  # as on macOS or Windows
    assert main(["serve", "--profile", "dev", "--imds"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("botocore-sso serve: --imds needs Linux")
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in err
