"""One thin module per ``botocore-sso`` command: parse, call the library, print.

Each module defines ``NAME`` (the command word), ``HELP`` (one line),
``EXAMPLES`` (shown under ``--help``), ``add_arguments(parser)``,
``Arguments`` (what that parser sets, typed: :class:`CommandArguments`) and
``run(args: Arguments) -> int``. Modules import only argparse-level things at
the top; the library is imported inside ``run`` so that ``--help`` and the
fast commands stay cheap. ``cli/main.py`` lists them in ``COMMANDS``. A
command-line mistake is ``errors.CommandError`` (exit status 2).

A command's arguments are a typed object, declared once with their types:
each command module declares ``class Arguments(CommandArguments)`` with one
annotated attribute per option its ``add_arguments`` adds (named as argparse's
``dest``), and takes ``run(args: Arguments)``. mypy then checks every
``args.name`` a command reads, and every keyword an early path passes when it
builds the object itself (``credential-process``, ``status --short``: no
argparse there). ``cli.main`` builds it from argparse's namespace in one place,
:meth:`CommandArguments.from_namespace`; a test compares each declaration with
its command's parser, so the two cannot drift apart.

The early paths import this module, so it costs nothing at run time: no
``typing``, no ``dataclasses``, no ``argparse``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import argparse
    from typing import Any, ClassVar, TypeVar

    from typing_extensions import dataclass_transform

    _Arguments = TypeVar("_Arguments", bound="CommandArguments")
else:

    def dataclass_transform(**_):  # tells mypy how __init__ works; nothing to do at run time
        return lambda cls: cls


@dataclass_transform(kw_only_default=True)
class CommandArguments:
    """The base of every command's ``Arguments``: keyword construction, checked like a dataclass's.

    Subclasses only declare annotated attributes (with a default where the
    early paths may leave one out). Building one with a name missing or one
    not declared is a TypeError, at run time as for mypy.
    """

    debug: bool = False
    """``--debug``, which every command accepts: set by ``from_namespace`` only (mypy reads the
    fields of subclasses alone, so the early paths, which never pass it, cannot either)."""

    _names: ClassVar[tuple[str, ...]] = ("debug",)

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        declared: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            declared.update(dict.fromkeys(vars(klass).get("__annotations__", {})))
        cls._names = tuple(name for name in declared if not name.startswith("_"))

    def __init__(self, **values: Any) -> None:
        unknown = [name for name in values if name not in self._names]
        missing = [name for name in self._names if name not in values and not hasattr(type(self), name)]
        if unknown or missing:
            raise TypeError(f"{type(self).__qualname__}: unknown {unknown}, missing {missing}")
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def from_namespace(cls: type[_Arguments], namespace: argparse.Namespace) -> _Arguments:
        """The declared attributes, read from what argparse parsed (it also holds cli.main's own)."""
        return cls(**{name: getattr(namespace, name) for name in cls._names if hasattr(namespace, name)})

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._names)
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._names)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value
