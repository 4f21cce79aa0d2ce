"""Stand-ins for another package's credential providers, named by test entry points."""

from __future__ import annotations

from typing import Any, Optional

from botocore.credentials import CredentialProvider, Credentials


class StaticProvider(CredentialProvider):
    """Answers every profile named "static-plugin" with fixed keys; remembers its session."""

    METHOD = "test-static-plugin"
    CANONICAL_NAME = "test-static-plugin"
    built_with: list[Any] = []

    def __init__(self, session: Any) -> None:
        super().__init__()
        self._session = session
        StaticProvider.built_with.append(session)

    def load(self) -> Optional[Credentials]:
        if self._session.get_config_variable("profile") != "static-plugin":
            return None
        return Credentials("AKIDSTATICPLUGIN", "secret", method=self.METHOD)


class ExplodingProvider(CredentialProvider):
    """A provider whose constructor fails, as a buggy plug-in's might."""

    METHOD = "test-exploding-plugin"

    def __init__(self, session: Any) -> None:
        raise RuntimeError("this plug-in is broken")


NOT_A_PROVIDER = 42
