"""``botocore-sso serve`` with several profiles, the health route and a token kept in a file.

The clients are botocore's own container provider, in other processes, and
plain HTTP; the login is the fake Identity Center's, so its request counts
say how many role-credential requests repeated reads of each route cost.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import botocore.credentials
import pytest

from botocore_sso_provider.cli.credential_server import CredentialServer
from botocore_sso_provider.cli.exporting import ProfileCredentials
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_serve import USES_THE_CONTAINER_PROVIDER, Served, get
from tests.conftest import HERD_CONFIG, botocore_sso, role_cache_file, run_python

pytestmark = pytest.mark.functional

BOTOCORE_READS_TOKEN_FILES = hasattr(botocore.credentials.ContainerProvider, "ENV_VAR_AUTH_TOKEN_FILE")
"""botocore 1.33 and later read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; older ones only the token itself."""


def container_provider_in_another_process(served: Served, home: Path, url: str) -> Dict[str, str]:
    """What botocore's container provider, alone in a new process, gets from ``url``."""
    empty_config = home / "empty-config"
    empty_config.write_text("")
    env = {
        **os.environ,
        **served.environment,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
        "AWS_CONFIG_FILE": str(empty_config),
    }
    done = run_python("-c", USES_THE_CONTAINER_PROVIDER, env=env)
    assert done.returncode == 0, done.stderr
    answer: Dict[str, str] = json.loads(done.stdout)
    return answer


def cached_access_key(home: Path, profile: str) -> str:
    key: str = json.loads(role_cache_file(home, profile).read_text())["Credentials"]["AccessKeyId"]
    return key


