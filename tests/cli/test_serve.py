"""``botocore-sso serve``: the container-credentials protocol, the token, loopback only, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from botocore_sso_provider.cli.credential_server import CredentialServer, is_loopback
from botocore_sso_provider.cli.exporting import ProfileCredentials
from tests.conftest import COMMAND, SSO_CONFIG, role_cache_file, run_python, write_role_credentials

USES_THE_CONTAINER_PROVIDER = textwrap.dedent(
    """
    import json, botocore.session
    credentials = botocore.session.Session().get_credentials()
    frozen = credentials.get_frozen_credentials()
    print(json.dumps({"method": credentials.method, "access_key": frozen.access_key,
                      "secret_key": frozen.secret_key, "token": frozen.token}))
    """
)


class Served:
    """A running ``botocore-sso serve`` and the two variables it printed."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: List[str] = []
        self.environment: Dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                self.environment[name] = value
            if "Press Ctrl-C" in line:
                break

    @property
    def url(self) -> str:
        return self.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]

    @property
    def token(self) -> str:
        return self.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]

    def stop(self, signum: int = signal.SIGTERM) -> Tuple[int, str]:
        self.process.send_signal(signum)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@pytest.fixture
def serve(write_config: Callable[[str], Path], aws_home: Path) -> Iterator[Callable[..., Served]]:
    write_config(SSO_CONFIG)
    started: List[subprocess.Popen] = []

    def start(*args: str) -> Served:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--profile", "dev", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        return Served(process)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def get(url: str, token: Optional[str]) -> Tuple[int, Dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": token} if token is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_a_botocore_container_provider_in_another_process_gets_the_credentials(
    serve: Callable[..., Served], aws_home: Path
) -> None:
    cached = write_role_credentials(aws_home)
    served = serve()
    empty_config = aws_home / "empty-config"
    empty_config.write_text("")
    env = {**os.environ, **served.environment, "AWS_CONFIG_FILE": str(empty_config)}
    done = run_python("-c", USES_THE_CONTAINER_PROVIDER, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "method": "container-role",
        "access_key": cached["AccessKeyId"],
        "secret_key": cached["SecretAccessKey"],
        "token": cached["SessionToken"],
    }
    status, err = served.stop()
    assert status == 0
    for secret in (served.token, cached["SecretAccessKey"], cached["SessionToken"]):
        assert secret not in err, "no secret in the server's log"


def test_the_answer_holds_the_protocol_fields(serve: Callable[..., Served], aws_home: Path) -> None:
    cached = write_role_credentials(aws_home)
    served = serve()
    status, body = get(served.url, served.token)
    assert status == 200
    assert body == {
        "AccessKeyId": cached["AccessKeyId"],
        "SecretAccessKey": cached["SecretAccessKey"],
        "Token": cached["SessionToken"],
        "Expiration": cached["Expiration"],
        "AccountId": "111111111111",
    }


def test_a_missing_or_wrong_token_is_refused(serve: Callable[..., Served], aws_home: Path) -> None:
    cached = write_role_credentials(aws_home)
    served = serve()
    for token, expected in (
        (None, 401),
        ("", 401),
        ("wrong", 403),
        (served.token + "x", 403),
        (served.token[:-1], 403),
    ):
        status, body = get(served.url, token)
        assert status == expected, token
        assert cached["SecretAccessKey"] not in json.dumps(body)
    assert get(served.url, served.token)[0] == 200


def non_loopback_address() -> Optional[str]:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the route picks our address
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) or address == "0.0.0.0" else address  # noqa: S104 - a comparison


def test_it_listens_on_loopback_only(serve: Callable[..., Served], aws_home: Path) -> None:
    write_role_credentials(aws_home)
    served = serve()
    assert served.url.startswith("http://127.0.0.1:")
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback to try")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((address, port), timeout=5):
        pass


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_it_stops_cleanly(serve: Callable[..., Served], aws_home: Path, signum: int) -> None:
    write_role_credentials(aws_home)
    served = serve()
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    status, err = served.stop(signum)
    assert status == 0
    assert "Traceback" not in err
    assert "stopped" in err
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_it_prints_how_to_hand_the_variables_to_a_container_and_a_remote_host(
    serve: Callable[..., Served], aws_home: Path
) -> None:
    write_role_credentials(aws_home)
    text = "".join(serve().lines)
    assert "docker run --network host -e AWS_CONTAINER_CREDENTIALS_FULL_URI" in text
    assert "ssh -R" in text


