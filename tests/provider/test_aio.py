"""aiobotocore, aioboto3 and s3fs resolve SSO profiles through the package, as users get it.

Nothing here calls ``register``: the sessions are the libraries' own, made
the way their users make them, and the start-up hook does the rest. The
clients are real aiobotocore clients over HTTP to the fake Identity Center
and to moto's server; the herds are real processes, each running tasks on
one event loop, beside aiobotocore's own provider (the package switched off).
CI runs this file in venvs of their own (aiobotocore pins botocore): the
newest aiobotocore, and the oldest the package supports.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import textwrap
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session", reason="aiobotocore is not installed in this run (CI's step 8 installs it)"
)

from botocore_sso_provider.errors import NotLoggedInError  # noqa: E402 - after the skip
from botocore_sso_provider.testing import FakeIdentityCenter  # noqa: E402
from tests.conftest import SSO_CONFIG, role_cache_file, run_python, seed_token, stored_token  # noqa: E402
from tests.herds import OUR_METHOD, Workers  # noqa: E402

pytestmark = pytest.mark.aio

TOKEN_KEY = hashlib.sha1(b"corp").hexdigest()
PROCESSES = 4
TASKS = 8
HELD = 2.0
"""Seconds another process holds the login's lock while a process's tasks resolve."""


def providers(session: Any) -> List[str]:
    return [
        provider.METHOD for provider in session._components.get_component("credential_provider").providers
    ]


def cached_key(home: Path) -> str:
    key: str = json.loads(role_cache_file(home).read_text())["Credentials"]["AccessKeyId"]
    return key


def test_an_aiobotocore_session_resolves_through_the_package_and_calls_sts_and_s3(
    login: Callable[..., dict], idc: FakeIdentityCenter, moto_url: str, aws_home: Path
) -> None:
    login()

    async def main() -> Dict[str, Any]:
        session = aiobotocore_session.get_session()
        session.set_config_variable("profile", "dev")
        credentials = await session.get_credentials()
        chain = providers(session)
        assert chain.index(OUR_METHOD) == chain.index("sso") - 1, "ours just before aiobotocore's own"
        assert type(credentials).__name__ == "DeferredAioSSOCredentials"
        options = {"region_name": "us-east-1", "endpoint_url": moto_url}
        async with session.create_client("sts", **options) as sts:
            assert idc.request_counts()["GetRoleCredentials"] == 0, "creating a client makes no request"
            identity = await sts.get_caller_identity()
        async with session.create_client("s3", **options) as s3:
            await s3.create_bucket(Bucket="reports")
            await s3.put_object(Bucket="reports", Key="a.txt", Body=b"hello")
            answer = await s3.get_object(Bucket="reports", Key="a.txt")
            body = await answer["Body"].read()
        frozen = await credentials.get_frozen_credentials()
        return {"identity": identity, "body": body, "access_key": frozen.access_key}

    done = asyncio.run(main())
    assert done["body"] == b"hello"
    assert done["identity"]["Account"]
    assert done["access_key"] == cached_key(aws_home), "written to the AWS CLI v2's shared cache"
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert idc.request_counts()["CreateToken"] == 0


def test_a_second_session_reads_the_shared_cache_and_makes_no_request(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()

    async def key_of_a_new_session() -> Any:
        session = aiobotocore_session.AioSession(profile="dev")
        credentials = await session.get_credentials()
        return type(credentials).__name__, (await credentials.get_frozen_credentials()).access_key

    first = asyncio.run(key_of_a_new_session())
    second = asyncio.run(key_of_a_new_session())
    assert first[0] == "DeferredAioSSOCredentials"
    assert second == ("AioRefreshableCredentials", first[1])
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_logged_out_raises_botocores_classes_with_our_sentence_and_no_traceback_in_the_log(
    write_config: Callable[[str], Path], idc: FakeIdentityCenter, caplog: pytest.LogCaptureFixture
) -> None:
    from botocore.exceptions import SSOTokenLoadError

    write_config(SSO_CONFIG)

    async def main() -> None:
        session = aiobotocore_session.AioSession(profile="dev")
        credentials = await session.get_credentials()  # deferred: no error yet, as for botocore
        await credentials.get_frozen_credentials()

    with caplog.at_level(logging.WARNING), pytest.raises(NotLoggedInError) as raised:
        asyncio.run(main())
    assert isinstance(raised.value, SSOTokenLoadError), "botocore's own class, as for sync callers"
    assert "botocore-sso login --sso-session corp" in str(raised.value)
    assert not [record for record in caplog.records if record.exc_info], "one exception, no logged traceback"


def test_credentials_are_refreshed_before_they_expire(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(role_credentials_ttl=15 * 60 + 2)  # fresh now, inside the 15-minute window in 2 s
    write_config(SSO_CONFIG)
    seed_token(idc, aws_home)

    async def main() -> List[str]:
        session = aiobotocore_session.AioSession(profile="dev")
        credentials = await session.get_credentials()
        first = (await credentials.get_frozen_credentials()).access_key
        await asyncio.sleep(3)
        second = (await credentials.get_frozen_credentials()).access_key
        return [first, second]

    first, second = asyncio.run(main())
    assert first != second, "refreshed in the advisory window, before expiry"
    assert idc.request_counts()["GetRoleCredentials"] == 2
    assert second == cached_key(aws_home)


RESOLVES_AND_CALLS_STS = textwrap.dedent(
    """
    import asyncio, json, sys
    import aiobotocore.session
    import botocore_sso_provider

    async def main():
        session = aiobotocore.session.AioSession(profile="dev")
        if sys.argv[2] == "register":
            botocore_sso_provider.register(session)
        agents = []

        def capture(request, **_):
            agent = request.headers["User-Agent"]
            agents.append(agent.decode() if isinstance(agent, bytes) else agent)

        session.register("before-send.sts.GetCallerIdentity", capture)
        credentials = await session.get_credentials()
        async with session.create_client("sts", region_name="us-east-1", endpoint_url=sys.argv[1]) as sts:
            await sts.get_caller_identity()
        chain = [p.METHOD for p in session._components.get_component("credential_provider").providers]
        metrics = next((part for part in agents[0].split() if part.startswith("m/")), "m/")
        features = sorted(metrics[2:].split(","))
        refresher = credentials._refresh_using  # whose function refreshes them: aiobotocore's or ours
        module = getattr(refresher, "__module__", None) or type(refresher.__self__).__module__
        print(json.dumps({"chain": chain, "module": module, "features": features}))

    asyncio.run(main())
    """
)


def in_another_process(moto_url: str, *, off: bool, register: bool = False) -> Dict[str, Any]:
    """Resolve profile dev and call STS in a new process (botocore fixes its token cache dir at import)."""
    env = dict(os.environ)
    if off:
        env["BOTOCORE_SSO_PROVIDER_DISABLED"] = "1"
    done = run_python("-c", RESOLVES_AND_CALLS_STS, moto_url, "register" if register else "-", env=env)
    assert done.returncode == 0, done.stderr
    answer: Dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_off_switch_explicit_register_and_the_same_feature_ids(
    login: Callable[..., dict], idc: FakeIdentityCenter, moto_url: str
) -> None:
    login()
    ours = in_another_process(moto_url, off=False)
    native = in_another_process(moto_url, off=True)
    registered = in_another_process(moto_url, off=True, register=True)
    assert OUR_METHOD in ours["chain"] and ours["module"].startswith("botocore_sso_provider")
    assert OUR_METHOD not in native["chain"] and "sso" in native["chain"], "switched off: aiobotocore's own"
    assert native["module"].startswith("aiobotocore")
    assert OUR_METHOD in registered["chain"], "register() works with the off switch set"
    assert registered["module"].startswith("botocore_sso_provider")
    assert ours["features"] == native["features"], (
        "the User-Agent says SSO as aiobotocore's own provider does"
    )


def herd_argvs(*extra: str) -> List[List[str]]:
    return [["aio-resolve", "--profile", "dev", "--tasks", str(TASKS), *extra] for _ in range(PROCESSES)]


def test_a_herd_of_processes_and_tasks_makes_one_refresh_where_aiobotocores_own_loses_the_session(
    make_idc: Callable[..., FakeIdentityCenter],
    write_config: Callable[[str], Path],
    aws_home: Path,
    tmp_path: Path,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    write_config(SSO_CONFIG)
    seed_token(idc, aws_home, minutes=5)  # in the refresh window: every task needs a refresh
    reports = workers.herd(herd_argvs())
    results = [result for report in reports for result in report["results"]]
    assert [report["returncode"] for report in reports] == [0] * PROCESSES, [r["stderr"] for r in reports]
    assert len(results) == PROCESSES * TASKS
    assert [r for r in results if not r["ok"]] == []
    assert {r["access_key"] for r in results} == {cached_key(aws_home)}
    assert all(OUR_METHOD in r["providers"] for r in results)
    assert idc.grant_counts()["refresh_token"] == 1
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert idc.refresh_token_is_valid(stored_token(aws_home)["refreshToken"]), "the session is kept"

    # The same herd with aiobotocore's own provider, on a fake and a HOME of its own.
    native_idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    native_home = tmp_path / "native-home"
    (native_home / ".aws").mkdir(parents=True)
    (native_home / ".aws" / "config").write_text((aws_home / ".aws" / "config").read_text())
    seed_token(native_idc, native_home, minutes=5)
    monkeypatch.setenv("HOME", str(native_home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(native_home / ".aws" / "config"))
    native = workers.herd(herd_argvs("--native"))
    native_results = [result for report in native for result in report["results"]]
    assert all(OUR_METHOD not in r.get("providers", []) for r in native_results)
    refreshes = native_idc.grant_counts()["refresh_token"]
    failures = [r for r in native_results if not r["ok"]]
    kept = native_idc.refresh_token_is_valid(stored_token(native_home)["refreshToken"])
    assert refreshes > 1, "aiobotocore's own provider refreshes once per session"
    assert failures or not kept, "a rotated refresh token spent twice: the session is lost"


def test_the_loop_keeps_ticking_while_another_process_holds_the_lock(
    make_idc: Callable[..., FakeIdentityCenter],
    write_config: Callable[[str], Path],
    aws_home: Path,
    workers: Workers,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    write_config(SSO_CONFIG)
    seed_token(idc, aws_home, minutes=5)
    cache = aws_home / ".aws" / "sso" / "cache"
    holder = workers.start("hold", "--dir", str(cache), "--key", TOKEN_KEY, "--seconds", "300")
    holder.wait_for("held")
    resolver = workers.start("aio-resolve", "--profile", "dev", "--tasks", str(TASKS))
    resolver.wait_for("ready")  # its sessions are built; it is resolving now, waiting on the lock
    time.sleep(HELD)
    holder.process.kill()  # the lock is released with the process
    report = resolver.finish()
    assert report["returncode"] == 0, report["stderr"]
    assert all(result["ok"] for result in report["results"]), report["results"]
    assert report["finished"] - report["started"] > HELD / 2, "the tasks really waited for the lock"
    # The loop was never blocked for the wait (seconds): each gap is the scheduler's, not the lock's.
    assert report["longest_loop_gap"] < 0.5, {key: value for key, value in report.items() if key != "results"}
    assert idc.grant_counts()["refresh_token"] == 1


def test_aioboto3_resolves_through_the_package(
    login: Callable[..., dict], idc: FakeIdentityCenter, moto_url: str
) -> None:
    aioboto3 = pytest.importorskip("aioboto3", reason="it pins an older aiobotocore: step 8 has it there")
    login()

    async def main() -> bytes:
        session = aioboto3.Session(profile_name="dev")
        async with session.client("s3", region_name="us-east-1", endpoint_url=moto_url) as s3:
            await s3.create_bucket(Bucket="data")
            await s3.put_object(Bucket="data", Key="k", Body=b"aioboto3")
            answer = await s3.get_object(Bucket="data", Key="k")
            body: bytes = await answer["Body"].read()
        assert OUR_METHOD in providers(session._session)
        return body

    assert asyncio.run(main()) == b"aioboto3"
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_s3fs_ls_cat_and_put_on_an_sso_profile(
    login: Callable[..., dict], idc: FakeIdentityCenter, moto_url: str, tmp_path: Path
) -> None:
    s3fs = pytest.importorskip("s3fs", reason="s3fs is not installed in this run")
    login()
    fs = s3fs.S3FileSystem(profile="dev", client_kwargs={"endpoint_url": moto_url})  # the profile's region
    fs.mkdir("frames")
    fs.pipe("frames/a.csv", b"x,y\n1,2\n")
    local = tmp_path / "b.csv"
    local.write_bytes(b"x,y\n3,4\n")
    fs.put(str(local), "frames/b.csv")
    assert sorted(fs.ls("frames")) == ["frames/a.csv", "frames/b.csv"]
    assert fs.cat("frames/b.csv") == b"x,y\n3,4\n"
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_s3fs_logged_out_says_what_to_run(
    write_config: Callable[[str], Path], idc: FakeIdentityCenter
) -> None:
    s3fs = pytest.importorskip("s3fs", reason="s3fs is not installed in this run")
    write_config(SSO_CONFIG)
    fs = s3fs.S3FileSystem(profile="dev", skip_instance_cache=True)
    with pytest.raises(NotLoggedInError, match="botocore-sso login --sso-session corp"):
        fs.ls("anything")


def test_the_rest_of_aiobotocores_chain_is_as_it_was(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config("[profile static]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n")

    async def main() -> Any:
        session = aiobotocore_session.AioSession(profile="static")
        credentials = await session.get_credentials()
        return providers(session), credentials.method, (await credentials.get_frozen_credentials()).access_key

    chain, method, access_key = asyncio.run(main())
    assert (method, access_key) == ("config-file", "AKIDSTATIC"), "static keys in the config file"
    assert chain.index(OUR_METHOD) == chain.index("sso") - 1
    monkeypatch.setenv("BOTOCORE_SSO_PROVIDER_DISABLED", "1")
    own = providers(aiobotocore_session.AioSession(profile="static"))
    assert [name for name in chain if name != OUR_METHOD] == own, "every other provider where it was"


def test_a_new_session_reads_the_config_as_it_is_now(
    login: Callable[..., dict], idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    login()

    async def key_of_a_new_session() -> str:
        session = aiobotocore_session.AioSession(profile="dev")
        credentials = await session.get_credentials()
        return str((await credentials.get_frozen_credentials()).access_key)

    read_only = asyncio.run(key_of_a_new_session())
    write_config(SSO_CONFIG.replace("sso_role_name = ReadOnly", "sso_role_name = Admin"))
    admin = asyncio.run(key_of_a_new_session())
    assert admin != read_only, "the role the config names now"
    assert idc.request_counts()["GetRoleCredentials"] == 2


CHAINED = """
    [profile chained]
    role_arn = arn:aws:iam::111111111111:role/Deploy
    source_profile = dev
    region = us-east-1
