"""Vanity start URLs, resolved as the AWS CLI v2 (2.35+) does, against the fake's redirecting /vanity."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Callable

import botocore.session
import pytest

from botocore_sso_provider.errors import SSOConfigError, VanityURLError
from botocore_sso_provider.login import LoginRequest, log_in
from botocore_sso_provider.login.vanity import (
    is_identity_center_host,
    region_of_host,
    resolve_start_url,
)
from botocore_sso_provider.provider.config import resolve_session, session_for_login
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import token_path

pytestmark = pytest.mark.functional

PORTAL = "https://ssoins-7223fa6e0fd2b1c3.portal.eu-west-1.app.aws"

VANITY_CONFIG = """
    [profile dev]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    # the organisation's own start URL
    [sso-session corp]
    sso_start_url = {start_url}
    ; set by hand, wrong
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access

    [profile other]
    region = us-west-2
"""


def recording_session() -> tuple[botocore.session.Session, list[dict[str, Any]]]:
    session = botocore.session.Session()
    calls: list[dict[str, Any]] = []
    session.register(
        "before-call.sso-oidc.StartDeviceAuthorization",
        lambda params, **_: calls.append(json.loads(params["body"])),
    )
    return session, calls


def test_a_vanity_start_url_is_resolved_and_its_region_corrects_the_config(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc.redirect_vanity_to(f"{PORTAL}/start/")
    config_path = write_config(VANITY_CONFIG.format(start_url=idc.vanity_start_url))
    session, calls = recording_session()
    out = io.StringIO()
    outcome = log_in(
        resolve_session(session.full_config, "corp"), session, LoginRequest(use_device_code=True), out=out
    )
    assert calls[0]["startUrl"] == f"{PORTAL}/start", "the resolved URL is what the login sends"
    assert idc.vanity_requests == 1, "one HEAD request; the portal host itself is never fetched"
    assert outcome.start_url.region == "eu-west-1"
    data = json.loads(token_path(aws_home, "corp").read_text())
    assert data["startUrl"] == idc.vanity_start_url, "the file keeps the configured URL, as the CLI writes it"
    assert data["region"] == "eu-west-1"
    text = config_path.read_text()
    assert "sso_region = eu-west-1\n" in text
    assert "# the organisation's own start URL" in text and "; set by hand, wrong" in text
    assert "[profile other]\nregion = us-west-2" in text
    assert f"resolves to {PORTAL}/start (region eu-west-1)" in out.getvalue()
    assert "sso_region in [sso-session corp]" in out.getvalue() and "(was us-east-1)" in out.getvalue()
    corrected = resolve_session(botocore.session.Session().full_config, "corp")
    assert corrected.region == "eu-west-1"


def test_a_redirect_to_a_foreign_host_is_refused_before_any_oidc_call(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc.redirect_vanity_to("https://sso.evil.example/start")
    write_config(VANITY_CONFIG.format(start_url=idc.vanity_start_url))
    session = botocore.session.Session()
    with pytest.raises(SSOConfigError) as caught:
        log_in(
            resolve_session(session.full_config, "corp"),
            session,
            LoginRequest(use_device_code=True),
            out=io.StringIO(),
        )
    message = str(caught.value)
    assert "redirects to sso.evil.example, which is not an AWS IAM Identity Center host" in message
    assert "[sso-session corp]" in message
    assert sum(idc.request_counts().values()) == 0
    assert not token_path(aws_home, "corp").exists()


def test_a_vanity_url_without_a_redirect_is_refused(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    idc.redirect_vanity_to(None)
    write_config(VANITY_CONFIG.format(start_url=idc.vanity_start_url))
    session = botocore.session.Session()
    with pytest.raises(SSOConfigError, match="does not redirect to one"):
        log_in(
            resolve_session(session.full_config, "corp"),
            session,
            LoginRequest(use_device_code=True),
            out=io.StringIO(),
        )
    assert idc.request_counts()["RegisterClient"] == 0


def test_a_legacy_vanity_profile_is_corrected_in_its_profile_section(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc.redirect_vanity_to("https://d-9067abcdef.awsapps.com/start")  # no region in this host name
    path = write_config(
        f"""
        [profile legacy]
        sso_start_url = {idc.vanity_start_url}
        sso_region = eu-central-1
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        """
    )
    session = botocore.session.Session(profile="legacy")
    config = session_for_login(session.full_config, profile="legacy", session_name=None)
    outcome = log_in(config, session, LoginRequest(), out=io.StringIO())
    assert outcome.start_url.url == "https://d-9067abcdef.awsapps.com/start"
    assert outcome.start_url.region == "eu-central-1", "sso_region stays when the host names no region"
    assert "sso_region = eu-central-1" in path.read_text()
    assert token_path(aws_home, idc.vanity_start_url).exists(), "keyed by the configured start URL"


@pytest.mark.parametrize(
    ("host", "owned", "region"),
    [
        ("d-1234567890.awsapps.com", True, None),
        ("ssoins-1.portal.us-east-2.app.aws", True, "us-east-2"),
        ("d-1.us-gov-west-1.portal.amazonaws.com", True, "us-gov-west-1"),
        ("d-1.cn-north-1.portal.amazonaws.com.cn", True, "cn-north-1"),
        ("x.portal.cn-northwest-1.app.amazonwebservices.com.cn", True, "cn-northwest-1"),
        ("x.portal.eusc-de-east-1.api.amazonwebservices.eu", True, "eusc-de-east-1"),
        ("identitycenter.amazonaws.com", True, None),
        ("awsapps.com.evil.example", False, None),
        ("evilawsapps.com", False, None),
        ("sso.example.com", False, None),
    ],
)
def test_identity_center_hosts_and_their_regions(host: str, owned: bool, region: str | None) -> None:
    assert is_identity_center_host(host) is owned
    assert region_of_host(host) == region


def test_an_identity_center_start_url_is_used_as_it_is_without_a_request() -> None:
    resolved = resolve_start_url("https://d-1234567890.awsapps.com/start", "eu-west-1", timeout=0.001)
    assert (resolved.url, resolved.region, resolved.resolved) == (
        "https://d-1234567890.awsapps.com/start",
        "eu-west-1",
        False,
    )


def test_plain_http_is_refused_except_on_loopback() -> None:
    with pytest.raises(VanityURLError, match="must use https"):
        resolve_start_url("http://sso.example.com/start", "us-east-1")


def test_a_redirect_to_plain_http_on_an_aws_host_is_refused(idc: FakeIdentityCenter) -> None:
    idc.redirect_vanity_to("http://d-1234567890.awsapps.com/start")
    with pytest.raises(VanityURLError, match="does not use https"):
        resolve_start_url(idc.vanity_start_url, "us-east-1")
