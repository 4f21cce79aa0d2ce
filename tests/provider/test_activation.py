"""The initializer, the entry points and the off switch, on real botocore sessions in this process.

Whatever this test run has installed, each session here starts untouched by
a start-up hook (``plain_session``); the tests then call the initializer
themselves, as the hook's initializer does.
"""

from __future__ import annotations

import importlib.metadata
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Callable

import botocore.session
import pytest

import _botocore_sso_provider_startup as hook
from botocore_sso_provider import SSOCredentialProvider, register
from botocore_sso_provider.provider import activation, entry_points
from botocore_sso_provider.provider.activation import DISABLED_VARIABLE, initialize_session
from botocore_sso_provider.provider.entry_points import ENTRY_POINT_GROUP
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG
from tests.provider.plugins import StaticProvider

pytestmark = pytest.mark.activation

OURS = SSOCredentialProvider.METHOD
PLUGIN_PROFILE = "\n[profile static-plugin]\nregion = us-east-1\n"


def plain_session(
    monkeypatch: pytest.MonkeyPatch, cls: type = botocore.session.Session, **kwargs: Any
) -> Any:
    """A new session that no installed start-up hook has activated."""
    monkeypatch.setenv(DISABLED_VARIABLE, "1")
    session = cls(**kwargs)
    monkeypatch.delenv(DISABLED_VARIABLE)
    return session


def methods(session: Any) -> list[str]:
    return [provider.METHOD for provider in session.get_component("credential_provider").providers]


@pytest.fixture
def install_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_hook_state: None
) -> Callable[[dict[str, str]], None]:
    """Put a distribution declaring ``{name: "module:object"}`` providers on sys.path."""

    def install(entries: dict[str, str]) -> None:
        root = tmp_path / "plugin-site"
        info = root / "test_plugins-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: test-plugins\nVersion: 1.0\n")
        lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
        monkeypatch.syspath_prepend(str(root))

    return install


def test_the_distribution_declares_its_provider_in_the_entry_point_group() -> None:
    declared = importlib.metadata.distribution("botocore-sso-provider").entry_points
    [ours] = [ep for ep in declared if ep.group == ENTRY_POINT_GROUP]
    assert (ours.name, ours.value) == (
        "sso",
        "botocore_sso_provider.provider.credentials:SSOCredentialProvider",
    )
    assert ours.load() is SSOCredentialProvider


