"""``botocore-sso demo``: the whole path against local fakes, in a temporary HOME."""

from __future__ import annotations

import argparse
import sys

from . import CommandArguments

NAME = "demo"
HELP = "log in and use credentials against local fakes"
EXAMPLES = """examples:
  botocore-sso demo
"""


class Arguments(CommandArguments):
    """The demo takes no options."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo takes no options."""


def run(args: Arguments) -> int:
    from ..demo import run as run_demo

    return run_demo(sys.stdout)
