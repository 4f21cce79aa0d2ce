"""What every ``botocore-sso`` command shares: --help with examples, --version, --debug, completion."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider import __version__
from botocore_sso_provider.cli.main import COMMANDS, build_parser, main
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, needs_shell, run_python

pytestmark = pytest.mark.functional

SCRIPT = [
    "-c",
    "import sys; from botocore_sso_provider.cli.main import main; sys.exit(main())",
]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"botocore-sso {__version__}\n"


def test_help_shows_an_example_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    parser = build_parser()
    names = [a for a in parser._subparsers._group_actions[0].choices]  # type: ignore[union-attr]
    assert len(names) == len(COMMANDS)
    for name in names:
        assert f"  botocore-sso {name}" in out or f"botocore-sso {name} " in out, name


@pytest.mark.parametrize("command", ["list", "status", "populate", "console", "completion"])
def test_each_command_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"botocore-sso {command}" in out.split("examples:")[1]


def test_a_usage_mistake_exits_2_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["list", "--format", "yaml"])
    assert exited.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_debug_shows_our_and_botocores_logs_on_stderr_before_or_after_the_command(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], seed_login: Callable[..., dict]
) -> None:
    write_config(SSO_CONFIG)
    token = seed_login()
    for argv in (["--debug", "list", "--sso-session", "corp"], ["list", "--sso-session", "corp", "--debug"]):
        result = run_python(*SCRIPT, *argv)
        assert result.returncode == 0, result.stderr
        assert "botocore.endpoint [DEBUG]" in result.stderr or "botocore.hooks [DEBUG]" in result.stderr
        assert "[DEBUG]" not in result.stdout
        assert "111111111111" in result.stdout
        if importlib.util.find_spec("botocore_sso_provider.provider.redaction") is not None:
            for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
                assert secret not in result.stderr
        else:
            assert "may hold tokens" in result.stderr


def test_without_debug_nothing_but_the_answer(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], seed_login: Callable[..., dict]
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    result = run_python(*SCRIPT, "list", "--sso-session", "corp")
    assert result.returncode == 0
    assert result.stderr == ""


def _complete(line: str, tmp_path: Path) -> list[str]:
    out = tmp_path / "completions"
    env = dict(
        os.environ,
        _ARGCOMPLETE="1",
        _ARGCOMPLETE_SHELL="bash",
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        _ARGCOMPLETE_STDOUT_FILENAME=str(out),
        IFS="\013",
    )
    result = run_python(*SCRIPT, env=env)
    assert result.returncode == 0, result.stderr
    return sorted(word.strip() for word in out.read_text().split("\013") if word.strip())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("botocore-sso st", ["status"]),
        ("botocore-sso co", ["completion", "console"]),
        ("botocore-sso populate --pr", ["--profile-name-template", "--prune"]),
        ("botocore-sso status --profile ", ["dev", "ops"]),
        ("botocore-sso list --sso-session ", ["corp"]),
    ],
)
def test_tab_completion_of_commands_flags_profiles_and_sessions(
    line: str, expected: list[str], write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    pytest.importorskip("argcomplete")
    write_config(SSO_CONFIG + "\n[profile ops]\nregion = us-east-1\n")
    assert _complete(line, tmp_path) == expected


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_for_each_shell_names_the_command(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("argcomplete")
    assert main(["completion", shell]) == 0
    assert "botocore-sso" in capsys.readouterr().out


def test_completion_without_argcomplete_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "argcomplete", None)  # as if not installed
    assert main(["completion", "bash"]) == 2
    assert "pip install 'botocore-sso-provider[completion]'" in capsys.readouterr().err


def test_a_config_file_that_cannot_be_written_is_one_sentence(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    capsys: pytest.CaptureFixture[str],
    aws_home: Path,
) -> None:
    config = write_config(SSO_CONFIG)
    seed_login()
    blocker = aws_home / ".aws" / "config.bak"
    blocker.mkdir()  # the backup cannot be written: a directory is in its place
    assert main(["populate", "--sso-session", "corp"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.bak" in err and "Traceback" not in err
    assert config.read_text().startswith("[profile dev]")


@needs_shell("fish")
def test_completion_in_a_real_fish_shell(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    pytest.importorskip("argcomplete")
    write_config(SSO_CONFIG)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "botocore-sso").write_text(f"#!{sys.executable}\n" + SCRIPT[1] + "\n")
    (bin_dir / "botocore-sso").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    script = (
        "botocore-sso completion fish | source; "
        'complete -C "botocore-sso st"; complete -C "botocore-sso status --profile "; '
        'complete -C "botocore-sso list --sso-session "'
    )
    result = subprocess.run(
        ["fish", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    words = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert words == ["status", "dev", "corp"]
