"""The start-up hook on its own, in fresh interpreters started without ``site`` (``python -S``).

Without ``site`` no ``.pth`` file runs, so each script calls ``install()``
itself, as ``botocore_sso_provider.pth`` does, and reports what was imported
when. The installed hook is tested from a real install in test_install.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import REPO_ROOT, SSO_CONFIG

pytestmark = pytest.mark.activation

WATCH = (
    "botocore",
    "botocore.session",
    "botocore_sso_provider",
    "botocore_sso_provider.provider.activation",
    "botocore_sso_provider.provider.credentials",
)

PROLOGUE = f"""
import json, sys
WATCH = {WATCH!r}
report = {{}}
def note(moment):
    report[moment] = [name for name in WATCH if name in sys.modules]
"""


def run_without_site(script: str, **extra_env: str) -> dict[str, Any]:
    """Run ``script`` with ``python -S``; the repo and this run's site-packages on PYTHONPATH."""
    paths = sysconfig.get_paths()
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOTOCORE_SSO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), paths["purelib"], paths["platlib"]])
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROLOGUE + script + "\nprint(json.dumps(report))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_the_hook_waits_for_botocore_and_the_provider_for_the_first_resolver(
    write_config: Callable[[str], Path],
) -> None:
    write_config(SSO_CONFIG)
    report = run_without_site(
        """
import _botocore_sso_provider_startup as hook
report["installed"] = hook.install()
note("after install")
import botocore
note("after import botocore")
import botocore.session
note("after import botocore.session")
session = botocore.session.Session(profile="dev")
note("after the first session")
report["providers"] = [p.METHOD for p in session.get_component("credential_provider").providers]
note("after the first resolver")
report["finders"] = [type(f).__name__ for f in sys.meta_path].count("BotocoreWatcher")
"""
    )
    assert report["installed"] is True
    assert report["after install"] == []
    assert report["after import botocore"] == ["botocore"]
    assert report["after import botocore.session"] == ["botocore", "botocore.session"]
    assert "botocore_sso_provider.provider.activation" in report["after the first session"]
    assert "botocore_sso_provider.provider.credentials" not in report["after the first session"]
    assert "botocore_sso_provider.provider.credentials" in report["after the first resolver"]
    providers = report["providers"]
    assert providers.index("botocore-sso-provider") == providers.index("sso") - 1
    assert report["finders"] == 1, "install() is idempotent and the watcher stays, quiet"


def test_the_off_switch_installs_nothing() -> None:
    report = run_without_site(
        """
import _botocore_sso_provider_startup as hook
finders = list(sys.meta_path)
report["installed"] = hook.install()
report["unchanged"] = sys.meta_path == finders
import botocore.session
session = botocore.session.Session()
note("after the first session")
""",
        BOTOCORE_SSO_PROVIDER_DISABLED="1",
    )
    assert report["installed"] is False
    assert report["unchanged"] is True
    assert report["after the first session"] == ["botocore", "botocore.session"]


def test_installed_after_botocore_it_registers_at_once(write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)
    report = run_without_site(
        """
import botocore.session
import _botocore_sso_provider_startup as hook
hook.install()
hook.install()
session = botocore.session.Session(profile="dev")
report["providers"] = [p.METHOD for p in session.get_component("credential_provider").providers]
report["initializers"] = sum(1 for f in botocore._INITIALIZERS if f is hook.initialize_session)
"""
    )
    assert report["providers"].count("botocore-sso-provider") == 1
    assert report["initializers"] == 1


@pytest.mark.parametrize("value", ["1", "true"])
def test_a_session_made_under_the_off_switch_stays_pure_botocore(
    value: str, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    report = run_without_site(
        f"""
import os
import _botocore_sso_provider_startup as hook
hook.install()
import botocore.session
os.environ["BOTOCORE_SSO_PROVIDER_DISABLED"] = {value!r}
session = botocore.session.Session(profile="dev")
report["providers"] = [p.METHOD for p in session.get_component("credential_provider").providers]
note("after the first session")
"""
    )
    assert "botocore-sso-provider" not in report["providers"]
    assert "botocore_sso_provider" not in report["after the first session"], "not even imported"