def test_each_profile_has_its_own_route_and_costs_one_request_however_often_it_is_read(
    serving: Callable[..., Served], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    served = serving("--profile", "dev", "--profile", "prod")
    dev_url, prod_url = served.url + "profiles/dev", served.url + "profiles/prod"
    assert f"  dev: {dev_url}\n" in served.lines and f"  prod: {prod_url}\n" in served.lines

    prod = container_provider_in_another_process(served, aws_home, prod_url)
    dev = container_provider_in_another_process(served, aws_home, dev_url)
    assert prod["method"] == dev["method"] == "container-role"
    assert prod["access_key"] == cached_access_key(aws_home, "prod")
    assert dev["access_key"] == cached_access_key(aws_home, "dev")
    assert prod["access_key"] != dev["access_key"]

    answers: Dict[str, set] = {"dev": set(), "prod": set(), "/": set()}
    for _ in range(25):
        for name, url in (("dev", dev_url), ("prod", prod_url), ("/", served.url)):
            status, body = get(url, served.token)
            assert status == 200
            answers[name].add(body["AccessKeyId"])
    assert answers == {"dev": {dev["access_key"]}, "prod": {prod["access_key"]}, "/": {dev["access_key"]}}
    counts = idc.request_counts()
    assert counts["GetRoleCredentials"] == 2, "one per profile, however many reads"
    assert counts["CreateToken"] == 0


def test_a_profile_not_served_is_404_with_a_sentence_never_another_profiles_credentials(
    serving: Callable[..., Served], aws_home: Path
) -> None:
    served = serving("--profile", "dev", "--profile", "prod")
    base = served.url.rstrip("/")
    for path in (
        "/profiles/sandbox",  # a profile of the config, not served
        "/profiles/nobody",
        "/profiles/",
        "/profiles",
        "/profiles/dev/",
        "/profiles/dev/../prod",
        "/profiles/%2e%2e%2fprod",
        "/profiles/%ff",
        "/profiles/%1b%5d52%3bc%3bZXZpbA%07",  # an escape sequence, shown escaped
        "/profiles/" + "x" * 3000,
    ):
        status, body = get(base + path, served.token)
        assert status == 404, path
        assert "AccessKeyId" not in body
        assert "\x1b" not in body["message"] and "\x07" not in body["message"]
        assert len(body["message"]) < 300
    status, body = get(base + "/profiles/sandbox", served.token)
    assert body["message"] == 'No profile "sandbox" is served here; this server serves: dev, prod.'
    assert get(base + "/profiles/nobody", None)[0] == 401, "the token is checked before the route"


def test_a_profile_name_is_matched_after_percent_decoding_and_only_exactly(
    aws_home: Path,
) -> None:
    def keys(name: str) -> Callable[[], ProfileCredentials]:
        return lambda: ProfileCredentials(access_key=f"ASIA-{name}", secret_key="s", token="t")

    profiles = {"team a": keys("a"), "Team": keys("T")}
    with CredentialServer(profiles) as server:
        assert server.url_for("team a").endswith("/profiles/team%20a")
        assert get(server.url_for("team a"), server.token)[1]["AccessKeyId"] == "ASIA-a"
        assert get(server.url_for("Team"), server.token)[1]["AccessKeyId"] == "ASIA-T"
        assert get(server.url_for("team"), server.token)[0] == 404, "profile names are case-sensitive"
        assert get(server.url, server.token)[1]["AccessKeyId"] == "ASIA-a", "/ is the first profile"


def test_repeating_a_profile_serves_it_once_and_an_unknown_one_stops_the_start(
    serving: Callable[..., Served], idc: FakeIdentityCenter
) -> None:
    served = serving("--profile", "dev", "--profile", "dev")
    assert [line for line in served.lines if line.startswith("  dev:")] == [
        f"  dev: {served.url}profiles/dev\n"
    ]
    done = botocore_sso("serve", "--profile", "dev", "--profile", "missing", timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "botocore-sso: The config profile (missing) could not be found"
    assert "export" not in done.stdout


def health(url: str, method: str = "GET") -> Tuple[int, bytes, Dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def test_the_health_route_needs_no_token_holds_no_secret_and_answers_while_the_server_runs(
    serving: Callable[..., Served], aws_home: Path
) -> None:
    served = serving("--profile", "dev")
    health_url = served.url + "healthz"
    assert f"Health check (no token): {health_url}\n" in served.lines
    status, body, headers = health(health_url)
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Cache-Control"] == "no-store"
    assert health(health_url, "HEAD")[:2] == (200, b"")
    assert health(health_url, "POST")[0] == 405
    served.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(health_url, timeout=5)


def test_the_health_route_answers_even_when_the_credentials_cannot_be_had() -> None:
    from botocore_sso_provider.errors import NotLoggedInError

    def logged_out() -> ProfileCredentials:
        raise NotLoggedInError(
            subject="the sso-session corp", command="botocore-sso login --sso-session corp"
        )

    with CredentialServer(logged_out) as server:
        assert get(server.url, server.token)[0] == 503
        assert health(server.health_url)[:2] == (200, b'{"status": "ok"}')


def test_a_token_file_is_made_private_without_a_newline_and_kept_for_the_next_start(
    serving: Callable[..., Served], aws_home: Path
) -> None:
    token_file = aws_home / ".aws" / "serve-token"
    first = serving("--profile", "dev", "--token-file", str(token_file))
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text() == first.token, "the file's bytes are the header SDKs send: no newline"
    assert (
        f"or, instead of the token itself: export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={token_file}\n"
        in (first.lines)
    )
    first.stop()
    again = serving("--profile", "dev", "--token-file", str(token_file))
    assert again.token == first.token, "a restarted server keeps the token containers were given"
    env_token = {**again.environment}
    if BOTOCORE_READS_TOKEN_FILES:  # the file itself, as a compose secret would be read
        env_token.pop("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        env_token["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(token_file)
    empty_config = aws_home / "empty-config"
    empty_config.write_text("")
    done = run_python(
        "-c",
        USES_THE_CONTAINER_PROVIDER,
        env={**os.environ, **env_token, "AWS_CONFIG_FILE": str(empty_config)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["access_key"] == cached_access_key(aws_home, "dev")


@pytest.mark.parametrize(
    ("content", "mode", "expected"),
    [
        (
            "a-good-token-but-shared-0123456789",
            0o644,
            "can be read by other users; make it private: chmod 600",
        ),
        ("short", 0o600, "does not hold a token SDKs can send"),
        ("a-good-token-0123456789\n", 0o600, "no line break"),
        ("token with spaces 0123456789", 0o600, "does not hold a token SDKs can send"),
    ],
    ids=["readable-by-others", "too-short", "newline", "spaces"],
)
def test_an_unfit_token_file_is_refused_in_one_sentence_and_left_alone(
    idc: FakeIdentityCenter,
    seed_login: Any,
    write_config: Callable[[str], Path],
    aws_home: Path,
    content: str,
    mode: int,
    expected: str,
) -> None:
    write_config(HERD_CONFIG)
    seed_login()
    token_file = aws_home / "serve token"
    token_file.write_text(content)
    token_file.chmod(mode)
    done = botocore_sso("serve", "--profile", "dev", "--token-file", str(token_file), timeout=60)
    assert done.returncode == 1
    assert expected in done.stderr and "'" + str(token_file) + "'" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert token_file.read_text() == content, "left as it was"
    assert "export" not in done.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_token_file_that_is_a_fifo_or_a_directory_is_refused_without_hanging(
    idc: FakeIdentityCenter, seed_login: Any, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(HERD_CONFIG)
    seed_login()
    fifo, directory = aws_home / "fifo", aws_home / "dir"
    os.mkfifo(fifo)
    directory.mkdir()
    for path, expected in ((fifo, "not a regular file"), (directory, "is a directory")):
        done = botocore_sso("serve", "--profile", "dev", "--token-file", str(path), timeout=30)
        assert done.returncode == 1, done.stderr
        assert expected in done.stderr


def test_the_debug_log_shows_a_strangers_path_escaped_and_no_secret(
    serving: Callable[..., Served], aws_home: Path
) -> None:
    served = serving("--profile", "dev", "--debug")
    assert get(served.url + "profiles/dev", served.token)[0] == 200
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as stranger:
        stranger.sendall(b"GET /profiles/\x1b]52;c;ZXZpbA==\x07 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert stranger.recv(100).startswith(b"HTTP/1.1 401")
    status, err = served.stop()
    assert status == 0
    assert "GET /profiles/dev -> 200" in err, "--debug shows the requests"
    assert "\\x1b]52;c;ZXZpbA==\\x07" in err and "\x1b" not in err and "\x07" not in err
    secrets = json.loads(role_cache_file(aws_home, "dev").read_text())["Credentials"]
    for secret in (served.token, secrets["SecretAccessKey"], secrets["SessionToken"]):
        assert secret not in err
