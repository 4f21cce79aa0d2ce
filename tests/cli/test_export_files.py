"""``export --format credentials-file`` and ``dotenv``: read back by botocore's own provider and docker.

The credentials file is read by ``botocore.credentials.SharedCredentialProvider``
and by a boto3 session with this package switched off, whose STS call goes to
moto; the env file by the real ``docker`` command (its env-file reader sends
what it read to a stand-in daemon here) and by a reader written from docker's
documented rules.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import botocore.credentials
import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, botocore_sso, role_cache_file, run_python, write_role_credentials

pytestmark = pytest.mark.functional

CONFIRMATION = re.compile(
    r"^(Wrote|Left unchanged) \[ci\] of (?P<path>.+); "
    r"the credentials expire at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.\n$"
)


def export_to_file(*extra: str, name: str = "ci", env: Dict[str, str] | None = None) -> Any:
    return botocore_sso(
        "export",
        "--profile",
        "dev",
        "--format",
        "credentials-file",
        "--credentials-profile",
        name,
        *extra,
        env=env,
    )


def credentials_path(aws_home: Path) -> Path:
    return aws_home / ".aws" / "credentials"


def read_by_botocore(path: Path, profile: str = "ci") -> botocore.credentials.Credentials:
    """The keys botocore's own shared-credentials provider finds in ``path`` for ``profile``."""
    found = botocore.credentials.SharedCredentialProvider(
        creds_filename=str(path), profile_name=profile
    ).load()
    assert found is not None, path.read_text()
    return found


@pytest.fixture
def cached(write_config: Callable[[str], Path], aws_home: Path) -> dict:
    """The `dev` profile with fresh role credentials in its cache (no network needed)."""
    write_config(SSO_CONFIG)
    return write_role_credentials(aws_home, AccessKeyId="ASIAFIRST", SecretAccessKey="first/secret+key")


# --- the credentials file ----------------------------------------------------------------------------


def test_botocores_own_providers_read_the_section_and_sts_answers_with_it(
    logged_in: FakeIdentityCenter, aws_home: Path, moto_url: str
) -> None:
    done = export_to_file()
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    match = CONFIRMATION.match(done.stderr)
    assert match is not None and match.group(1) == "Wrote", done.stderr
    path = credentials_path(aws_home)
    assert match.group("path") == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    issued = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    found = read_by_botocore(path)
    assert (found.access_key, found.secret_key, found.token) == (
        issued["AccessKeyId"],
        issued["SecretAccessKey"],
        issued["SessionToken"],
    )
    assert found.method == "shared-credentials-file"
    text = path.read_text()
    assert f"they expire at {issued['Expiration']}." in text
    assert "botocore-sso export --format credentials-file --profile dev --credentials-profile ci" in text

    script = (
        "import boto3, json\n"
        "session = boto3.Session(profile_name='ci')\n"
        "credentials = session.get_credentials()\n"
        f"sts = session.client('sts', region_name='us-east-1', endpoint_url={moto_url!r})\n"
        "identity = sts.get_caller_identity()\n"
        "print(json.dumps([credentials.method, credentials.access_key, identity['Account']]))\n"
    )
    answer = run_python("-c", script, native=True)
    assert answer.returncode == 0, answer.stderr
    method, access_key, account = json.loads(answer.stdout)
    assert (method, access_key) == ("shared-credentials-file", issued["AccessKeyId"])
    assert account.isdigit()


HAND_WRITTEN_HEAD = (
    "# my keys, by hand\r\n"
    "[default]\r\n"
    "aws_access_key_id=AKIADEFAULTKEY\r\n"
    "aws_secret_access_key =  default/secret  \r\n"
    "\r\n"
    "; a semicolon comment\r\n"
    "[ci]\r\n"
    "region   =   eu-west-1\r\n"
    "output:json\r\n"
)
HAND_WRITTEN_TAIL = (
    "\r\n"
    "[after]\r\n"
    "\taws_access_key_id: AKIAAFTER\r\n"
    "\taws_secret_access_key: after-secret\r\n"
    "s3 =\r\n"
    "  max_concurrent_requests = 4\r\n"
    "# the end, with no newline"
)


