"""The start-up hook of botocore-sso-provider: it waits for botocore, then hands over.

``botocore_sso_provider.pth``, installed into site-packages with the package,
calls :func:`install` in every new Python process of the environment. Until
``botocore.session`` is imported, all this adds is one finder at the front of
``sys.meta_path`` that finds nothing. The first time ``botocore.session`` is
looked up (``botocore`` itself has been imported by then), the finder registers
:func:`initialize_session` with ``botocore.register_initializer`` and goes
quiet. The package itself is imported by the first botocore session, and its
entry points are read when a session first builds its credential resolver.

This is a top-level module, not part of the ``botocore_sso_provider`` package,
so that start-up does not run the package's ``__init__`` (which imports
``typing``). It uses only what ``site`` has already imported: no botocore, no
``importlib.metadata``, not even ``__future__``.
"""

import os
import sys
from _thread import allocate_lock

DISABLED_VARIABLE = "BOTOCORE_SSO_PROVIDER_DISABLED"
"""Set to 1 (or true, yes, on) to switch transparent activation off."""

SWITCH_ON_VALUES = ("1", "true", "yes", "on")
"""What turns a switch on, in any case: this one and every other (``botocore_sso_provider.settings``)."""

_TRIGGER = "botocore.session"
_lock = allocate_lock()
_registered = False
_failed = False


def switched_on(value: str) -> bool:
    """Whether an environment variable's value turns its switch on (the package's one rule)."""
    return value.strip().lower() in SWITCH_ON_VALUES


def is_disabled(environ: "dict[str, str] | None" = None) -> bool:
    """True when the off switch is set in ``environ`` (default: the process environment)."""
    return switched_on((os.environ if environ is None else environ).get(DISABLED_VARIABLE, ""))


class BotocoreWatcher:
    """A meta-path finder that finds nothing; it notices the first import of ``botocore.session``.

    It stays on ``sys.meta_path`` once it has fired, answering None at the
    cost of one comparison: removing a finder while the import system is
    iterating ``sys.meta_path`` would make it skip the next finder.
    """

    fired = False

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == _TRIGGER and not self.fired:
            self.fired = True
            _register_initializer()
        return None

    def invalidate_caches(self) -> None:
        """Nothing cached (``importlib.invalidate_caches`` asks every finder)."""


def install() -> bool:
    """Arrange for activation when botocore is first imported. False when switched off.

    Idempotent. When ``botocore.session`` is already imported, the initializer
    is registered at once (sessions created before then are left as they are).
    """
    if is_disabled():
        return False
    if _TRIGGER in sys.modules:
        _register_initializer()
    elif not any(isinstance(finder, BotocoreWatcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, BotocoreWatcher())
    return True


def _register_initializer() -> None:
    global _registered
    with _lock:
        if _registered:
            return
        register = getattr(sys.modules.get("botocore"), "register_initializer", None)
        if register is None:  # botocore before 1.27.12 has no initializers: nothing to do
            return
        _registered = True
    register(initialize_session)


def initialize_session(session: object) -> None:
    """The botocore initializer: hands each new session to ``botocore_sso_provider.provider.activation``.

    Under the off switch it does not even import the package. It never lets a
    failure of this package break the host: if the package cannot be imported,
    one warning is shown and sessions stay pure botocore.
    """
    global _failed
    if _failed or is_disabled():
        return
    try:
        from botocore_sso_provider.wiring import initialize_session as activate
    except Exception as err:
        _failed = True
        import warnings

        warnings.warn(
            f"botocore-sso-provider is installed but cannot be imported ({type(err).__name__}: {err}); "
            "botocore's own credential providers are used. Reinstall it: pip install botocore-sso-provider",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    activate(session)
