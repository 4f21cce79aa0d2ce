"""``botocore-sso demo``: the whole path, end to end, on this machine alone.

It starts the fake IAM Identity Center and moto's server on loopback, makes a
temporary HOME with its own ``~/.aws/config`` (the user's real ``~/.aws`` is
never read or written), logs in with the device-code flow (auto-approved),
then resolves credentials through a plain ``boto3.Session(profile_name=...)``
and uses them for real calls: STS GetCallerIdentity and an S3 round trip.
Last, a herd: several processes resolve at the same moment with the token
inside its refresh window, and the fake server's counters show one refresh
for all of them (and, for comparison, what botocore's own provider does).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any, Iterator, List, Sequence, TextIO

PROFILE = "demo"
SESSION_NAME = "demo"
ACCOUNT_ID = "111111111111"
ROLE_NAME = "ReadOnly"
REGION = "us-east-1"
HERD_SIZE = 8
HERD_TIMEOUT = 60.0
"""Seconds a herd may take to start and to finish before the demo gives up on it."""
_OFF_SWITCH = "BOTOCORE_SSO_PROVIDER_DISABLED"  # activation's off switch

_ISOLATED_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def run(out: TextIO) -> int:
    """Run the demo, printing each step; returns the exit status."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as err:
        out.write(
            f"The demo needs boto3 and moto ({err.name} is missing). "
            "Run: pip install 'botocore-sso-provider[demo]'\n"
        )
        return 2

    from ..login import DeviceCodeLogin
    from ..provider.config import resolve_session
    from ..testing import DEFAULT_START_URL, FakeIdentityCenter

    started = time.monotonic()
    step = _Steps(out)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log
    with contextlib.ExitStack() as stack:
        idc = stack.enter_context(FakeIdentityCenter(device_poll_interval=1))
        step(f"Started the fake IAM Identity Center at {idc.url}")
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        stack.callback(moto.stop)
        host, port = moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        step(f"Started moto's AWS server at {moto_url}")

        home = stack.enter_context(_temporary_home())
        config_path = os.path.join(home, ".aws", "config")
        _write_config(config_path, DEFAULT_START_URL)
        stack.enter_context(
            _environment(
                HOME=home,
                AWS_CONFIG_FILE=config_path,
                AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, ".aws", "credentials"),
                AWS_ENDPOINT_URL=moto_url,
                **idc.environ(),
            )
        )
        step(f"Made a temporary HOME {home} with this ~/.aws/config:")
        with open(config_path, encoding="utf-8") as handle:
            out.write(textwrap.indent(handle.read(), "      ") + "\n")

        step("Logging in with the device-code flow (the fake server approves at once):")
        botocore_session = boto3.Session()._session
        session_config = resolve_session(botocore_session.full_config, SESSION_NAME)
        token = DeviceCodeLogin(
            session_config, botocore_session, out=_Indented(out), open_browser=False
        ).run()
        step(f"Logged in; the token is cached until {token.data['expiresAt']} in ~/.aws/sso/cache/")

        session, how = _sso_session(boto3)
        credentials = session.get_credentials()
        step(
            f'boto3.Session(profile_name="{PROFILE}") resolved role {ROLE_NAME} in account '
            f"{ACCOUNT_ID} through {how}: {type(credentials).__name__}, method {credentials.method!r}"
        )

        identity = session.client("sts", region_name=REGION, endpoint_url=moto_url).get_caller_identity()
        step(f"STS GetCallerIdentity answered: account {identity['Account']}, {identity['Arn']}")

        s3 = session.client("s3", region_name=REGION, endpoint_url=moto_url)
        bucket = "botocore-sso-provider-demo"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello from IAM Identity Center")
        body = s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read().decode()
        s3.delete_object(Bucket=bucket, Key="hello.txt")
        s3.delete_bucket(Bucket=bucket)
        step(f"S3 round trip: created a bucket, wrote and read back {body!r}, cleaned up")

        before = idc.request_counts().get("GetRoleCredentials", 0)
        second, _ = _sso_session(boto3)
        second.get_credentials().get_frozen_credentials()
        after = idc.request_counts().get("GetRoleCredentials", 0)
        step(
            f"A second session resolved the same profile with {after - before} "
            "GetRoleCredentials calls: the role credentials came from the shared cache"
        )
        _herd_steps(step, idc, botocore_session)
        counts = ", ".join(f"{name} {count}" for name, count in sorted(idc.request_counts().items()) if count)
        step(f"The fake IAM Identity Center served: {counts}")
    out.write(f"\nDemo finished in {time.monotonic() - started:.1f} s.\n")
    return 0


def _herd_steps(step: _Steps, idc: Any, botocore_session: Any) -> None:
    """N processes at once, token inside the refresh window: ours, then botocore's own provider."""
    for native in (False, True):
        _token_due_for_refresh(botocore_session)
        before = idc.request_counts()
        results = _run_herd(HERD_SIZE, native=native)
        after = idc.request_counts()
        refreshes = after["CreateToken"] - before["CreateToken"]
        fetches = after["GetRoleCredentials"] - before["GetRoleCredentials"]
        succeeded = sum(1 for result in results if result.get("ok"))
        if not native:
            step(
                f"{HERD_SIZE} processes resolved at once with the token 5 minutes from expiry "
                f"(inside the refresh window): {succeeded} of {HERD_SIZE} succeeded with "
                f"{refreshes} CreateToken and {fetches} GetRoleCredentials between them: one "
                "refresh under the file lock, and the role credentials it fetched shared by all"
            )
        else:
            step(
                f"The same herd with botocore's own SSO provider ({_OFF_SWITCH}=1): "
                f"{succeeded} of {HERD_SIZE} succeeded with {refreshes} CreateToken and "
                f"{fetches} GetRoleCredentials calls (no lock: each process may refresh, and "
                "a rotated refresh token is then spent by another)"
            )


