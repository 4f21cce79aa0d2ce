"""A user's config error is not a broken install: one sentence saying what is wrong, no "Reinstall it".

The warning "botocore-sso-provider could not load ... Reinstall it" is for a
package that cannot load (an ImportError); a profile that does not exist
fails botocore's own chain alike, and is reported as botocore reports it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import pytest

from tests.conftest import SSO_CONFIG, botocore_sso

MISSING = {
    "serve": ["serve", "--profile", "missing"],
    "export": ["export", "--profile", "missing"],
    "exec": ["exec", "--profile", "missing", "--", sys.executable, "-c", "print('child started')"],
    "exec-server": ["exec", "--server", "--profile", "missing", "--", sys.executable, "-c", "pass"],
    "credential-process": ["credential-process", "--profile", "missing"],
}


@pytest.mark.parametrize("command", list(MISSING.values()), ids=list(MISSING))
def test_a_missing_profile_is_one_sentence_and_no_reinstall_warning(
    command: List[str], write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    done = botocore_sso(*command, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "botocore-sso: The config profile (missing) could not be found\n"


BROKEN_INSTALL = """
import sys
sys.modules["botocore_sso_provider.provider.credentials"] = None  # deleted: ImportError
from botocore_sso_provider.cli.main import main
sys.exit(main())
"""


STATIC = """
    [profile static]
    aws_access_key_id = AKIASTATICKEYS
    aws_secret_access_key = static-secret
"""


@pytest.mark.parametrize(
    "command", [["export", "--profile", "static"], ["credential-process", "--profile", "static"]]
)
def test_a_package_that_cannot_load_still_warns_once_and_botocores_chain_answers(
    command: List[str], write_config: Callable[[str], Path]
) -> None:
    """The command's own ``main`` with the provider's module unimportable: the warning stays, once."""
    write_config(SSO_CONFIG + STATIC)
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_INSTALL, *command],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "AKIASTATICKEYS" in done.stdout, "botocore's chain, as it was: the profile's keys"
    assert done.stderr.count("botocore-sso-provider could not load (ModuleNotFoundError") == 1, done.stderr
    assert "Reinstall it" in done.stderr
    assert "Traceback" not in done.stderr
