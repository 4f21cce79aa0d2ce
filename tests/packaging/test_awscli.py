"""The AWS CLI v1 (awscli from PyPI) resolves SSO profiles through the package, unchanged.

``aws sts get-caller-identity --profile dev`` runs in a fresh environment with
the wheel installed, against moto's server for STS and the fake Identity
Center for SSO. The package's mark: the role credentials land in the shared
cache, so a second ``aws`` process makes no GetRoleCredentials call; with the
off switch, the CLI's own botocore calls it in every process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from tests.packaging.conftest import SSOWorld, Venv, find_aws_cli

pytestmark = [
    pytest.mark.activation,
    pytest.mark.slow,
    pytest.mark.skipif(find_aws_cli() is None, reason="awscli is not installed (it is in the test extra)"),
]


@pytest.fixture
def aws_venv(make_venv: Callable[[], Venv], wheel: Path) -> Venv:
    venv = make_venv()
    venv.pip("install", "--no-deps", str(wheel))
    return venv


def aws_role_calls(venv: Venv, world: SSOWorld, moto_url: str, runs: int = 2, **extra_env: str) -> list[int]:
    """Run ``aws sts get-caller-identity`` ``runs`` times; GetRoleCredentials calls per run."""
    env = world.environ(AWS_ENDPOINT_URL=moto_url, **extra_env)
    command = ["-m", "awscli", "sts", "get-caller-identity", "--profile", "dev", "--output", "json"]
    calls = []
    for _ in range(runs):
        count, output = world.role_calls(lambda: venv.run(command, env=env, cwd=world.workdir).stdout)
        identity = json.loads(output)
        assert identity["Account"] and identity["Arn"], identity
        calls.append(count)
    return calls


def test_the_aws_cli_resolves_sso_profiles_through_the_package(
    aws_venv: Venv, sso_world: SSOWorld, moto_url: str
) -> None:
    assert aws_role_calls(aws_venv, sso_world, moto_url) == [1, 0]
    assert len(sso_world.role_cache_files()) == 1


def test_with_the_off_switch_the_aws_cli_uses_its_own_provider(
    aws_venv: Venv, sso_world: SSOWorld, moto_url: str
) -> None:
    assert aws_role_calls(aws_venv, sso_world, moto_url, BOTOCORE_SSO_PROVIDER_DISABLED="1") == [1, 1]
    assert sso_world.role_cache_files() == []