"""


def test_an_assume_role_profile_whose_source_is_an_sso_profile_goes_through_the_package(
    write_config: Callable[[str], Path],
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    aws_home: Path,
) -> None:
    write_config(SSO_CONFIG + CHAINED)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)

    async def chained_key() -> str:
        session = aiobotocore_session.AioSession(profile="chained")
        credentials = await session.get_credentials()
        return str((await credentials.get_frozen_credentials()).access_key)

    with pytest.raises(NotLoggedInError, match="botocore-sso login --sso-session corp"):
        asyncio.run(chained_key())  # logged out: our sentence, so our provider resolved the source
    seed_login()
    assumed = asyncio.run(chained_key())
    assert assumed != cached_key(aws_home), "the assumed role's keys, from moto's STS"
    assert idc.request_counts()["GetRoleCredentials"] == 1, "the source profile's role, through us"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_session_on_anyio_gets_anyios_threads_and_credentials(
    login: Callable[..., dict], idc: FakeIdentityCenter, moto_url: str, backend: str
) -> None:
    httpx_session = pytest.importorskip(
        "aiobotocore.httpxsession", reason="no httpx sessions before aiobotocore 3"
    )
    anyio = pytest.importorskip("anyio", reason="aiobotocore's httpx2 extra is not installed in this run")
    pytest.importorskip(backend, reason=f"{backend} is not installed in this run")
    from aiobotocore.config import AioConfig

    login()

    async def main() -> Dict[str, Any]:
        session = aiobotocore_session.AioSession(profile="dev")
        session.set_default_client_config(AioConfig(http_session_cls=httpx_session.HttpxSession))
        credentials = await session.get_credentials()
        async with session.create_client("sts", region_name="us-east-1", endpoint_url=moto_url) as sts:
            identity = await sts.get_caller_identity()
        return {
            "class": type(credentials).__name__,
            "account": identity["Account"],
            "chain": providers(session),
        }

    done = anyio.run(main, backend=backend)
    assert done["class"] == "DeferredAnyioSSOCredentials"
    assert OUR_METHOD in done["chain"] and done["account"]
    assert idc.request_counts()["GetRoleCredentials"] == 1
