"""Which login flow a host gets, and why; and how the browser is opened (environment faked)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Mapping

import pytest

from botocore_sso_provider.errors import SSOConfigError
from botocore_sso_provider.login.browser import DEVICE_CODE, PKCE, Host, choose_flow, open_url

pytestmark = pytest.mark.unit

DESKTOP = {"DISPLAY": ":0"}


def host(environ: Mapping[str, str], *, files: tuple[str, ...] = (), release: str = "6.8.0-generic") -> Host:
    return Host(
        environ=dict(environ), platform="linux", exists=lambda path: path in files, kernel_release=release
    )


@pytest.mark.parametrize(
    ("machine", "flow", "reason"),
    [
        pytest.param(host(DESKTOP), PKCE, "a browser on this machine", id="desktop"),
        pytest.param(
            host({**DESKTOP, "SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}),
            DEVICE_CODE,
            "SSH_CONNECTION",
            id="ssh",
        ),
        pytest.param(host({**DESKTOP, "SSH_TTY": "/dev/pts/3"}), DEVICE_CODE, "SSH_TTY", id="ssh-tty"),
        pytest.param(host(DESKTOP, files=("/.dockerenv",)), DEVICE_CODE, "/.dockerenv", id="docker"),
        pytest.param(
            host(DESKTOP, files=("/run/.containerenv",)), DEVICE_CODE, "/run/.containerenv", id="podman"
        ),
        pytest.param(host({}), DEVICE_CODE, "neither DISPLAY nor WAYLAND_DISPLAY", id="no-display"),
        pytest.param(host({"WAYLAND_DISPLAY": "wayland-0"}), PKCE, "a browser", id="wayland"),
        pytest.param(host({}, release="5.15.153.1-microsoft-standard-WSL2"), PKCE, "WSL", id="wsl"),
        pytest.param(host({"WSL_DISTRO_NAME": "Ubuntu"}), PKCE, "WSL", id="wsl-by-variable"),
        pytest.param(
            Host(environ={}, platform="darwin", exists=lambda p: False), PKCE, "a browser", id="macos"
        ),
        pytest.param(
            host({"BROWSER": "lynx", "SSH_TTY": "/dev/pts/1"}), PKCE, "BROWSER is set", id="browser-wins"
        ),
    ],
)
def test_the_flow_is_guessed_from_the_host(machine: Host, flow: str, reason: str) -> None:
    choice = choose_flow(machine, legacy=False)
    assert choice.flow == flow
    assert reason in choice.reason
    assert choice.sentence.startswith("Using the ")
    assert choice.browser_here is (flow == PKCE), "a guessed headless host starts no (text) browser"


@pytest.mark.parametrize(
    ("flags", "flow", "reason"),
    [
        pytest.param({"use_device_code": True}, DEVICE_CODE, "--use-device-code", id="device-on-desktop"),
        pytest.param({"use_pkce": True}, PKCE, "--use-pkce", id="pkce-over-ssh"),
        pytest.param({"redirect_port": 8400}, PKCE, "--redirect-port 8400", id="redirect-port-over-ssh"),
    ],
)
def test_an_explicit_flag_wins_over_the_guess(flags: dict, flow: str, reason: str) -> None:
    over_ssh = host(
        {"SSH_CONNECTION": "x", "BROWSER": "firefox"} if flow == DEVICE_CODE else {"SSH_CONNECTION": "x"}
    )
    choice = choose_flow(over_ssh, legacy=False, **flags)
    assert (choice.flow, reason in choice.reason) == (flow, True)


def test_a_legacy_profile_uses_the_device_code_as_the_cli_does() -> None:
    choice = choose_flow(host(DESKTOP), legacy=True)
    assert choice.flow == DEVICE_CODE
    assert "sso_start_url" in choice.reason


def test_pkce_for_a_legacy_profile_is_refused_with_the_reason() -> None:
    with pytest.raises(SSOConfigError, match=r"needs an \[sso-session\] section"):
        choose_flow(host(DESKTOP), legacy=True, use_pkce=True)


def fake_command(directory: Path, name: str, status: int = 0) -> Path:
    """An executable that records its arguments, one per line, then exits with ``status``."""
    record = directory / f"{name}.args"
    script = directory / name
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n"
        f"sys.exit({status})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return record


def which_in(directory: Path):  # type: ignore[no-untyped-def]
    def which(name: str) -> str | None:
        path = directory / name
        return str(path) if path.exists() else None

    return which


URL = "http://127.0.0.1:9/authorize?response_type=code&state=s"
WSL = host({}, release="5.15-microsoft-standard-WSL2")


def test_on_wsl_wslview_opens_the_windows_browser(tmp_path: Path) -> None:
    record = fake_command(tmp_path, "wslview")
    assert open_url(URL, WSL, opener=lambda url: False, which=which_in(tmp_path))
    assert record.read_text() == URL


def test_on_wsl_without_wslview_cmd_exe_start_opens_it_with_the_ampersands_escaped(tmp_path: Path) -> None:
    record = fake_command(tmp_path, "cmd.exe")
    assert open_url(URL, WSL, opener=lambda url: False, which=which_in(tmp_path))
    assert record.read_text().splitlines() == ["/c", "start", '""', URL.replace("&", "^&")]


def test_on_wsl_browser_wins_over_the_windows_openers(tmp_path: Path) -> None:
    record = fake_command(tmp_path, "wslview")
    opened: list[str] = []
    wsl_with_browser = host({"BROWSER": "w3m"}, release="microsoft")
    assert open_url(
        URL, wsl_with_browser, opener=lambda url: opened.append(url) or True, which=which_in(tmp_path)
    )
    assert opened == [URL] and not record.exists()


def test_a_failing_windows_opener_falls_back_to_webbrowser(tmp_path: Path) -> None:
    fake_command(tmp_path, "wslview", status=3)
    opened: list[str] = []
    assert open_url(URL, WSL, opener=lambda url: opened.append(url) or True, which=which_in(tmp_path))
    assert opened == [URL]


def test_a_browser_that_fails_is_reported_as_not_opened() -> None:
    def broken(url: str) -> bool:
        raise RuntimeError("no browser")

    assert open_url(URL, host(DESKTOP), opener=broken) is False


OLD_BOTOCORE = "this botocore (1.29.10) has no PKCE fields in its SSO OIDC model"


def test_without_pkce_in_botocore_the_guess_falls_back_to_the_device_code() -> None:
    choice = choose_flow(host(DESKTOP), legacy=False, pkce_unsupported=OLD_BOTOCORE)
    assert choice.flow == DEVICE_CODE
    assert choice.reason == f"{OLD_BOTOCORE}; upgrade botocore for PKCE"


def test_without_pkce_in_botocore_asking_for_it_is_a_clear_error() -> None:
    with pytest.raises(SSOConfigError, match="PKCE was asked for, but this botocore"):
        choose_flow(host(DESKTOP), legacy=False, use_pkce=True, pkce_unsupported=OLD_BOTOCORE)
