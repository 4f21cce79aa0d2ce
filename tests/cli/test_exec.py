"""``botocore-sso exec``: the child's environment, exit status and signals, and ``--server``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import COMMAND, SSO_CONFIG, botocore_sso, in_minutes, token_path, write_role_credentials

SHOW_ENVIRONMENT = (
    "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('AWS_')}))"
)


@pytest.fixture
def cached_dev(write_config: Callable[[str], Path], aws_home: Path) -> Dict[str, Any]:
    write_config(SSO_CONFIG)
    return write_role_credentials(aws_home)


def child_environment(*args: str, env: Dict[str, str]) -> Dict[str, str]:
    done = botocore_sso("exec", *args, "--", sys.executable, "-c", SHOW_ENVIRONMENT, env=env)
    assert done.returncode == 0, done.stderr
    shown: Dict[str, str] = json.loads(done.stdout)
    return shown


def test_the_child_gets_the_credentials_and_region_and_no_profile(cached_dev: Dict[str, Any]) -> None:
    env = {**os.environ, "AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIAOTHER", "AWS_SESSION_TOKEN": "other"}
    shown = child_environment("--profile", "dev", env=env)
    assert shown["AWS_ACCESS_KEY_ID"] == cached_dev["AccessKeyId"]
    assert shown["AWS_SECRET_ACCESS_KEY"] == cached_dev["SecretAccessKey"]
    assert shown["AWS_SESSION_TOKEN"] == cached_dev["SessionToken"]
    assert shown["AWS_CREDENTIAL_EXPIRATION"] == cached_dev["Expiration"]
    assert shown["AWS_REGION"] == shown["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in shown
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in shown


def test_with_server_the_child_gets_the_two_container_variables_only(cached_dev: Dict[str, Any]) -> None:
    shown = child_environment("--profile", "dev", "--server", env=dict(os.environ))
    assert shown["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(shown["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 32
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} & set(shown)


def test_the_exit_status_is_the_childs(cached_dev: Dict[str, Any]) -> None:
    done = botocore_sso("exec", "--profile", "dev", "--", sys.executable, "-c", "raise SystemExit(7)")
    assert done.returncode == 7
    killed = botocore_sso(
        "exec",
        "--profile",
        "dev",
        "--",
        sys.executable,
        "-c",
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
    )
    assert killed.returncode == 128 + signal.SIGKILL


def test_stdin_and_stdout_are_the_childs(cached_dev: Dict[str, Any]) -> None:
    done = botocore_sso(
        "exec",
        "--profile",
        "dev",
        "--",
        sys.executable,
        "-c",
        "import sys; print(sys.stdin.read().upper())",
        input="hello",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "HELLO\n"


CATCHES_SIGNALS = textwrap.dedent(
    """
    import signal, sys
    def caught(signum, frame):
        print(f"caught {signum}", flush=True)
        sys.exit(3)
    signal.signal(signal.SIGTERM, caught)
    signal.signal(signal.SIGINT, caught)
    print("ready", flush=True)
    signal.pause()
    """
)


@pytest.fixture(params=[(), ("--server",)], ids=["keys", "server"])
def started_child(cached_dev: Dict[str, Any], request: pytest.FixtureRequest) -> Iterator[subprocess.Popen]:
    """With --server too: the server's threads must not take a signal meant for the child (and die of it)."""
    process = subprocess.Popen(
        [*COMMAND, "exec", "--profile", "dev", *request.param, "--", sys.executable, "-c", CATCHES_SIGNALS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # no controlling terminal: every signal must be passed on by exec
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signals_are_passed_on_to_the_child(started_child: subprocess.Popen, signum: int) -> None:
    assert started_child.stdout is not None
    assert started_child.stdout.readline() == "ready\n"
    started_child.send_signal(signum)  # to exec only, not to the child
    out, err = started_child.communicate(timeout=30)
    assert out == f"caught {signum}\n"
    assert started_child.returncode == 3, err


def test_a_missing_command_exits_127_and_no_command_is_a_usage_error(cached_dev: Dict[str, Any]) -> None:
    missing = botocore_sso("exec", "--profile", "dev", "--", "no-such-command-anywhere")
    assert missing.returncode == 127
    assert "no-such-command-anywhere: command not found" in missing.stderr
    nothing = botocore_sso("exec", "--profile", "dev")
    assert nothing.returncode == 2


def test_no_credentials_means_the_command_never_starts(
    idc: FakeIdentityCenter, write_config: Any, tmp_path: Path
) -> None:
    write_config(SSO_CONFIG)
    marker = tmp_path / "ran"
    done = botocore_sso("exec", "--profile", "dev", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert done.returncode == 1
    assert "botocore-sso login --sso-session corp" in done.stderr
    assert not marker.exists()


KEEPS_CALLING_STS = textwrap.dedent(
    """
    import json, sys, time
    import boto3
    endpoint, seconds = sys.argv[1], float(sys.argv[2])
    session = boto3.Session()
    sts = session.client("sts", endpoint_url=endpoint)
    calls, failures, keys = 0, [], set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sts.get_caller_identity()
            keys.add(session.get_credentials().get_frozen_credentials().access_key)
        except Exception as err:
            failures.append(f"{type(err).__name__}: {err}")
        calls += 1
        time.sleep(0.2)
    print(json.dumps({"calls": calls, "failures": failures[:5], "keys": len(keys),
                      "method": session.get_credentials().method}))
    """
)


def test_a_long_running_child_keeps_working_past_short_lived_credentials(
    monkeypatch: pytest.MonkeyPatch, write_config: Any, aws_home: Path, moto_url: str
) -> None:
    """4-second role credentials, a child calling STS for 12 s: no failure, and new credentials came."""
    with FakeIdentityCenter(role_credentials_ttl=4) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)
        write_config(SSO_CONFIG)
        token = idc.issue_token(session_name="corp", scopes=("sso:account:access",))
        token.pop("expiresIn", None)
        token["expiresAt"] = in_minutes(60)
        path = token_path(aws_home, "corp")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(token))
        done = botocore_sso(
            "exec",
            "--profile",
            "dev",
            "--server",
            "--",
            sys.executable,
            "-c",
            KEEPS_CALLING_STS,
            moto_url,
            "12",
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["failures"] == []
        assert report["method"] == "container-role"
        assert report["calls"] >= 10
        assert report["keys"] >= 2, "the child got new credentials after the first expired"
        assert idc.request_counts()["GetRoleCredentials"] >= 3  # 12 s of 4 s credentials


OTHER_CREDENTIAL_VARIABLES = {
    # name: the SDKs whose default chain it steers ahead of the credentials exec hands over
    "AWS_ACCESS_KEY_ID": "all",
    "AWS_SECRET_ACCESS_KEY": "all",
    "AWS_SESSION_TOKEN": "all",
    "AWS_SECURITY_TOKEN": "botocore",
    "AWS_CREDENTIAL_EXPIRATION": "botocore, js-v3",
    "AWS_ACCOUNT_ID": "botocore, go-v2, java-v2, js-v3, rust (sent with the keys)",
    "AWS_CREDENTIAL_SCOPE": "js-v3 (sent with the keys)",
    "AWS_ACCESS_KEY": "go-v2 (when AWS_ACCESS_KEY_ID is unset)",
    "AWS_SECRET_KEY": "go-v2 (when AWS_SECRET_ACCESS_KEY is unset)",
    "AWS_PROFILE": "all (js-v3 then skips the keys)",
    "AWS_DEFAULT_PROFILE": "botocore, go-v2",
    "AWS_ROLE_ARN": "all (web identity)",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "all (web identity)",
    "AWS_ROLE_SESSION_NAME": "all (web identity)",
    "AWS_CREDENTIAL_FILE": "botocore (ec2-credentials-file)",
    "BOTO_CONFIG": "botocore (boto-config)",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "all (wins over FULL_URI)",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "all",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "all",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "botocore, go-v2, java-v2, js-v3, rust (wins over the token)",
}
"""The table of docs/how-to/other-tools.md, written out: a name dropped from exec's list fails a test."""

SHOW_CREDENTIAL_VARIABLES = (
    "import json, os, sys; print(json.dumps({k: os.environ[k] for k in sys.argv[1:] if k in os.environ}))"
)


@pytest.mark.parametrize("server", [False, True], ids=["keys", "server"])
def test_every_variable_naming_other_credentials_is_removed(cached_dev: Dict[str, Any], server: bool) -> None:
    env = {**os.environ, **{name: f"other-{name.lower()}" for name in OTHER_CREDENTIAL_VARIABLES}}
    mode = ["--server"] if server else []
    done = botocore_sso(
        "exec", "--profile", "dev", *mode, "--", sys.executable, "-c", SHOW_CREDENTIAL_VARIABLES,
        *OTHER_CREDENTIAL_VARIABLES, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown: Dict[str, str] = json.loads(done.stdout)
    leftovers = {name: value for name, value in shown.items() if value.startswith("other-")}
    assert leftovers == {}
    if server:
        assert set(shown) == {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}
    else:
        assert shown["AWS_ACCESS_KEY_ID"] == cached_dev["AccessKeyId"]
        assert shown["AWS_SESSION_TOKEN"] == cached_dev["SessionToken"]


SHOW_PROVIDER = textwrap.dedent(
    """
    import json, boto3
    credentials = boto3.Session().get_credentials()
    shown = {"method": credentials.method}
    if credentials.method == "container-role":  # the others would call out (web identity: STS)
        shown["access_key"] = credentials.get_frozen_credentials().access_key
    print(json.dumps(shown))
    """
)


def _other_sources(directory: Path) -> Dict[str, Dict[str, str]]:
    """Environments that point a child's botocore at other credentials, each at a real file."""
    token = directory / "web-identity-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl")
    ec2_file = directory / "ec2-credentials"
    ec2_file.write_text("AWSAccessKeyId=AKIAEC2FILE\nAWSSecretKey=ec2-file-secret\n")
    boto_file = directory / "boto.cfg"
    boto_file.write_text(
        "[Credentials]\naws_access_key_id = AKIABOTOFILE\naws_secret_access_key = boto-secret\n"
    )
    return {
        "web-identity": {
            "AWS_ROLE_ARN": "arn:aws:iam::222222222222:role/ci-deploy",
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
            "AWS_ROLE_SESSION_NAME": "ci",
        },
        "ec2-credentials-file": {"AWS_CREDENTIAL_FILE": str(ec2_file)},
        "boto-config": {"BOTO_CONFIG": str(boto_file)},
    }


@pytest.mark.parametrize("source", ["web-identity", "ec2-credentials-file", "boto-config"])
def test_with_server_the_childs_sdk_takes_the_served_credentials_not_an_earlier_source(
    cached_dev: Dict[str, Any], tmp_path: Path, source: str
) -> None:
    """EKS, CI and devcontainers set web identity; it comes before the container provider in every SDK."""
    env = {**os.environ, **_other_sources(tmp_path)[source]}
    done = botocore_sso(
        "exec", "--profile", "dev", "--server", "--", sys.executable, "-c", SHOW_PROVIDER, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"method": "container-role", "access_key": cached_dev["AccessKeyId"]}
