"""Every way the package answers "what are this profile's credentials?", each run as its own process.

In real use each path is a process of its own (an SDK starting
``credential-process``, a prompt running ``status --short``, a program using
boto3), so here each runs in a forked copy of the test process: the same
real code (``cli.main.main`` for the commands, so the early dispatch and the
warm fast path run as installed), none of the state one path leaves in a
process (clock skew, refresh history, botocore sessions) reaching the next,
and no interpreter start to pay per run. The files are rewritten before each
path by the caller; the fake's request counters are read around each one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import re
import select
import signal
import urllib.request
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from botocore_sso_provider.testing import FakeIdentityCenter

from .states import ACCOUNT_ID, ENVIRONMENT_KEY, FILE_KEYS, PLAIN_KEY, ROLE_NAME, State

CHILD_TIMEOUT = 60.0

CREDENTIAL_PATHS = ("provider", "credential-process", "full path", "export", "serve")


@dataclass(frozen=True)
class Outcome:
    """What one path did: credentials from a source, or an error of a kind; and what it asked the fake."""

    path: str
    source: Optional[str]  # where the access key came from; None when the path failed
    error: Optional[str]  # the kind of error (``error_kind``); None when it succeeded
    creates: int  # CreateToken requests at the fake during the path
    fetches: int  # GetRoleCredentials requests at the fake during the path
    message: str = ""  # the error's sentence (stderr of a command), for the report
    exit_status: Optional[int] = None  # commands only
    stderr: str = ""  # commands only

    @property
    def verdict(self) -> Tuple[Any, ...]:
        """What must be equal across the credential paths."""
        if self.source is None:
            return ("fails", self.error)
        return ("succeeds", self.source, self.creates, self.fetches)

    def __str__(self) -> str:
        if self.source is None:
            return f"{self.path}: fails ({self.error}): {self.message}"
        return f"{self.path}: {self.source} (CreateToken {self.creates}, GetRoleCredentials {self.fetches})"


@dataclass(frozen=True)
class StatusAnswer:
    """``status --short`` and ``status --format json`` for the same profile."""

    exit_status: int
    line: str  # the short line on stdout ('' when it failed)
    stderr: str
    json_exit_status: int
    json_document: Optional[Dict[str, Any]]
    json_stderr: str

    @property
    def verdict(self) -> str:
        """``usable``, ``refresh``, ``login needed``, or ``error``.

        From status's JSON ``verdict`` for the profile (what the provider will
        do); the prompt line only shows a duration for a token that is due, so
        it is read only where there is no JSON verdict.
        """
        if not self.line:
            return "error"
        profile = (self.json_document or {}).get("profile")
        said = profile.get("verdict") if isinstance(profile, dict) else None
        if said in ("usable", "refresh", "login"):
            return "login needed" if said == "login" else str(said)
        word = self.line.split()[-1] if self.line.split() else ""
        if word in ("expired", "out", "unreadable"):
            return "login needed"
        if word == "refresh":
            return "refresh"
        return "usable"


def error_kind(message: str) -> str:
    """The kind of an error, from the sentence every path shows (exception text, stderr, served body).

    A missing profile's kind holds its name: "" and "default" are different profiles.
    """
    missing = re.search(r'profile \((.*)\) could not be found|profile "(.*)" does not exist', message)
    if missing:
        return f"profile not found ({missing.group(1) if missing.group(1) is not None else missing.group(2)})"
    kinds = (
        ("not an SSO profile", ("is not an SSO profile",)),
        ("not logged in", ("There is no SSO login",)),
        ("login expired or ended", ("has expired", "has ended")),
        ("cache unusable", ("is unreadable", "cannot be used")),
        ("no credentials", ("has no credentials", "no credentials found", "Unable to locate credentials")),
        ("config error", ("config", "Config")),
        ("crash", ("unexpected ",)),
    )
    for kind, phrases in kinds:
        if any(phrase in message for phrase in phrases):
            return kind
    return f"other ({message[:80]})"


LOGIN_NEEDED_KINDS = ("not logged in", "login expired or ended", "cache unusable")
"""The kinds a user fixes by logging in (a cache file we cannot read names the login command too)."""


class Runner:
    """Runs the paths against one fake Identity Center; knows which key each source hands out."""

    def __init__(self, idc: FakeIdentityCenter, portal_key: str) -> None:
        self.idc = idc
        self.sources = {
            FILE_KEYS["corp"]: "corp role file",
            FILE_KEYS["legacy"]: "legacy role file",
            portal_key: "fetched from the portal",
            PLAIN_KEY: "static keys",
            ENVIRONMENT_KEY: "environment keys",
        }

    def source_of(self, access_key: str) -> str:
        return self.sources.get(access_key, "assumed role (STS)")

    # -- the credential paths --------------------------------------------------------

    def provider(self, state: State) -> Outcome:
        def resolve() -> str:
            import boto3

            from botocore_sso_provider import register

            session = boto3.Session(profile_name=state.selection.explicit)
            register(session)
            credentials = session.get_credentials()
            if credentials is None:
                raise LookupError("no credentials found")
            return str(credentials.get_frozen_credentials().access_key)

        return self._call("provider", state, resolve)

    def full_path(self, state: State) -> Outcome:
        def resolve() -> str:
            from botocore_sso_provider.cli.credential_source import CredentialSource

            return CredentialSource(state.selection.explicit).resolve().access_key

        return self._call("full path", state, resolve)

    def credential_process(self, state: State) -> Outcome:
        return self._command("credential-process", state, ["credential-process", *profile_arguments(state)])

    def export(self, state: State) -> Outcome:
        return self._command("export", state, ["export", "--format", "json", *profile_arguments(state)])

    def serve(self, state: State) -> Outcome:
        """``serve`` started in a child, asked once by botocore's ContainerProvider (here)."""
        self.idc.reset_counts()
        access_key, message = None, ""
        with served(state) as server:
            if server.ended is None:
                try:
                    access_key = _ask_container_provider(server.environment)
                except Exception as err:
                    message = f"{type(err).__name__}: {err}"
        ended = server.ended or {}
        stderr = str(ended.get("stderr", ""))
        return self._outcome(
            "serve",
            access_key,
            message or stderr.strip(),
            self.idc.request_counts(),
            exit_status=ended.get("status"),
            stderr=stderr,
        )

    # -- status ------------------------------------------------------------------------

    def status(self, state: State) -> StatusAnswer:
        short = self._run_in_child(state, lambda: _captured(["status", "--short", *profile_arguments(state)]))
        name = state.selection.botocore_name()
        document = self._run_in_child(
            state,
            lambda: _captured(
                ["status", "--format", "json", "--profile", "default" if name is None else name]
            ),
        )
        (status, out, err), (json_status, json_out, json_err) = short, document
        try:
            parsed = json.loads(json_out) if json_out.strip() else None
        except ValueError:
            parsed = {"unparseable": json_out}
        return StatusAnswer(status, out.strip(), err, json_status, parsed, json_err)

    # -- plumbing ------------------------------------------------------------------------

    def _call(self, path: str, state: State, resolve: Callable[[], str]) -> Outcome:
        def attempt() -> Tuple[Optional[str], str]:
            try:
                return resolve(), ""
            except Exception as err:
                return None, f"{type(err).__name__}: {err}"

        self.idc.reset_counts()
        access_key, message = self._run_in_child(state, attempt)
        return self._outcome(path, access_key, message, self.idc.request_counts())

    def _command(self, path: str, state: State, arguments: List[str]) -> Outcome:
        self.idc.reset_counts()
        status, out, err = self._run_in_child(state, lambda: _captured(arguments))
        access_key = json.loads(out)["AccessKeyId"] if status == 0 else None
        return self._outcome(
            path, access_key, err.strip(), self.idc.request_counts(), exit_status=status, stderr=err
        )

    def _outcome(
        self, path: str, access_key: Optional[str], message: str, counts: Dict[str, int], **command: Any
    ) -> Outcome:
        return Outcome(
            path=path,
            source=None if access_key is None else self.source_of(access_key),
            error=None if access_key is not None else error_kind(message),
            creates=counts["CreateToken"],
            fetches=counts["GetRoleCredentials"],
            message=message,
            **command,
        )

    @staticmethod
    def _run_in_child(state: State, work: Callable[[], Any]) -> Any:
        return in_child(lambda: (apply_environment(state), work())[1])


