"""Sphinx configuration: Furo, MyST Markdown, and the reference generated from the code.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (CONTRIBUTING.md).
The site needs nothing from the network: no intersphinx, no web fonts, no CDN scripts.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))  # autodoc and the generators import the package from this tree

project = "botocore-sso-provider"
author = "botocore-sso-provider authors"
copyright = "2026, botocore-sso-provider authors"  # Sphinx reads this name (it shadows a builtin)
release = runpy.run_path(str(ROOT / "botocore_sso_provider" / "_version.py"))["__version__"]
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "command_reference",  # docs/_ext: the reference, generated from the code
    "code_reference",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # `#a-heading` links work within and across pages, as on GitHub

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_mock_imports = ["pytest"]  # testing.fixtures imports it; building the site needs no pytest
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "furo"
html_title = f"botocore-sso-provider {release}"
html_static_path = ["_static"]
html_show_sourcelink = False
html_copy_source = False
