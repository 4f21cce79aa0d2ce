"""``world``: one fake Identity Center and one moto STS per test, and every path run on a state."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Callable, Iterator, List, Sequence, Tuple

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter

from .paths import CREDENTIAL_PATHS, Outcome, Runner, StatusAnswer, portal_key
from .states import State, issue_logins, write


class World:
    """The test's HOME, the fake and the runner: each path runs from the same files, written anew."""

    def __init__(self, home: Path, idc: FakeIdentityCenter) -> None:
        self.home = home
        self.idc = idc
        self.runner = Runner(idc, portal_key(idc))
        self.issued = issue_logins(idc)

    def write(self, state: State) -> None:
        write(state, self.home, self.issued)

    def outcomes(self, state: State, paths: Sequence[str] = CREDENTIAL_PATHS) -> List[Outcome]:
        """The credential ``paths`` (names of ``CREDENTIAL_PATHS``) on ``state``, in that order."""
        outcomes = []
        for path in paths:
            self.write(state)
            outcomes.append(getattr(self.runner, path.replace("-", "_").replace(" ", "_"))(state))
        return outcomes

    def status(self, state: State) -> StatusAnswer:
        self.write(state)
        return self.runner.status(state)

    def run(self, state: State) -> Tuple[List[Outcome], StatusAnswer]:
        """Every credential path, then status, each from the same files."""
        return self.outcomes(state), self.status(state)


@pytest.fixture
def make_world(
    aws_home: Path,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., World]]:
    """A world around a fake started with these options (on top of the two below).

    ``stable_role_credentials`` makes "fetched from the portal" one access key
    for every path; without rotation, each path can spend the same seeded
    refresh token.
    """
    if not hasattr(os, "fork"):
        pytest.skip("the paths run in forked processes")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    with contextlib.ExitStack() as stack:

        def make(**options: Any) -> World:
            fake = FakeIdentityCenter(stable_role_credentials=True, rotate_refresh_tokens=False, **options)
            idc = stack.enter_context(fake)
            for name, value in idc.environ().items():
                monkeypatch.setenv(name, value)
            return World(aws_home, idc)

        yield make


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()
