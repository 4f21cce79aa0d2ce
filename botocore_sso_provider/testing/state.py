"""The moving parts of the fake Identity Center: registrations, logins, sessions, tokens.

Pure logic, no sockets. ``IdentityCenterState`` is the one object the HTTP
layer talks to; each concept lives in its own module (``store`` for the
records and the lock, ``oidc``, ``iam_tokens``, ``browser``, ``portal``, ``federation`` and ``control`` for
the operations). Failures are raised as ``FakeServiceError`` already in the
wire shape; the HTTP layer only writes them out. Misuse of the Python control
API (unknown user, unknown user code) raises ``ValueError``.
"""

from __future__ import annotations

from .browser import BrowserDecisions
from .control import ControlOperations
from .federation import FederationOperations
from .iam_tokens import IamTokenOperations
from .oidc import OidcOperations
from .portal import PortalOperations
from .store import IdentityStore

__all__ = ["IdentityCenterState", "IdentityStore"]


class IdentityCenterState(
    OidcOperations,
    IamTokenOperations,
    BrowserDecisions,
    PortalOperations,
    FederationOperations,
    ControlOperations,
):
    """Everything the fake remembers and every operation it serves, guarded by one lock."""
