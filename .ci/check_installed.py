"""Check the installed wheel from inside the environment it went into (run by that environment's Python).

Usage: VENV/bin/python .ci/check_installed.py   (from a directory outside the checkout)

Exits 1 with one line per problem: the package and the hook must come from
site-packages (not from a checkout), the .pth hook must have run at start-up,
and the installed metadata must be this version's.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path

site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
problems = []

hook_ran = "_botocore_sso_provider_startup" in sys.modules  # before anything here imports it
if not hook_ran:
    problems.append("the start-up hook did not run: botocore_sso_provider.pth missing or not processed")

import _botocore_sso_provider_startup  # noqa: E402
import botocore_sso_provider  # noqa: E402

for module in (botocore_sso_provider, _botocore_sso_provider_startup):
    where = Path(str(module.__file__)).resolve()
    if site_packages not in where.parents:
        problems.append(f"{module.__name__} was imported from {where}, not from {site_packages}")
    print(f"check_installed: {module.__name__} from {where}")

for needed in ("botocore_sso_provider.pth", "botocore_sso_provider/py.typed"):
    if not (site_packages / needed).is_file():
        problems.append(f"{needed} is not installed")

installed = importlib.metadata.version("botocore-sso-provider")
if installed != botocore_sso_provider.__version__:
    problems.append(f"metadata says {installed}, the package {botocore_sso_provider.__version__}")

script = Path(sysconfig.get_path("scripts"), "botocore-sso")
outputs = {
    tuple(command): subprocess.run(command, capture_output=True, text=True, check=False, timeout=60).stdout
    for command in ([str(script), "--version"], [sys.executable, "-m", "botocore_sso_provider", "--version"])
}
if set(outputs.values()) != {f"botocore-sso {installed}\n"}:
    problems.append(f"--version: {outputs}")

for problem in problems:
    print(f"check_installed: {problem}")
verdict = "FAILED" if problems else f"OK, botocore-sso-provider {installed} from the wheel"
print(f"check_installed: {verdict}")
sys.exit(1 if problems else 0)
