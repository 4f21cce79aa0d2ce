"""What a role's access key id, secret key and session token may hold: one rule for answers and files.

Real ones are base64-ish: access key ids ``[A-Z0-9]`` (16 to 128, the API's
documented bounds), secret keys 40 characters, session tokens base64 of
about 0.4 to 3 KB. The rule does not insist on that shape (test doubles,
botocore's own tests among them, use ``foo`` or ``fake-1a2b``); it refuses
what does harm. Each value is printable ASCII without spaces (``!`` to
``~``): a NUL makes ``exec`` fail, an ESC or a bidi override rewrites the
terminal ``export`` prints to, a newline or space splits the shell words
and the lines of the formats we print. Each is bounded: 128 characters for
an access key id (the API's maximum), 1 KiB for a secret key (no maximum is
documented; 25 times the real length), 32 KiB for a session token (STS says
its size is not fixed; 10 times the largest seen with session tags and
policies, and a cache file holding it stays under the 64 KiB the fast paths
read). Anything else is not credentials but a broken or hostile answer.

Standard library only (nothing imported at all): the warm fast paths check
cache files by it too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

MAX_ACCESS_KEY_ID_LENGTH = 128
MAX_SECRET_ACCESS_KEY_LENGTH = 1024
MAX_SESSION_TOKEN_LENGTH = 32 * 1024

_LIMITS = (
    ("an", "access key id", MAX_ACCESS_KEY_ID_LENGTH),
    ("a", "secret access key", MAX_SECRET_ACCESS_KEY_LENGTH),
    ("a", "session token", MAX_SESSION_TOKEN_LENGTH),
)


def role_credentials_problem(access_key: object, secret_key: object, token: object) -> Optional[str]:
    """What is wrong with these role credentials, in words that quote none of them; None if usable.

    The words fit after "with": "a session token of 204800 characters, over ...".
    """
    for (article, what, limit), value in zip(_LIMITS, (access_key, secret_key, token)):
        problem = _value_problem(article, what, limit, value)
        if problem is not None:
            return problem
    return None


CACHE_FILE_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")
"""The three values' names in a role cache file's ``Credentials`` (the AWS CLI v2's)."""


def cached_credentials_problem(credentials: Mapping[str, Any]) -> Optional[str]:
    """:func:`role_credentials_problem` for a role cache file's ``Credentials`` object."""
    return role_credentials_problem(*(credentials.get(name) for name in CACHE_FILE_FIELDS))


def _value_problem(article: str, what: str, limit: int, value: object) -> Optional[str]:
    if not isinstance(value, str) or not value:
        return f"no text for {what}"
    if len(value) > limit:
        return f"{article} {what} of {len(value)} characters, over the {limit} it may have"
    if value.isascii() and value.isprintable() and " " not in value:  # at C speed: the warm paths
        return None
    char = next(char for char in value if not "!" <= char <= "~")
    return f"{article} {what} holding U+{ord(char):04X}, not printable ASCII without spaces"
