"""The few HTML pages a person sees when the fake does not approve logins by itself.

With ``auto_approve=False`` a browser (or a test posting the form) plays the
user: the /authorize and /device pages show an Approve and a Deny button and
let you pick which user signs in. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>
{content}
</body></html>
"""


def message_page(title: str, text: str) -> str:
    """A page that only says something (approved, denied, unknown code...)."""
    return _PAGE.format(title=escape(title), content=f"<p>{escape(text)}</p>")


def _user_select(users: Sequence[str]) -> str:
    options = "".join(f'<option value="{escape(u)}">{escape(u)}</option>' for u in users)
    return f'<label>Sign in as <select name="user">{options}</select></label>'


def _decision_form(action: str, hidden: Mapping[str, str], users: Sequence[str]) -> str:
    fields = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )
    return (
        f'<form method="post" action="{escape(action)}">{fields}'
        f"<p>{_user_select(users)}</p>"
        '<button type="submit" name="decision" value="approve">Approve</button> '
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form>"
    )


def authorize_page(params: Mapping[str, str], client_name: str, users: Sequence[str]) -> str:
    """Ask whether ``client_name`` may sign in; the form re-posts the original parameters."""
    text = f"<p>Allow {escape(client_name)} to access your AWS accounts?</p>"
    return _PAGE.format(title="Authorize request", content=text + _decision_form("/authorize", params, users))


def device_page(user_code: str, users: Sequence[str]) -> str:
    """Ask whether the device showing ``user_code`` may sign in."""
    text = f"<p>Confirm that this code matches the one on your device: <b>{escape(user_code)}</b></p>"
    return _PAGE.format(
        title="Authorize device",
        content=text + _decision_form("/device", {"user_code": user_code}, users),
    )
