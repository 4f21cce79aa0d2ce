"""The fake's vanity start URL: one redirect to a portal host, as an organisation's own host answers."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter

pytestmark = pytest.mark.functional


def answer(idc: FakeIdentityCenter, method: str) -> tuple[int, str | None, bytes]:
    parts = urlsplit(idc.vanity_start_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, parts.path)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read()
    finally:
        connection.close()


def test_the_vanity_url_redirects_to_a_portal_host_of_the_fakes_region() -> None:
    with FakeIdentityCenter(region="eu-west-2") as idc:
        status, location, body = answer(idc, "HEAD")
        assert (status, body) == (302, b"")
        assert location == "https://ssoins-7223fa6e0fd2b1c3.portal.eu-west-2.app.aws"
        assert answer(idc, "GET")[:2] == (302, location)
        assert idc.vanity_requests == 2
        assert sum(idc.request_counts().values()) == 0, "not a service operation"


def test_the_vanity_redirect_can_be_pointed_anywhere_or_switched_off(idc: FakeIdentityCenter) -> None:
    idc.redirect_vanity_to("https://sso.evil.example/")
    assert answer(idc, "HEAD")[:2] == (302, "https://sso.evil.example/")
    idc.redirect_vanity_to(None)
    assert answer(idc, "HEAD")[:2] == (200, None)
