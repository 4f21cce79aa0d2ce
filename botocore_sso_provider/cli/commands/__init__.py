"""One thin module per ``botocore-sso`` command: parse, call the library, print.

Each module defines ``NAME`` (the command word), ``HELP`` (one line),
``EXAMPLES`` (shown under ``--help``), ``add_arguments(parser)``,
``Arguments`` (what that parser sets, typed: see ``arguments``) and
``run(args: Arguments) -> int``. Modules import only argparse-level things at
the top; the library is imported inside ``run`` so that ``--help`` and the
fast commands stay cheap. ``cli/main.py`` lists them in ``COMMANDS``. A
command-line mistake is ``errors.CommandError`` (exit status 2).
"""
