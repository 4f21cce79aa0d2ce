"""Installed as users install it: a wheel and an editable install, in fresh virtual environments.

A plain boto3 script, run twice as two processes, tells the package from
botocore's own provider by what the fake Identity Center sees: with the
package, the second process is served by the shared role cache
(~/.aws/cli/cache) and makes no GetRoleCredentials call; botocore's own
provider keeps role credentials in memory, so every process calls it.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from tests.packaging.conftest import SSOWorld, Venv

pytestmark = [pytest.mark.activation, pytest.mark.slow]

PACKAGE_FILES = re.compile(r"(^|/)_?_?(editable__\.?)?_?botocore_sso_provider")
"""Names a trace of the package in site-packages would have."""

NATIVE = [1, 1]
ACTIVATED = [1, 0]


def traces(venv: Venv) -> set[str]:
    return {name for name in venv.installed() if PACKAGE_FILES.search(name)}


def test_the_wheel_ships_the_hook_and_the_entry_point_and_records_them(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [record] = [name for name in names if name.endswith(".dist-info/RECORD")]
        recorded = {line.split(",")[0] for line in archive.read(record).decode().splitlines()}
        pth = archive.read("botocore_sso_provider.pth").decode()
        [entry_points] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        declared = archive.read(entry_points).decode()
    assert {"botocore_sso_provider.pth", "_botocore_sso_provider_startup.py"} <= recorded
    assert pth.startswith("import ") and "_botocore_sso_provider_startup" in pth and "install()" in pth
    group = "[botocore.credential_providers]\n"
    assert group + "sso = botocore_sso_provider.provider.credentials:SSOCredentialProvider" in declared


def test_a_wheel_install_activates_the_package_in_a_plain_boto3_script(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    assert sso_world.boto3_script_calls(venv) == NATIVE, "before the install: botocore's own provider"
    venv.pip("install", "--no-deps", str(wheel))
    assert (venv.site_packages / "botocore_sso_provider.pth").is_file()
    assert sso_world.boto3_script_calls(venv) == ACTIVATED
    assert len(sso_world.role_cache_files()) == 1


def test_the_off_switch_gives_botocores_own_behaviour(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    venv.pip("install", "--no-deps", str(wheel))
    assert sso_world.boto3_script_calls(venv, BOTOCORE_SSO_PROVIDER_DISABLED="1") == NATIVE
    assert sso_world.role_cache_files() == [], "botocore's own provider writes no role cache"
    assert sso_world.boto3_script_calls(venv) == ACTIVATED, "switched on again: the package"


def test_pip_uninstall_leaves_no_trace_and_botocores_own_behaviour(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    before = venv.installed()
    venv.pip("install", "--no-deps", str(wheel))
    assert traces(venv) >= {"botocore_sso_provider.pth", "_botocore_sso_provider_startup.py"}
    venv.pip("uninstall", "--yes", "botocore-sso-provider")
    assert venv.installed() == before
    assert not list((venv.root / "bin").glob("botocore-sso*"))
    assert sso_world.boto3_script_calls(venv) == NATIVE


def test_an_editable_install_activates_the_package_and_uninstalls_cleanly(
    make_venv: Callable[[], Venv], source_tree: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    before = venv.installed()
    venv.pip("install", "--no-deps", "--editable", str(source_tree))
    assert (venv.site_packages / "botocore_sso_provider.pth").is_file()
    assert sso_world.boto3_script_calls(venv) == ACTIVATED
    assert sso_world.boto3_script_calls(venv, BOTOCORE_SSO_PROVIDER_DISABLED="1") == NATIVE
    venv.pip("uninstall", "--yes", "botocore-sso-provider")
    assert venv.installed() == before
    assert sso_world.boto3_script_calls(venv) == NATIVE


def test_start_up_imports_only_the_hook_and_import_botocore_not_the_package(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    env = sso_world.environ()

    def imported(code: str) -> set[str]:
        done = venv.run(["-X", "importtime", "-c", code], env=env, cwd=sso_world.workdir)
        return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if "|" in line}

    bare_pass, bare_botocore = imported("pass"), imported("import botocore")
    venv.pip("install", "--no-deps", str(wheel))
    assert imported("pass") - bare_pass == {"_botocore_sso_provider_startup"}
    assert imported("import botocore") - bare_botocore == {"_botocore_sso_provider_startup"}


ENV_KEYS_SCRIPT = """
import boto3
credentials = boto3.Session().get_credentials().get_frozen_credentials()
print(credentials.access_key)
"""


@pytest.mark.parametrize("damage", ["module-missing", "module-corrupt"])
def test_a_half_installed_package_warns_once_and_leaves_botocores_chain_working(
    damage: str, make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    """Environment-variable keys must keep working whatever is broken in our package."""
    venv = make_venv()
    venv.pip("install", "--no-deps", str(wheel))
    credentials_module = venv.site_packages / "botocore_sso_provider" / "provider" / "credentials.py"
    if damage == "module-missing":
        credentials_module.unlink()
    else:
        credentials_module.write_text("this is not python (\n")
    script = sso_world.workdir / "env_keys.py"
    script.write_text(ENV_KEYS_SCRIPT)
    env = sso_world.environ(AWS_ACCESS_KEY_ID="AKIAENVIRONMENT", AWS_SECRET_ACCESS_KEY="env-secret")
    done = venv.run([str(script)], env=env, cwd=sso_world.workdir)
    assert done.stdout.strip() == "AKIAENVIRONMENT"
    assert done.stderr.count("botocore-sso-provider could not load") == 1, done.stderr
    assert "Traceback" not in done.stderr
    profile = venv.run([str(script)], env={**env, "AWS_PROFILE": "dev"}, cwd=sso_world.workdir)
    assert profile.stdout.strip() == "AKIAENVIRONMENT", "botocore's chain as it was: env keys come first"


def test_a_pth_whose_module_is_gone_prints_nothing_at_start(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    venv = make_venv()
    venv.pip("install", "--no-deps", str(wheel))
    (venv.site_packages / "_botocore_sso_provider_startup.py").unlink()
    done = venv.run(
        ["-c", "import botocore.session; print('ok')"], env=sso_world.environ(), cwd=sso_world.workdir
    )
    assert done.stdout.strip() == "ok"
    assert done.stderr == ""


def test_on_posix_a_refresh_needs_no_filelock(
    make_venv: Callable[[], Venv], wheel: Path, sso_world: SSOWorld
) -> None:
    """The token is expired, so a refresh under the lock is needed: fcntl.flock is the lock on POSIX.

    (Where fcntl is missing, filelock is, and its absence is a clear error:
    see tests/store/test_cache.py.)
    """
    venv = make_venv()
    venv.pip("install", "--no-deps", str(wheel))
    blocker = sso_world.workdir / "blocker"
    blocker.mkdir()
    (blocker / "filelock.py").write_text("raise ImportError('No module named filelock (simulated)')\n")
    token = next((sso_world.home / ".aws" / "sso" / "cache").glob("*.json"))
    data = json.loads(token.read_text())
    data["expiresAt"] = "2001-01-01T00:00:00Z"
    token.write_text(json.dumps(data))
    script = sso_world.workdir / "user_script.py"
    script.write_text(
        "import boto3, sys\n"
        "frozen = boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()\n"
        "print('resolved' if frozen.access_key else 'empty', 'filelock' in sys.modules)\n"
    )
    done = venv.run([str(script)], env=sso_world.environ(PYTHONPATH=str(blocker)), cwd=sso_world.workdir)
    assert done.stdout.split() == ["resolved", "False"], done.stdout + done.stderr
    assert json.loads(token.read_text())["expiresAt"] != "2001-01-01T00:00:00Z", "refreshed and written"