def test_every_other_byte_is_kept_and_a_second_run_updates_the_section_in_place(
    cached: dict, aws_home: Path
) -> None:
    path = credentials_path(aws_home)
    path.write_bytes((HAND_WRITTEN_HEAD + HAND_WRITTEN_TAIL).encode())
    path.chmod(0o644)

    first = export_to_file()
    assert first.returncode == 0, first.stderr
    written = path.read_bytes().decode()
    assert written.startswith(HAND_WRITTEN_HEAD) and written.endswith(HAND_WRITTEN_TAIL)
    ours = written[len(HAND_WRITTEN_HEAD) : -len(HAND_WRITTEN_TAIL)]
    lines = ours.split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines), "CRLF like the rest of the file"
    assert [line.split(" = ")[0] for line in lines[2:-1]] == [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_account_id",
    ]
    assert lines[0].startswith("# botocore-sso: ") and lines[1].startswith("# botocore-sso: ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "a file of secrets is made private"
    assert read_by_botocore(path).access_key == "ASIAFIRST"
    assert read_by_botocore(path, "default").secret_key == "default/secret"
    assert read_by_botocore(path, "after").access_key == "AKIAAFTER"

    write_role_credentials(aws_home, AccessKeyId="ASIASECOND", SecretAccessKey="second/secret")
    second = export_to_file()
    assert second.returncode == 0, second.stderr
    updated = path.read_bytes().decode()
    assert updated.startswith(HAND_WRITTEN_HEAD) and updated.endswith(HAND_WRITTEN_TAIL)
    new_lines = updated[len(HAND_WRITTEN_HEAD) : -len(HAND_WRITTEN_TAIL)].split("\r\n")
    assert len(new_lines) == len(lines), "the same lines, in the same place"
    assert new_lines[2] == "aws_access_key_id = ASIASECOND"
    assert new_lines[3] == "aws_secret_access_key = second/secret"
    assert read_by_botocore(path).access_key == "ASIASECOND"

    before = path.stat()
    third = export_to_file()
    assert third.returncode == 0, third.stderr
    assert third.stderr.startswith("Left unchanged [ci] of ")
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "nothing rewritten"


def test_the_old_name_of_the_session_token_is_removed_so_it_cannot_win(cached: dict, aws_home: Path) -> None:
    assert export_to_file().returncode == 0
    path = credentials_path(aws_home)
    path.write_text(path.read_text() + "aws_security_token = stale-token\n")
    assert read_by_botocore(path).token == "stale-token", "botocore reads the old name first"
    done = export_to_file()
    assert done.returncode == 0, done.stderr
    assert "aws_security_token" not in path.read_text()
    assert read_by_botocore(path).token == cached["SessionToken"]


def test_keys_the_user_wrote_are_never_overwritten(cached: dict, aws_home: Path) -> None:
    path = credentials_path(aws_home)
    original = b"[ci]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = long-term-secret\n"
    path.write_bytes(original)
    done = export_to_file()
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "did not write" in done.stderr, done.stderr
    assert path.read_bytes() == original


def test_exports_of_several_sections_at_once_all_land(cached: dict, aws_home: Path) -> None:
    from tests.conftest import COMMAND

    base = [*COMMAND, "export", "--profile", "dev", "--format", "credentials-file", "--credentials-profile"]
    names = [f"team{number}" for number in range(8)]
    running = [subprocess.Popen([*base, name], stderr=subprocess.PIPE, text=True) for name in names]
    for process in running:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    for name in names:
        assert read_by_botocore(credentials_path(aws_home), name).access_key == "ASIAFIRST"


BAD_NAMES = {
    "bracket": "a]b",
    "opening-bracket": "a[b",
    "newline": "ci\n[dev]",
    "carriage-return": "ci\rx",
    "escape": "ci\x1b[31m",
    "leading-space": " ci",
    "trailing-space": "ci ",
    "equals": "a=b",
    "empty": "",
    "configparser-default": "DEFAULT",
    "too-long": "x" * 129,
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_section_name_that_would_not_read_back_is_refused(name: str, cached: dict, aws_home: Path) -> None:
    done = export_to_file(name=name)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("botocore-sso: --credentials-profile ") and done.stderr.count("\n") == 1
    assert "\x1b" not in done.stderr
    assert not credentials_path(aws_home).exists()


SHADOWED = {
    "sso": ("[profile other]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\n", "from SSO"),
    "role": ("[profile other]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = dev\n", "from role_arn"),
    "process": ("[profile other]\ncredential_process = /bin/true\n", "from credential_process"),
    "web-identity": (
        "[profile other]\nrole_arn = a\nweb_identity_token_file = /t\n",
        "web_identity_token_file",
    ),
}


@pytest.mark.parametrize(("section", "said"), SHADOWED.values(), ids=SHADOWED.keys())
def test_a_profile_of_the_config_that_gets_credentials_another_way_is_refused(
    section: str, said: str, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    (aws_home / ".aws" / "config").write_text((aws_home / ".aws" / "config").read_text() + "\n" + section)
    write_role_credentials(aws_home)
    done = export_to_file(name="other")
    assert done.returncode == 1
    assert said in done.stderr and "shadow" in done.stderr, done.stderr
    assert not credentials_path(aws_home).exists()


def test_the_exported_profile_itself_is_refused(cached: dict, aws_home: Path) -> None:
    done = export_to_file(name="dev")
    assert done.returncode == 1
    assert "the profile being exported" in done.stderr
    assert not credentials_path(aws_home).exists()


def test_a_config_profile_with_only_settings_gets_the_keys(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG + "\n[profile ci]\nregion = eu-central-1\n")
    write_role_credentials(aws_home, AccessKeyId="ASIAFORCI")
    assert export_to_file().returncode == 0
    script = (
        "import boto3, json; s = boto3.Session(profile_name='ci'); "
        "print(json.dumps([s.region_name, s.get_credentials().access_key]))"
    )
    answer = run_python("-c", script, native=True)
    assert json.loads(answer.stdout) == ["eu-central-1", "ASIAFORCI"], answer.stderr


USAGE_ERRORS = {
    "no-name": ["--format", "credentials-file"],
    "name-without-the-format": ["--credentials-profile", "ci"],
    "name-with-dotenv": ["--format", "dotenv", "--credentials-profile", "ci"],
    "output-with-env": ["--format", "env", "--output", "out.env"],
    "output-with-credentials-file": [
        "--format",
        "credentials-file",
        "--credentials-profile",
        "ci",
        "--output",
        "x",
    ],
}


@pytest.mark.parametrize("arguments", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_options_that_do_not_go_together_are_usage_errors(
    arguments: List[str], cached: dict, aws_home: Path, tmp_path: Path
) -> None:
    done = botocore_sso("export", "--profile", "dev", *arguments)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1
    assert not credentials_path(aws_home).exists()


def test_a_symlinked_credentials_file_stays_a_symlink(cached: dict, aws_home: Path) -> None:
    dotfiles = aws_home / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-credentials"
    target.write_text("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s\n")
    target.chmod(0o600)
    link = credentials_path(aws_home)
    link.symlink_to(target)
    assert export_to_file().returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert read_by_botocore(target).access_key == "ASIAFIRST"
    assert read_by_botocore(target, "other").access_key == "AKIAOTHER"


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_path_that_is_no_regular_file_is_refused_without_hanging(
    kind: str, cached: dict, aws_home: Path
) -> None:
    path = credentials_path(aws_home)
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    done = export_to_file()
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and str(path) in done.stderr, done.stderr
    assert path.is_dir() if kind == "directory" else stat.S_ISFIFO(path.stat().st_mode)


_MOUNT_READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def test_a_read_only_directory_is_one_sentence_and_the_old_file_stays(
    cached: dict, aws_home: Path, tmp_path: Path
) -> None:
    directory = aws_home / "read-only"
    directory.mkdir()
    path = directory / "credentials"
    original = b"[keep]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = s\n"
    path.write_bytes(original)
    env = {**os.environ, "AWS_SHARED_CREDENTIALS_FILE": str(path)}
    command = ["export", "--profile", "dev", "--format", "credentials-file", "--credentials-profile", "ci"]
    if os.geteuid() == 0:  # modes stop nothing for root: a read-only bind mount in a private namespace
        if shutil.which("unshare") is None:
            pytest.skip("root without unshare cannot make a directory read-only")
        from tests.conftest import COMMAND

        done = subprocess.run(
            ["unshare", "--mount", "sh", "-c", _MOUNT_READ_ONLY, "sh", str(directory), *COMMAND, *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        if "mount:" in done.stderr or "unshare:" in done.stderr:
            pytest.skip(f"no read-only bind mount here: {done.stderr.strip()}")
    else:
        directory.chmod(0o500)
        try:
            done = botocore_sso(*command, env=env)
        finally:
            directory.chmod(0o700)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and f"cannot use {path}:" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == original
    assert os.listdir(directory) == ["credentials"], "no temp file left behind"


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
ANOTHER_USER = 65534  # nobody


@needs_root
def test_another_users_file_is_refused(cached: dict, aws_home: Path) -> None:
    path = credentials_path(aws_home)
    original = b"[theirs]\naws_access_key_id = AKIATHEIRS\naws_secret_access_key = s\n"
    path.write_bytes(original)
    os.chown(path, ANOTHER_USER, ANOTHER_USER)
    done = export_to_file()
    assert done.returncode == 1
    assert "belongs to another user" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert path.read_bytes() == original


@needs_root
def test_under_sudo_the_file_stays_the_users(cached: dict, aws_home: Path) -> None:
    path = credentials_path(aws_home)
    path.write_text("[mine]\naws_access_key_id = AKIAMINE\naws_secret_access_key = s\n")
    os.chown(path, ANOTHER_USER, ANOTHER_USER)
    path.chmod(0o640)
    env = {**os.environ, "SUDO_UID": str(ANOTHER_USER), "SUDO_GID": str(ANOTHER_USER), "SUDO_USER": "nobody"}
    done = export_to_file(env=env)
    assert done.returncode == 0, done.stderr
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (ANOTHER_USER, ANOTHER_USER, 0o600)
    assert read_by_botocore(path).access_key == "ASIAFIRST"


# --- dotenv ------------------------------------------------------------------------------------------


def read_env_file_as_docker_does(text: str) -> List[str]:
    """``NAME=value`` entries as docker's ``--env-file`` reader makes them (docker/cli opts/envfile.go).

    Lines split at ``\\n`` (a ``\\r`` before it dropped, Go's ScanLines); a
    UTF-8 BOM dropped from the first; leading whitespace trimmed; empty lines
    and lines starting with ``#`` skipped; the name is what comes before the
    first ``=`` and may not hold a space or tab; the value is the rest, as
    it stands: no trimming, no quotes removed, nothing expanded.
    """
    entries = []
    for number, raw in enumerate(text.split("\n")):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 0:
            line = line.removeprefix("\ufeff") if hasattr(line, "removeprefix") else line
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.lstrip(" \t")
        assert name and not any(c in name for c in " \t"), f"docker refuses the line {line!r}"
        assert equals, f"{name} without a value: docker would take it from its own environment"
        entries.append(f"{name}={value}")
    return entries


def test_dotenv_reads_back_in_docker_exactly(cached: dict) -> None:
    done = botocore_sso("export", "--profile", "dev", "--format", "dotenv")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert read_env_file_as_docker_does(done.stdout) == [
        "AWS_ACCESS_KEY_ID=ASIAFIRST",
        "AWS_SECRET_ACCESS_KEY=first/secret+key",
        f"AWS_SESSION_TOKEN={cached['SessionToken']}",
        f"AWS_CREDENTIAL_EXPIRATION={cached['Expiration']}",
        "AWS_REGION=us-east-1",
        "AWS_DEFAULT_REGION=us-east-1",
    ]
    assert "export " not in done.stdout and "'" not in done.stdout and '"' not in done.stdout


class _StandInDaemon(http.server.BaseHTTPRequestHandler):
    """Answers the docker CLI's ping and records the container it asks for; creates nothing."""

    created: List[dict] = []

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self._answer(200, b"OK")

    def do_GET(self) -> None:
        self._answer(200, b"OK")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/containers/create" in self.path:
            self.created.append(json.loads(body))
        self._answer(500, b'{"message": "a stand-in daemon creates nothing"}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in_daemon() -> Iterator[Tuple[str, List[dict]]]:
    created: List[dict] = []
    handler = type("Handler", (_StandInDaemon,), {"created": created})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}", created
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker command is not installed here")
def test_the_docker_command_reads_the_env_file_as_written(
    cached: dict, tmp_path: Path, stand_in_daemon: Tuple[str, List[dict]]
) -> None:
    env_file = tmp_path / "dev.env"
    done = botocore_sso("export", "--profile", "dev", "--format", "dotenv", "--output", str(env_file))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr.startswith(f"Wrote {env_file}; the credentials expire at ")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    host, created = stand_in_daemon
    docker_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOCKER_HOST": host}
    docker_env["DOCKER_CONFIG"] = str(tmp_path / "docker-config")
    ran = subprocess.run(
        ["docker", "create", "--env-file", str(env_file), "example.invalid/image"],
        capture_output=True,
        text=True,
        env=docker_env,
        timeout=60,
        check=False,
    )
    assert created, ran.stderr
    assert created[0]["Env"] == read_env_file_as_docker_does(env_file.read_text())
    assert created[0]["Env"][1] == "AWS_SECRET_ACCESS_KEY=first/secret+key"


def test_a_dollar_in_a_value_is_refused_and_nothing_is_printed_or_written(
    write_config: Callable[[str], Path], aws_home: Path, tmp_path: Path
) -> None:
    write_config(SSO_CONFIG)
    write_role_credentials(aws_home, SecretAccessKey="abc$HOME")  # docker keeps it; compose expands it
    done = botocore_sso("export", "--profile", "dev", "--format", "dotenv")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "AWS_SECRET_ACCESS_KEY" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "abc$HOME" not in done.stderr
    output = tmp_path / "dev.env"
    written = botocore_sso("export", "--profile", "dev", "--format", "dotenv", "--output", str(output))
    assert written.returncode == 1
    assert not output.exists()


def test_a_second_dotenv_output_run_rewrites_nothing_when_nothing_changed(
    cached: dict, tmp_path: Path
) -> None:
    output = tmp_path / "dev.env"
    command = ["export", "--profile", "dev", "--format", "dotenv", "--output", str(output)]
    assert botocore_sso(*command).returncode == 0
    before = output.stat()
    again = botocore_sso(*command)
    assert again.returncode == 0 and again.stderr.startswith("Left unchanged ")
    assert output.stat().st_mtime_ns == before.st_mtime_ns


DOTENV_REFUSED = {
    "dollar": "abc$HOME",
    "braces": "a${X}b",
    "single-quote": "'quoted'",
    "double-quote": 'say"hi',
    "backtick": "a`id`",
    "backslash": "back\\slash",
    "hash-first": "#not-a-comment",
    "space-hash": "a #comment",
    "leading-space": " a",
    "trailing-space": "a ",
    "tab": "a\tb",
    "newline": "a\nb",
    "carriage-return": "a\rb",
    "escape": "a\x1b[31m",
    "bidi": "a\u202eb",
}
DOTENV_KEPT = {"base64": "Ab+/cd==", "inner-hash": "a#b", "colon-and-at": "user@host:1", "empty": ""}


@pytest.mark.parametrize("value", DOTENV_REFUSED.values(), ids=DOTENV_REFUSED.keys())
def test_a_value_docker_or_compose_would_read_differently_is_refused(value: str) -> None:
    from botocore_sso_provider.cli.exporting import ProfileCredentials, render
    from botocore_sso_provider.errors import UnsafeValueError

    with pytest.raises(UnsafeValueError, match="AWS_SECRET_ACCESS_KEY"):
        render(ProfileCredentials("ASIAX", value, "token"), "dotenv")


@pytest.mark.parametrize("value", DOTENV_KEPT.values(), ids=DOTENV_KEPT.keys())
def test_a_plain_value_is_written_as_it_stands(value: str) -> None:
    from botocore_sso_provider.cli.exporting import ProfileCredentials, render

    text = render(ProfileCredentials("ASIAX", value, "token"), "dotenv")
    assert read_env_file_as_docker_does(text)[1] == f"AWS_SECRET_ACCESS_KEY={value}"


HOSTILE_KEYS = {
    "newline-in-token": {"token": "tok\n[default]\naws_access_key_id = EVIL"},
    "space-in-secret": {"secret_key": "a b"},
    "no-token": {"token": None},
}


@pytest.mark.parametrize("fields", HOSTILE_KEYS.values(), ids=HOSTILE_KEYS.keys())
def test_credentials_that_are_no_clean_temporary_keys_never_reach_the_file(
    fields: Dict[str, Any], tmp_path: Path
) -> None:
    from botocore_sso_provider.cli.exporting import ProfileCredentials, write_credentials_section

    values: Dict[str, Any] = {"access_key": "ASIAX", "secret_key": "s", "token": "t", **fields}
    path = tmp_path / "credentials"
    with pytest.raises(ValueError, match=r"session token|secret access key"):
        write_credentials_section(ProfileCredentials(**values), "dev", "ci", str(path))
    assert not path.exists()