def test_another_host_only_when_asked_and_with_a_warning(
    serve: Callable[..., Served], aws_home: Path
) -> None:
    write_role_credentials(aws_home)
    served = serve("--host", "0.0.0.0")  # noqa: S104 - what the test is about
    status, err = served.stop()
    assert status == 0
    assert "WARNING: listening on 0.0.0.0, not on loopback" in err


def test_no_login_means_no_server(idc: Any, write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)
    done = subprocess.run(
        [*COMMAND, "serve", "--profile", "dev"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "botocore-sso login --sso-session corp" in done.stderr
    assert "export" not in done.stdout


def test_the_server_object_refuses_other_methods_and_paths() -> None:
    credentials = ProfileCredentials(access_key="AKIA", secret_key="s", token="t")
    with CredentialServer(lambda: credentials) as server:
        request = urllib.request.Request(server.url, method="POST", headers={"Authorization": server.token})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405
        assert get(server.url + "other", server.token)[0] == 404
        assert get(server.url + "other", None)[0] == 401, "the token is checked before anything else"
        status, body = get(server.url, server.token)
        assert status == 200
        assert body["Expiration"].endswith("Z"), "credentials that never expire still get an Expiration"
        assert server.answers == {405: 1, 404: 1, 401: 1, 200: 1}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_serve_help_runs_without_credentials() -> None:
    done = subprocess.run(
        [*COMMAND, "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "127.0.0.1" in done.stdout


def test_failures_are_answered_without_secrets_or_tracebacks() -> None:
    from botocore_sso_provider.errors import NotLoggedInError

    def not_logged_in() -> ProfileCredentials:
        raise NotLoggedInError(
            subject="the sso-session corp", command="botocore-sso login --sso-session corp"
        )

    def broken() -> ProfileCredentials:
        raise ValueError("secret-looking-detail")

    for source, expected, message in (
        (not_logged_in, 503, "botocore-sso login --sso-session corp"),
        (broken, 500, "unexpected ValueError"),
    ):
        with CredentialServer(source) as server:
            status, body = get(server.url, server.token)
        assert status == expected
        assert message in body["message"]
        assert "secret-looking-detail" not in json.dumps(body)
        assert_both_spellings(body)


def assert_both_spellings(body: Dict[str, Any]) -> None:
    """A refusal every SDK shows: Go and Java read code/message, JavaScript's fromHttp Code/Message."""
    assert set(body) == {"code", "message", "Code", "Message"}
    assert body["Code"] == body["code"] and body["code"]
    assert body["Message"] == body["message"] and body["message"]


def test_every_refusal_answers_code_and_message_in_both_spellings(
    serve: Callable[..., Served], aws_home: Path
) -> None:
    write_role_credentials(aws_home)
    served = serve()
    refusals = [get(served.url, None), get(served.url, "wrong"), get(served.url + "elsewhere", served.token)]
    post = urllib.request.Request(
        served.url, data=b"", method="POST", headers={"Authorization": served.token}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=10)
    refusals.append((refused.value.code, json.loads(refused.value.read())))
    assert [status for status, _ in refusals] == [401, 403, 404, 405]
    for _, body in refusals:
        assert_both_spellings(body)


def test_botocore_shows_our_message_when_the_server_refuses(
    serve: Callable[..., Served], aws_home: Path
) -> None:
    cached = write_role_credentials(aws_home)
    served = serve()
    empty_config = aws_home / "empty-config"
    empty_config.write_text("")
    env = {**os.environ, **served.environment, "AWS_CONFIG_FILE": str(empty_config)}
    wrong_token = run_python(
        "-c", USES_THE_CONTAINER_PROVIDER, env={**env, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "x"}
    )
    assert wrong_token.returncode != 0
    assert "Wrong authorization token." in wrong_token.stderr
    role_cache_file(aws_home).unlink()  # and no login to get new ones: 503, saying what to run
    logged_out = run_python("-c", USES_THE_CONTAINER_PROVIDER, env=env)
    assert logged_out.returncode != 0
    assert "botocore-sso login --sso-session corp" in logged_out.stderr
    assert cached["SecretAccessKey"] not in logged_out.stderr
