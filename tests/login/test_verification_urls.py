"""Which URLs from the service a login opens: AWS sign-in and portal hosts, or the configured endpoint."""

from __future__ import annotations

import pytest

from botocore_sso_provider.login.browser import refusal_to_open

pytestmark = pytest.mark.unit

AWS_ENDPOINT = "https://oidc.us-east-1.amazonaws.com"
FAKE_ENDPOINT = "http://127.0.0.1:41234"


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        pytest.param(
            "https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD", AWS_ENDPOINT, id="device"
        ),
        pytest.param("https://device.sso.cn-north-1.amazonaws.com.cn/", AWS_ENDPOINT, id="device-china"),
        pytest.param("https://DEVICE.SSO.us-east-1.AMAZONAWS.COM./", AWS_ENDPOINT, id="case-and-dot"),
        pytest.param(
            "https://d-1234567890.awsapps.com/start/#/device?user_code=AB", AWS_ENDPOINT, id="portal"
        ),
        pytest.param("https://ssoins-1.portal.eu-west-1.app.aws/device", AWS_ENDPOINT, id="new-portal"),
        pytest.param("https://device.sso.us-east-1.amazonaws.com:443/", AWS_ENDPOINT, id="explicit-443"),
        pytest.param(f"{FAKE_ENDPOINT}/device?user_code=AB", FAKE_ENDPOINT, id="configured-http"),
        pytest.param(
            "https://sso.corp.example:8443/device", "https://sso.corp.example:8443", id="configured"
        ),
    ],
)
def test_these_are_opened(url: str, endpoint: str) -> None:
    assert refusal_to_open(url, endpoint) is None


@pytest.mark.parametrize(
    ("url", "endpoint", "reason"),
    [
        pytest.param("http://evil.example/", AWS_ENDPOINT, "does not use https", id="http-elsewhere"),
        pytest.param("https://evil.example/", AWS_ENDPOINT, "not on an AWS", id="https-elsewhere"),
        pytest.param("file:///etc/passwd", AWS_ENDPOINT, "not an https URL", id="file"),
        pytest.param("ms-msdt:-id%20PCWDiagnostic", AWS_ENDPOINT, "not an https URL", id="ms-msdt"),
        pytest.param("javascript:alert(1)", AWS_ENDPOINT, "not an https URL", id="javascript"),
        pytest.param("data:text/html,<script>", AWS_ENDPOINT, "not an https URL", id="data"),
        pytest.param(
            "https://device.sso.us-east-1.amazonaws.com@evil.example/",
            AWS_ENDPOINT,
            "user info",
            id="userinfo",
        ),
        pytest.param(
            "https://user:pw@device.sso.us-east-1.amazonaws.com/", AWS_ENDPOINT, "user info", id="pw"
        ),
        pytest.param(
            "https://device.sso.us-east-1.amazonaws.com.evil.example/",
            AWS_ENDPOINT,
            "not on an AWS",
            id="suffix",
        ),
        pytest.param(
            "https://amazonaws.com.evil.example/", AWS_ENDPOINT, "not on an AWS", id="amazonaws-prefix"
        ),
        pytest.param("https://evilawsapps.com/", AWS_ENDPOINT, "not on an AWS", id="no-dot-before-suffix"),
        pytest.param(
            "https://evil.example\\@device.sso.us-east-1.amazonaws.com/", AWS_ENDPOINT, "characters", id="bs"
        ),
        pytest.param(
            "https://device.sso.us-east-1.amazonaws.com%2F@evil.example/", AWS_ENDPOINT, "user", id="pct"
        ),
        pytest.param("https://x.awsapps.com\t.evil.example/", AWS_ENDPOINT, "characters", id="tab"),
        pytest.param("https://x.awsapps.com\n/", AWS_ENDPOINT, "characters", id="newline"),
        pytest.param("https://x.awsapps.com\u202e/", AWS_ENDPOINT, "characters", id="bidi"),
        pytest.param("https://x.awsapps.com:8443/", AWS_ENDPOINT, "not on an AWS", id="aws-host-odd-port"),
        pytest.param("https://x.awsapps.com:99999/", AWS_ENDPOINT, "host part", id="bad-port"),
        pytest.param("http://x.awsapps.com/", AWS_ENDPOINT, "does not use https", id="aws-host-over-http"),
        pytest.param("http://127.0.0.1:41235/", FAKE_ENDPOINT, "does not use https", id="other-port"),
        pytest.param("https://127.0.0.1:41234/", FAKE_ENDPOINT, "not on an AWS", id="other-scheme"),
        pytest.param("//evil.example/", AWS_ENDPOINT, "not an https URL", id="scheme-relative"),
        pytest.param("", AWS_ENDPOINT, "characters", id="empty"),
    ],
)
def test_these_are_not(url: str, endpoint: str, reason: str) -> None:
    refusal = refusal_to_open(url, endpoint)
    assert refusal is not None and reason in refusal
