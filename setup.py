"""Build step for the start-up hook: put ``botocore_sso_provider.pth`` at the root of every wheel.

Metadata lives in setup.cfg. The one thing it cannot say: the ``.pth`` file
must sit in site-packages itself, outside any package, in the regular wheel
(so the wheel's RECORD lists it and ``pip uninstall`` removes it) and in the
PEP 660 editable wheel that ``pip install -e`` builds.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_NAME = "botocore_sso_provider.pth"
# site runs lines that start with "import"; the module does nothing until botocore is imported.
# If the module is gone (a half-removed install), the line does nothing: no traceback at every start.
PTH_LINE = (
    'import sys; exec("try:\\n import _botocore_sso_provider_startup as m\\n m.install()\\n'
    'except Exception:\\n pass")\n'
)


class build_py_with_startup_hook(build_py):
    """build_py, plus the start-up hook's .pth file at the wheel's root."""

    def run(self) -> None:
        super().run()
        # In an editable build, files left in build_lib are not part of the wheel;
        # setuptools' editable_wheel (>= 64) points `install` at the unpacked
        # editable wheel, where files installed as they are belong.
        root = self.get_finalized_command("install").install_lib if self.editable_mode else self.build_lib
        target = Path(root, PTH_NAME)
        self.mkpath(str(target.parent))
        target.write_text(PTH_LINE, encoding="utf-8")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs.append(str(Path(self.build_lib, PTH_NAME)))
        return outputs


setup(cmdclass={"build_py": build_py_with_startup_hook})