def profile_arguments(state: State) -> List[str]:
    explicit = state.selection.explicit
    return [] if explicit is None else ["--profile", explicit]


def apply_environment(state: State) -> None:
    for name, value in state.environment().items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def portal_key(idc: FakeIdentityCenter) -> str:
    """The access key the fake hands out for the role (``stable_role_credentials``), asked once."""
    token = idc.issue_token(session_name="portal-key")
    request = urllib.request.Request(
        f"{idc.url}/federation/credentials?role_name={ROLE_NAME}&account_id={ACCOUNT_ID}",
        headers={"x-amz-sso_bearer_token": token["accessToken"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["roleCredentials"]["accessKeyId"])


@dataclass
class Served:
    """A ``serve`` command running in a child: the variables it printed, or how it ended instead."""

    environment: Dict[str, str]
    ended: Optional[Dict[str, Any]]  # its exit status and stderr, when it stopped before serving

    def get(self) -> Dict[str, Any]:
        """One authorized GET, as a container SDK sends it: the JSON body."""
        request = urllib.request.Request(
            self.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
            headers={"Authorization": self.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))


@contextlib.contextmanager
def served(state: State) -> Iterator[Served]:
    """``botocore-sso serve`` in a forked child, until the block ends (then it is killed)."""
    read_end, write_end = os.pipe()
    pid = _fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        out = open(write_end, "w", buffering=1)  # noqa: SIM115 - closed by os._exit below
        try:
            apply_environment(state)
            errors = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errors):
                status = _main(["serve", *profile_arguments(state)])
            out.write("\0" + json.dumps({"status": status, "stderr": errors.getvalue()}) + "\n")
        finally:
            out.flush()
            os._exit(0)
    os.close(write_end)
    with open(read_end) as lines:
        environment, ended = _served_environment(lines)
        try:
            yield Served(environment, ended)
        finally:
            os.kill(pid, signal.SIGKILL)  # a clean stop is test_serve's business
            os.waitpid(pid, 0)


def in_child(work: Callable[[], Any], timeout: float = CHILD_TIMEOUT) -> Any:
    """``work()`` in a forked child; its result (or its exception, re-raised here) comes back pickled."""
    read_end, write_end = os.pipe()
    pid = _fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            try:
                result: Tuple[str, Any] = ("returned", work())
            except BaseException as err:  # reported to the parent, whatever it is
                result = ("raised", f"{type(err).__name__}: {err}")
            with open(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(result))
        finally:
            os._exit(0)
    os.close(write_end)
    with open(read_end, "rb") as pipe:
        if not select.select([pipe], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"a path did not finish in {timeout:g} s")
        data = pipe.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)  # noqa: S301 - our own child's answer
    if kind == "raised":
        raise RuntimeError(f"the path itself broke in the child: {value}")
    return value


