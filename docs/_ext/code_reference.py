"""Reference directives over the modules that define things once: variables, config keys, errors.

- ``{botocore-sso-environment}``: ``settings.VARIABLES``, a section per variable, ``env-<NAME>``;
- ``{botocore-sso-config-keys}``: ``rules.profiles.CONFIG_KEYS``, a section per key, ``config-<key>``;
- ``{botocore-sso-errors}``: the public classes of ``errors.py`` (every ``SSOProviderError``,
  none of the ``InternalSignal`` ones), a section per class, ``error-<Class>``, with the botocore
  classes a caller catches it as and its docstring.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from docutils import nodes
from reference_nodes import labelled_section, literal_block, paragraph, rst_nodes
from sphinx.util.docutils import SphinxDirective

WHERE = {
    "profile": "a profile (`[profile NAME]` or `[default]`)",
    "sso-session": "an `[sso-session NAME]` section",
    "both": "a profile or an `[sso-session NAME]` section",
    "services": "a `[services NAME]` section",
}
"""How the page says where a key stands (``rules.profiles.IN_*``)."""


class _ModuleDirective(SphinxDirective):
    has_content = False

    def module(self, name: str) -> Any:
        module = importlib.import_module(name)
        self.env.note_dependency(module.__file__)
        self.env.note_dependency(__file__)  # a change here rebuilds the page too
        return module


class EnvironmentDirective(_ModuleDirective):
    def run(self) -> list[nodes.Node]:
        settings = self.module("botocore_sso_provider.settings")
        found: list[nodes.Node] = []
        for name, kind, line in settings.VARIABLES:
            section = labelled_section(self.state.document, f"env-{name}", name)
            section += paragraph(nodes.emphasis(text=kind), ". ", line)
            found.append(section)
        return found


class ConfigKeysDirective(_ModuleDirective):
    def run(self) -> list[nodes.Node]:
        profiles = self.module("botocore_sso_provider.rules.profiles")
        found: list[nodes.Node] = []
        for key, where, line in profiles.CONFIG_KEYS:
            section = labelled_section(self.state.document, f"config-{key}", key)
            section += paragraph(line)
            section += paragraph(nodes.emphasis(text="In"), ": " + WHERE[where] + ".")
            found.append(section)
        return found


def public_errors(errors: Any) -> list[type]:
    """Every ``SSOProviderError`` class of ``errors``, the base first, in the module's order."""
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, errors.SSOProviderError)
        and value.__module__ == errors.__name__
    ]


def botocore_bases(cls: type) -> tuple[list[type], list[type]]:
    """The botocore classes ``cls`` subclasses: the direct ones of its classes, then the rest of its MRO."""
    ours = [klass for klass in cls.__mro__ if klass.__module__ == cls.__module__]
    theirs = [klass for klass in cls.__mro__ if klass.__module__.split(".")[0] == "botocore"]
    direct = [klass for klass in theirs if any(klass in own.__bases__ for own in ours)]
    return direct, [klass for klass in theirs if klass not in direct]


def _tree(classes: list[type]) -> str:
    """The classes as an indented tree, as errors.py draws it."""
    lines = []
    for cls in classes:
        depth = len([klass for klass in cls.__mro__[1:] if klass in classes])
        lines.append("    " * depth + cls.__name__)
    return "\n".join(lines)


class ErrorsDirective(_ModuleDirective):
    def run(self) -> list[nodes.Node]:
        errors = self.module("botocore_sso_provider.errors")
        classes = public_errors(errors)
        found: list[nodes.Node] = [literal_block(_tree(classes))]
        for cls in classes:
            section = labelled_section(self.state.document, f"error-{cls.__name__}", cls.__name__)
            direct, further = botocore_bases(cls)
            parents = [klass for klass in cls.__bases__ if klass.__module__ == cls.__module__]
            words = ", ".join(f"`{klass.__name__}`" for klass in direct)
            if parents and parents[0] is not errors.SSOProviderError:
                words = f"a kind of `{parents[0].__name__}`: {words}"
            if further:
                words += " (and through them " + ", ".join(f"`{klass.__name__}`" for klass in further) + ")"
            if direct:
                section += paragraph(nodes.emphasis(text="botocore bases"), ": " + words + ".")
            section += rst_nodes(self.state.document, inspect.getdoc(cls) or "")
            found.append(section)
        return found


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("botocore-sso-environment", EnvironmentDirective)
    app.add_directive("botocore-sso-config-keys", ConfigKeysDirective)
    app.add_directive("botocore-sso-errors", ErrorsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