def _token_due_for_refresh(botocore_session: Any) -> None:
    """Put the cached token 5 minutes from expiry and forget cached role credentials."""
    from .. import settings
    from ..provider.config import resolve_profile
    from ..rules.timestamps import format_timestamp, utcnow
    from ..store.cache import JSONFileCache

    config = resolve_profile(botocore_session.full_config, PROFILE)
    assert config is not None
    tokens = JSONFileCache(settings.token_cache_dir)
    token = tokens.read(config.session.token_cache_key)
    assert token is not None
    token["expiresAt"] = format_timestamp(utcnow() + datetime.timedelta(minutes=5))
    tokens.write(config.session.token_cache_key, token)
    JSONFileCache(settings.role_cache_dir).delete(config.role_cache_key)


def _run_herd(size: int, *, native: bool) -> List[dict]:
    """Start ``size`` processes, release them together through a pipe, collect their reports."""
    env = dict(os.environ)
    if native:
        env[_OFF_SWITCH] = "1"
    read_end, write_end = os.pipe()
    processes: List[subprocess.Popen] = []
    try:
        for _ in range(size):
            argv = [
                sys.executable,
                "-m",
                __name__,
                "herd-worker",
                str(read_end),
                "native" if native else "ours",
            ]
            processes.append(
                subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    pass_fds=(read_end,),
                    env=env,
                )
            )
        os.close(read_end)
        read_end = -1
        _wait_until_ready(processes, time.monotonic() + HERD_TIMEOUT)
    finally:
        if read_end >= 0:
            os.close(read_end)
        os.close(write_end)  # the start signal: every blocked read returns at once
    results = []
    deadline = time.monotonic() + HERD_TIMEOUT
    for process in processes:
        try:
            out, _ = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            results.append({"ok": False, "error": "timed out"})
            continue
        lines = out.decode(errors="replace").splitlines()
        results.append(json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"ok": False})
    return results


def _wait_until_ready(processes: Sequence[subprocess.Popen], deadline: float) -> None:
    """Each process prints "ready" once it has imported boto3; read it unbuffered."""
    with selectors.DefaultSelector() as selector:
        for process in processes:
            assert process.stdout is not None
            selector.register(process.stdout.fileno(), selectors.EVENT_READ)
        waiting = {process.stdout.fileno() for process in processes if process.stdout is not None}
        while waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return  # release the ones that are ready; the rest report as failed
            for key, _ in selector.select(remaining):
                fd = int(key.fd)
                if os.read(fd, len(b"ready\n")) in (b"", b"ready\n"):
                    waiting.discard(fd)
                    selector.unregister(fd)


def _herd_worker(fd: int, native: bool) -> int:
    """One process of the herd: a plain boto3 session; resolves when the pipe closes."""
    import boto3

    session = boto3.Session(profile_name=PROFILE)
    if not native:
        from ..wiring import register

        register(session)
    os.write(sys.stdout.fileno(), b"ready\n")
    os.read(fd, 1)
    try:
        session.get_credentials().get_frozen_credentials()
    except Exception as err:  # reported to the parent, which prints the tally
        print(json.dumps({"ok": False, "error": type(err).__name__}), flush=True)
        return 1
    print(json.dumps({"ok": True}), flush=True)
    return 0


def _sso_session(boto3: Any) -> tuple[Any, str]:
    """A plain boto3 session; registered by hand only where transparent activation is off."""
    from ..provider.activation import is_registered, register

    session = boto3.Session(profile_name=PROFILE)
    if is_registered(session):
        return session, "the transparent activation (no code change)"
    register(session)
    return session, "botocore_sso_provider.register(session), as activation is off here"


def _write_config(path: str, start_url: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            f"[profile {PROFILE}]\n"
            f"sso_session = {SESSION_NAME}\n"
            f"sso_account_id = {ACCOUNT_ID}\n"
            f"sso_role_name = {ROLE_NAME}\n"
            f"region = {REGION}\n"
            f"\n[sso-session {SESSION_NAME}]\n"
            f"sso_start_url = {start_url}\n"
            f"sso_region = {REGION}\n"
            "sso_registration_scopes = sso:account:access\n"
        )


@contextlib.contextmanager
def _temporary_home() -> Iterator[str]:
    home = tempfile.mkdtemp(prefix="botocore-sso-demo-")
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set ``values`` and clear credential variables, restoring all afterwards."""
    saved = {name: os.environ.get(name) for name in (*values, *_ISOLATED_VARIABLES)}
    for name in _ISOLATED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Steps:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._number = 0

    def __call__(self, text: str) -> None:
        self._number += 1
        self._out.write(f"[{self._number}] {text}\n")
        self._out.flush()


class _Indented:
    """A writer that indents what the login prints, so it reads as part of a step."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> Any:
        return self._out.write(textwrap.indent(text, "      "))

    def flush(self) -> None:
        self._out.flush()


if __name__ == "__main__" and sys.argv[1:2] == ["herd-worker"]:
    sys.exit(_herd_worker(int(sys.argv[2]), native=sys.argv[3] == "native"))
