"""``python -m botocore_sso_provider``: the ``botocore-sso`` command where its script is not on PATH."""

from __future__ import annotations

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
