"""The containers guide's Docker Compose example works: its serve command, routes, token and health check.

There is no Docker here, so the test does what the containers would: it
starts ``serve`` with the guide's own command (on a free port instead of
9911, in a temporary HOME), reads each service's
``AWS_CONTAINER_CREDENTIALS_FULL_URI`` with botocore's container provider and
the token file the compose file mounts as a secret, and asks the health
check's URL.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List

import botocore.credentials
import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_serve import USES_THE_CONTAINER_PROVIDER, Served
from tests.conftest import COMMAND, HERD_CONFIG, REPO_ROOT, role_cache_file, run_python

pytestmark = pytest.mark.docs

GUIDE = REPO_ROOT / "docs" / "how-to" / "containers.md"
SECTION = "## Several profiles, one server: Docker Compose"
DOC_PORT = "9911"


def section_blocks(kind: str) -> List[str]:
    """The fenced blocks of ``kind`` in the compose section of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return re.findall(rf"^```{kind}\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_compose_example_serves_each_service_its_profile_and_answers_the_health_check(
    idc: FakeIdentityCenter, seed_login: Any, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(HERD_CONFIG)
    seed_login()
    (command,) = section_blocks("sh")
    (compose,) = section_blocks("yaml")
    assert compose.startswith(f"# docker-compose.yml, next to: {command.strip()}\n"), "the same command"
    port = str(free_port())
    home = str(aws_home)
    words = [word.replace("~", home, 1) if word.startswith("~/") else word for word in shlex.split(command)]
    words = [port if word == DOC_PORT else word for word in words]
    assert words[:2] == ["botocore-sso", "serve"]
    token_file = Path(words[words.index("--token-file") + 1])
    secret_file = re.search(r"^\s+file: (\S+)$", compose, re.MULTILINE)
    assert secret_file and Path(secret_file.group(1).replace("${HOME}", home)) == token_file

    process = subprocess.Popen(
        [*COMMAND, *words[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        served = Served(process)
        assert served.environment, process.communicate(timeout=30)
        urls = re.findall(r"AWS_CONTAINER_CREDENTIALS_FULL_URI: (\S+)", compose)
        assert [url.rsplit("/", 1)[1] for url in urls] == ["dev", "prod"]
        assert "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: /run/secrets/aws-token" in compose
        seen: Dict[str, str] = {}
        for url in urls:
            environment = {
                **os.environ,
                "AWS_CONFIG_FILE": str(aws_home / "no-config"),
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": url.replace(DOC_PORT, port),
            }
            if hasattr(botocore.credentials.ContainerProvider, "ENV_VAR_AUTH_TOKEN_FILE"):
                environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(token_file)
            else:  # botocore before November 2023: the token itself, as the guide says
                environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token_file.read_text()
            done = run_python("-c", USES_THE_CONTAINER_PROVIDER, env=environment)
            assert done.returncode == 0, done.stderr
            profile = url.rsplit("/", 1)[1]
            seen[profile] = json.loads(done.stdout)["access_key"]
            cached = json.loads(role_cache_file(aws_home, profile).read_text())["Credentials"]
            assert seen[profile] == cached["AccessKeyId"]
        assert seen["dev"] != seen["prod"]

        health = re.search(r'"(http://127\.0\.0\.1:\d+/healthz)"', compose)
        assert health
        with urllib.request.urlopen(health.group(1).replace(DOC_PORT, port), timeout=10) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_readmes_compose_example_is_the_guides_in_short() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    (short,) = re.findall(r"^```yaml\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    (compose,) = section_blocks("yaml")
    for pattern in (
        r"AWS_CONTAINER_CREDENTIALS_FULL_URI: \"?(\S+?)\"?,?$",
        r"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: (\S+?)\}?$",
        r'"(http://\S+/healthz)"',
        r"file: \"?(\S+?)\"?\}*$",
    ):
        found = [re.findall(pattern, block, re.MULTILINE) for block in (short, compose)]
        assert found[0] and sorted(set(found[0])) == sorted(set(found[1])), pattern
    assert "--token-file ~/.aws/serve-token" in readme