def _fork() -> int:
    with warnings.catch_warnings():  # Python 3.12+: the servers' threads stay in the parent
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _main(arguments: List[str]) -> int:
    from botocore_sso_provider.cli.main import main

    return main(arguments)


def _captured(arguments: List[str]) -> Tuple[int, str, str]:
    """``botocore-sso ARGUMENTS``: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = _main(arguments)
        except SystemExit as exit:  # argparse
            status = exit.code if isinstance(exit.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def _served_environment(lines: io.TextIOWrapper) -> Tuple[Dict[str, str], Optional[Dict[str, Any]]]:
    """The two variables ``serve`` prints; or, when it ended instead, its exit status and stderr."""
    environment: Dict[str, str] = {}
    for line in lines:
        if line.startswith("\0"):
            return environment, json.loads(line[1:])
        if line.startswith("export "):
            name, _, value = line[len("export ") :].strip().partition("=")
            environment[name] = value
        if "Press Ctrl-C" in line:
            return environment, None
    return environment, {"status": None, "stderr": "serve ended without a word"}


def _ask_container_provider(environment: Dict[str, str]) -> str:
    """botocore's own container provider, pointed at the server; no sleeping between its retries."""
    from botocore.credentials import ContainerProvider
    from botocore.utils import ContainerMetadataFetcher

    provider = ContainerProvider(environ=environment, fetcher=ContainerMetadataFetcher(sleep=lambda _: None))
    credentials = provider.load()
    if credentials is None:
        raise LookupError("the container provider found nothing")
    return str(credentials.get_frozen_credentials().access_key)
