"""Vanity start URLs: a start URL on the organisation's own host, resolved as the AWS CLI v2 does (2.35+).

A start URL on an IAM Identity Center host (``*.awsapps.com``,
``*.portal.<region>.app.aws`` and the China, GovCloud and EUSC equivalents)
is used as it is. Any other gets one HEAD request (GET where HEAD is not
allowed); one redirect is taken, to an AWS-owned portal host, and that URL
is never fetched itself. The resolved URL is what the login sends, and the
region in its host name wins over ``sso_region``. A redirect anywhere else is
refused before any OIDC call, so a hijacked vanity host cannot send a login
to a look-alike. Plain HTTP is accepted only for loopback start URLs (tests).
The same host rules decide which device-code verification URLs a login opens.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import VanityURLError
from ..rules.terminal import printable

DEFAULT_TIMEOUT = 10.0

_OWNED_SUFFIXES = (
    ".awsapps.com",
    ".awsapps.cn",
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
)
_OWNED_HOSTS = frozenset(
    {
        "identitycenter.amazonaws.com",
        "identitycenter.amazonaws.com.cn",
        "identitycenter.amazonaws.eu",
        "identitycenter.us-gov.amazonaws.com",
    }
)
_REGION_IN_HOST = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.app\.aws$",
        r"^[^.]+\.(?P<region>[a-z0-9-]+)\.portal\.amazonaws\.com$",
        r"^[^.]+\.(?P<region>[a-z0-9-]+)\.portal\.amazonaws\.com\.cn$",
        r"^[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.app\.amazonwebservices\.com\.cn$",
        r"^[^.]+\.(?P<region>[a-z0-9-]+)\.portal\.amazonaws\.eu$",
        r"^[^.]+\.portal\.(?P<region>[a-z0-9-]+)\.api\.amazonwebservices\.eu$",
    )
)
_DEVICE_VERIFICATION_HOST = re.compile(
    r"device\.sso\.[a-z0-9-]+\.(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu)", re.IGNORECASE
)
"""Where SSO OIDC's StartDeviceAuthorization sends the user (``device.sso.us-east-1.amazonaws.com``)."""
_REDIRECTS = (301, 302, 303, 307, 308)
_PLAIN_URL = re.compile(r"[!-~]+")


@dataclass(frozen=True)
class ResolvedStartURL:
    """The start URL a login sends and the region it uses."""

    url: str
    region: str
    resolved: bool
    """True when ``url`` came from a vanity URL's redirect."""


def is_identity_center_host(host: str) -> bool:
    """Whether ``host`` is an AWS-owned IAM Identity Center host, in any partition."""
    host = host.lower().rstrip(".")
    return host in _OWNED_HOSTS or any(host.endswith(s) or host == s[1:] for s in _OWNED_SUFFIXES)


def is_plain_url(url: str) -> bool:
    """Whether ``url`` is printable ASCII without spaces or backslashes, as every URL AWS sends is.

    Anything else is where parsers disagree (a browser reads ``\\`` as ``/``,
    drops tabs and line breaks) or where a terminal would be steered.
    """
    return bool(_PLAIN_URL.fullmatch(url)) and "\\" not in url


def is_sign_in_host(host: str) -> bool:
    """Whether ``host`` is an AWS host a login may send the browser to: a portal or the device page."""
    return is_identity_center_host(host) or bool(_DEVICE_VERIFICATION_HOST.fullmatch(host.rstrip(".")))


def region_of_host(host: str) -> Optional[str]:
    """The region named in a portal host name, if the name has one."""
    host = host.lower().rstrip(".")
    for pattern in _REGION_IN_HOST:
        match = pattern.match(host)
        if match:
            return match.group("region")
    return None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_start_url(
    start_url: str,
    configured_region: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    ca_bundle: Optional[str] = None,
) -> ResolvedStartURL:
    """The start URL and region for a login (see the module docstring)."""
    parts = urllib.parse.urlsplit(start_url)
    host = parts.hostname or ""
    if not host or not is_plain_url(start_url):
        raise VanityURLError(f"'{printable(start_url)}' is not a plain URL")
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise VanityURLError(f"{start_url} must use https")
    if is_identity_center_host(host):
        return ResolvedStartURL(start_url, configured_region, resolved=False)
    location = _redirect_target(start_url, timeout, ca_bundle)
    if location is None:
        raise VanityURLError(
            f"{start_url} is not on an IAM Identity Center host and does not redirect to one"
        )
    if not is_plain_url(location):
        raise VanityURLError(
            f"{start_url} redirects to {printable(location)}, which is not a plain URL; "
            "refusing to log in there"
        )
    target = _normalised(urllib.parse.urljoin(start_url, location))
    target_parts = urllib.parse.urlsplit(target)
    target_host = target_parts.hostname or ""
    if not is_identity_center_host(target_host):
        raise VanityURLError(
            f"{start_url} redirects to {target_host or repr(target)}, which is not an AWS IAM Identity "
            "Center host; refusing to log in there"
        )
    if target_parts.scheme != "https":
        raise VanityURLError(f"{start_url} redirects to {target}, which does not use https")
    return ResolvedStartURL(target, region_of_host(target_host) or configured_region, resolved=True)


def _redirect_target(url: str, timeout: float, ca_bundle: Optional[str]) -> Optional[str]:
    """The Location of the one redirect ``url`` answers with; None when it answers without one."""
    opener = urllib.request.build_opener(
        _NoRedirects, urllib.request.HTTPSHandler(context=_tls_context(ca_bundle))
    )
    for method in ("HEAD", "GET"):
        try:
            with opener.open(urllib.request.Request(url, method=method), timeout=timeout):  # noqa: S310
                return None
        except urllib.error.HTTPError as err:
            if err.code in _REDIRECTS:
                location = err.headers.get("Location")
                if not location:
                    raise VanityURLError(f"{url} answered HTTP {err.code} without a Location") from None
                return str(location)
            if method == "HEAD" and err.code in (405, 501):
                continue
            raise VanityURLError(f"{url} answered HTTP {err.code}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", None) or err
            raise VanityURLError(f"{url} could not be reached ({reason})") from None
    return None


def _normalised(url: str) -> str:
    """Scheme, host, non-default port and path without a trailing slash: no query, no fragment."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname or ""
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    if parts.port and parts.port != default_port:
        netloc = f"{netloc}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _tls_context(ca_bundle: Optional[str]) -> ssl.SSLContext:
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    try:
        from botocore.httpsession import get_cert_path

        return ssl.create_default_context(cafile=get_cert_path(True))
    except Exception:  # an old botocore or no bundle: the system's trust store
        return ssl.create_default_context()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