def test_an_activated_session_resolves_sso_profiles_through_the_package(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    write_config: Callable[[str], Path],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    clean_hook_state: None,
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    session = plain_session(monkeypatch, profile="dev")
    initialize_session(session)
    assert session.get_credentials().get_frozen_credentials().access_key.startswith("ASIA")
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert len(list((aws_home / ".aws" / "cli" / "cache").glob("*.json"))) == 1, "our shared role cache"
    chain = methods(session)
    assert chain.index(OURS) == chain.index("sso") - 1
    assert chain.index("assume-role") < chain.index(OURS), "precedence is botocore's"


def test_entry_points_are_read_once_when_a_session_first_builds_its_resolver(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch, clean_hook_state: None
) -> None:
    write_config(SSO_CONFIG)
    reads: list[str] = []
    real = entry_points.declared_entry_points

    def counting(group: str) -> Any:
        reads.append(group)
        return real(group)

    monkeypatch.setattr(entry_points, "declared_entry_points", counting)
    first, second = plain_session(monkeypatch, profile="dev"), plain_session(monkeypatch, profile="dev")
    initialize_session(first)
    initialize_session(second)
    assert reads == [], "the initializer itself reads nothing"
    assert OURS in methods(first)
    assert len(reads) == 1
    assert OURS in methods(second)
    assert len(reads) == 1, "once per process"


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(("register", "activate"), id="register-then-activation"),
        pytest.param(("activate", "register"), id="activation-then-register"),
        pytest.param(("activate", "activate", "register", "register"), id="each-twice"),
    ],
)
def test_register_and_activation_together_insert_one_provider(
    steps: tuple[str, ...],
    write_config: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    clean_hook_state: None,
) -> None:
    write_config(SSO_CONFIG)
    session = plain_session(monkeypatch, profile="dev")
    for step in steps:
        (register if step == "register" else initialize_session)(session)
    chain = methods(session)
    assert chain.count(OURS) == 1
    assert chain.index(OURS) == chain.index("sso") - 1


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_the_off_switch_leaves_new_sessions_to_botocore(
    value: str, write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(SSO_CONFIG)
    session = plain_session(monkeypatch, profile="dev")
    monkeypatch.setenv(DISABLED_VARIABLE, value)
    initialize_session(session)
    assert OURS not in methods(session)
    assert "sso" in methods(session)


@pytest.mark.parametrize("value", ["0", "false", "", "no", "off", "disabled-please"])
def test_other_values_of_the_switch_leave_activation_on(
    value: str, write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch, clean_hook_state: None
) -> None:
    write_config(SSO_CONFIG)
    session = plain_session(monkeypatch, profile="dev")
    monkeypatch.setenv(DISABLED_VARIABLE, value)
    initialize_session(session)
    assert OURS in methods(session)


def test_the_off_switch_leaves_register_working(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(SSO_CONFIG)
    monkeypatch.setenv(DISABLED_VARIABLE, "1")
    session = botocore.session.Session(profile="dev")
    register(session)
    assert methods(session).count(OURS) == 1


@pytest.mark.parametrize("value", ["1", "true", "Yes", " ON ", "0", "false", "", "no", "2"])
def test_the_start_up_hook_reads_the_switch_as_activation_does(value: str) -> None:
    environ = {DISABLED_VARIABLE: value}
    assert hook.is_disabled(environ) is activation.is_disabled(environ)
    assert hook.DISABLED_VARIABLE == DISABLED_VARIABLE


def test_other_packages_providers_go_before_botocores_sso_after_ours(
    install_plugins: Callable[[dict[str, str]], None],
    write_config: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_plugins({"static": "tests.provider.plugins:StaticProvider"})
    write_config(SSO_CONFIG + PLUGIN_PROFILE)
    session = plain_session(monkeypatch, profile="static-plugin")
    initialize_session(session)
    chain = methods(session)
    assert chain[chain.index(OURS) : chain.index("sso") + 1] == [OURS, StaticProvider.METHOD, "sso"]
    assert StaticProvider.built_with[-1] is session, "constructed as provider(session)"
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.method) == ("AKIDSTATICPLUGIN", StaticProvider.METHOD)


def test_broken_entry_points_are_skipped_with_one_warning_each(
    install_plugins: Callable[[dict[str, str]], None],
    write_config: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_plugins(
        {
            "a-missing-module": "tests.provider.no_such_module:Provider",
            "b-exploding": "tests.provider.plugins:ExplodingProvider",
            "c-not-callable": "tests.provider.plugins:NOT_A_PROVIDER",
            "d-static": "tests.provider.plugins:StaticProvider",
        }
    )
    write_config(SSO_CONFIG + PLUGIN_PROFILE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chains = []
        for _ in range(3):
            session = plain_session(monkeypatch, profile="static-plugin")
            initialize_session(session)
            chains.append(methods(session))
            assert session.get_credentials().access_key == "AKIDSTATICPLUGIN"
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == 3, messages
    for name, problem in (
        ("a-missing-module", "could not be loaded: ModuleNotFoundError"),
        ("b-exploding", "could not be built: RuntimeError: this plug-in is broken"),
        ("c-not-callable", "is a int, not a provider"),
    ):
        [message] = [m for m in messages if f'"{name} = ' in m]
        assert problem in message and "it is skipped" in message
    assert all(w.category is RuntimeWarning for w in caught)
    for chain in chains:
        assert chain.count(OURS) == 1 and chain.count(StaticProvider.METHOD) == 1


AioLikeSession = type("AioSession", (botocore.session.Session,), {"__module__": "aiobotocore.session"})


class UsersAioSession(AioLikeSession):  # type: ignore[misc, valid-type]
    """A user's subclass of an aiobotocore session, defined outside aiobotocore."""


@pytest.mark.parametrize("cls", [AioLikeSession, UsersAioSession], ids=["aiobotocore", "subclass"])
def test_an_aiobotocore_too_old_for_the_async_provider_keeps_its_own_chain_with_one_warning(
    cls: type, write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No old aiobotocore is installed here: a module that says it is one (real ones: test_aio.py).
    monkeypatch.setitem(sys.modules, "aiobotocore", types.SimpleNamespace(__version__="2.4.2"))
    monkeypatch.setattr(activation, "_async_unsupported_warned", False)
    write_config(SSO_CONFIG)
    session = plain_session(monkeypatch, cls, profile="dev")
    with pytest.warns(RuntimeWarning, match=r"aiobotocore 2\.4\.2 is older than 2\.5\.4: its sessions keep"):
        initialize_session(session)
    assert not getattr(session, "_botocore_sso_provider_registered", False)
    assert OURS not in methods(session)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        initialize_session(plain_session(monkeypatch, cls, profile="dev"))  # one warning per process


def test_the_start_up_hook_never_breaks_a_session_when_the_package_cannot_be_imported(
    monkeypatch: pytest.MonkeyPatch, write_config: Callable[[str], Path]
) -> None:
    write_config("[profile static]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n")
    monkeypatch.setattr(hook, "_failed", False)
    monkeypatch.setitem(sys.modules, "botocore_sso_provider.wiring", None)
    session = plain_session(monkeypatch, profile="static")
    with pytest.warns(RuntimeWarning, match="installed but cannot be imported"):
        hook.initialize_session(session)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hook.initialize_session(plain_session(monkeypatch))  # one warning, not one per session
    assert session.get_credentials().access_key == "AKIDSTATIC"


def test_the_entry_point_scan_agrees_with_importlib_metadata(
    install_plugins: Callable[[dict[str, str]], None],
) -> None:
    install_plugins({"static": "tests.provider.plugins:StaticProvider", "extra": "pkg.mod:Obj.attr [opt]"})
    if sys.version_info >= (3, 10):
        expected = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    else:
        expected = importlib.metadata.entry_points().get(ENTRY_POINT_GROUP, ())
    # Python 3.9's importlib.metadata lists a distribution once per place it is seen on sys.path.
    declared = set(entry_points.declared_entry_points(ENTRY_POINT_GROUP))
    assert declared == {(ep.name, ep.value) for ep in expected}
    assert entry_points._load_object("tests.provider.plugins:StaticProvider") is StaticProvider


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("3.10.0", (3, 10, 0)),
        ("3.11.0a1", (3, 11, 0)),
        ("2.5.4.post1", (2, 5, 4)),
        ("2.25", (2, 25)),
        ("dev", (0,)),
    ],
)
def test_aiobotocore_versions_are_read_as_numbers(version: str, numbers: tuple) -> None:
    assert activation._version_numbers(version) == numbers
