"""Fixtures for activation: the wheel built once, fresh virtual environments, a plain user script.

The package is installed into each fresh environment by pip, from the wheel
or from a copy of the source tree (editable). Its dependencies are not
downloaded again: a directory of links to the ones this test run already has
(boto3, botocore, ... and awscli when present) is put on the new environment's
path by a ``.pth`` path line. That directory holds only those distributions:
not pip, not this package, so the new environment sees this package only
where pip put it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import REPO_ROOT, SSO_CONFIG

# .ci/run's wheel run sets these: the wheel it built, installed where the tests
# run, and the sdist it unpacked, so these tests install what users download.
BUILT_WHEEL = os.environ.get("BOTOCORE_SSO_TEST_WHEEL")
BUILT_SOURCE = os.environ.get("BOTOCORE_SSO_TEST_SOURCE")
ORIGINAL_ENVIRON = dict(os.environ)  # before a test replaces HOME, so pip keeps its real cache
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "filelock", "python-dateutil", "awscli")
SOURCE_IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", ".tox", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)

USER_SCRIPT = """\
import json

import boto3

session = boto3.Session(profile_name="dev")
credentials = session.get_credentials().get_frozen_credentials()
print(json.dumps({"access_key": credentials.access_key}))
"""


@dataclass
class Venv:
    """A fresh virtual environment; pip is this run's, pointed at it with ``--python``."""

    root: Path
    python: Path
    site_packages: Path
    log: list[str] = field(default_factory=list)

    def pip(self, *args: str) -> str:
        env = {**ORIGINAL_ENVIRON, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.python), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        self.log.append(done.stdout + done.stderr)
        assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def run(
        self, args: Sequence[str], *, env: Mapping[str, str], cwd: Path, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.python), *args],
            capture_output=True,
            text=True,
            env=dict(env),
            cwd=cwd,
            timeout=120,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    def installed(self) -> set[str]:
        """Every file and directory under site-packages, relative to it (bytecode caches aside)."""
        return {
            str(path.relative_to(self.site_packages))
            for path in self.site_packages.rglob("*")
            if "__pycache__" not in path.parts
        }


def distribution_closure(names: Sequence[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``names`` need at run time (extras left out), each once."""
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = re.split(r"[\s;\[<>=!~(]", pending.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional tool that this run does not have (awscli), or a marker-excluded one
        found[name] = dist
        pending.extend(req for req in dist.requires or () if "extra ==" not in req)
    return list(found.values())


def link_distributions(target: Path, names: Sequence[str]) -> None:
    """Symlink each top-level module, package and .dist-info of ``names``' closure into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in distribution_closure(names):
        tops = {Path(str(file)).parts[0] for file in dist.files or ()}
        for top in sorted(tops - {"..", "__pycache__"}):
            source = Path(str(dist.locate_file(top)))
            link = target / top
            if source.exists() and not link.exists():
                link.symlink_to(source)


@pytest.fixture(scope="session")
def dependencies_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("dependencies")
    link_distributions(target, RUNTIME_DISTRIBUTIONS)
    return target


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (or of $BOTOCORE_SSO_TEST_SOURCE), so builds write nothing into it."""
    target = tmp_path_factory.mktemp("source") / "botocore-sso-provider"
    shutil.copytree(BUILT_SOURCE or REPO_ROOT, target, ignore=SOURCE_IGNORE, symlinks=True)
    return target


@pytest.fixture(scope="session")
def wheel(source_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the project, built once (or $BOTOCORE_SSO_TEST_WHEEL)."""
    if BUILT_WHEEL:
        return Path(BUILT_WHEEL)
    out = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source_tree)],
        capture_output=True,
        text=True,
        env={**ORIGINAL_ENVIRON, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = out.glob("botocore_sso_provider-*.whl")
    return built


@pytest.fixture
def make_venv(tmp_path: Path, dependencies_dir: Path) -> Callable[[], Venv]:
    """A factory of fresh virtual environments that see this run's dependencies and nothing else."""
    made = 0

    def make() -> Venv:
        nonlocal made
        made += 1
        root = tmp_path / f"venv{made}"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
        python = root / "bin" / "python"
        purelib = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        site_packages = Path(purelib)
        (site_packages / "_test_dependencies.pth").write_text(f"{dependencies_dir}\n")
        return Venv(root=root, python=python, site_packages=site_packages)

    return make


@dataclass
class SSOWorld:
    idc: FakeIdentityCenter
    home: Path
    workdir: Path

    def environ(self, **extra: str) -> dict[str, str]:
        """This process's (test) environment, less anything that would leak the tree under test."""
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PYTHON", "BOTOCORE_SSO_", "VIRTUAL_ENV"))
        }
        env.update(extra)
        return env

    def role_cache_files(self) -> list[Path]:
        return sorted((self.home / ".aws" / "cli" / "cache").glob("*.json"))

    def role_calls(self, run: Callable[[], str]) -> tuple[int, str]:
        """How many GetRoleCredentials requests ``run`` made, and what it printed."""
        before = self.idc.request_counts().get("GetRoleCredentials", 0)
        output = run()
        return self.idc.request_counts().get("GetRoleCredentials", 0) - before, output

    def boto3_script_calls(self, venv: Venv, runs: int = 2, **extra_env: str) -> list[int]:
        """Run the plain boto3 script ``runs`` times, each a new process; GetRoleCredentials per run."""
        script = self.workdir / "user_script.py"
        script.write_text(USER_SCRIPT)
        env = self.environ(**extra_env)
        calls = []
        for _ in range(runs):
            count, output = self.role_calls(lambda: venv.run([str(script)], env=env, cwd=self.workdir).stdout)
            assert json.loads(output)["access_key"].startswith("ASIA")
            calls.append(count)
        return calls


@pytest.fixture
def sso_world(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    aws_home: Path,
    tmp_path: Path,
) -> SSOWorld:
    """An SSO profile "dev" with a fresh login, and the environment a user's process would have."""
    write_config(SSO_CONFIG)
    seed_login()
    return SSOWorld(idc=idc, home=aws_home, workdir=tmp_path)


def find_aws_cli() -> Optional[importlib.metadata.Distribution]:
    try:
        return importlib.metadata.distribution("awscli")
    except importlib.metadata.PackageNotFoundError:
        return None
