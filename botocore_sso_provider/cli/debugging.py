"""``--debug``: our and botocore's DEBUG logs on stderr, with secrets redacted.

botocore logs request parameters and response bodies at DEBUG, which hold
tokens and keys; ``botocore_sso_provider.provider.redaction`` scrubs them. That module
is loaded by name so that this one works (and ``--debug`` says it is
unredacted) on a build that does not have it.
"""

from __future__ import annotations

import importlib
import logging
import sys

LOGGERS = ("botocore_sso_provider", "botocore", "boto3", "urllib3")
_FORMAT = "%(asctime)s %(name)s [%(levelname)s] %(message)s"


def install_redaction() -> bool:
    """Scrub secrets from botocore's log records if the redaction module is present."""
    try:
        redaction = importlib.import_module("..provider.redaction", __package__)
    except ImportError:
        return False
    redaction.install()
    return True


def enable_debug_logging() -> None:
    """DEBUG records of our and botocore's loggers to stderr, redacted first."""
    redacted = install_redaction()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    if not redacted:
        logging.getLogger(__name__).warning(
            "This build has no botocore_sso_provider.provider.redaction: "
            "botocore's DEBUG lines may hold tokens."
        )
