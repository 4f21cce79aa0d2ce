"""A secret URL handed to the browser through a private page, never through a command line.

A browser is started with its URL as an argument, and every local user can
read a process's arguments (``/proc/PID/cmdline``, ``ps``). The console
sign-in URL signs anyone who holds it in for 15 minutes, so it goes into a
tiny HTML page that redirects to it: a file only this user can read (0600,
in a fresh 0700 directory of ours under the temporary directory, so
``TMPDIR`` moves it), and the browser is given the page's ``file://`` URL,
which holds no secret. The directory is removed as soon as the browser has
read the page (its access time moves), at the latest after ``READ_GRACE``
seconds (where the file system keeps no access times), and on any error or
Ctrl-C.
"""

from __future__ import annotations

import html
import os
import pathlib
import shutil
import tempfile
import time
import webbrowser
from typing import Callable, Optional

PAGE_NAME = "sign-in.html"
READ_GRACE = 30.0
"""Seconds the page is kept for a browser that is slow to start, when its read cannot be seen."""
_POLL = 0.05
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def open_privately(
    url: str,
    *,
    opener: Optional[Callable[[str], bool]] = None,
    on_opened: Callable[[], None] = lambda: None,
    grace: float = READ_GRACE,
) -> bool:
    """Open ``url`` in the browser through a private page; False when no browser could be started.

    ``opener`` defaults to ``webbrowser.open``; ``on_opened`` runs once the browser was started.
    Returns once the page is gone.
    """
    directory = tempfile.mkdtemp(prefix="botocore-sso-")  # 0700, ours, a fresh name
    try:
        path = os.path.join(directory, PAGE_NAME)
        _write_page(path, url)
        unread = os.stat(path).st_atime_ns
        if not (opener or webbrowser.open)(pathlib.Path(path).as_uri()):
            return False
        on_opened()
        _wait_until_read(path, unread, grace)
        return True
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def page_for(url: str) -> str:
    """The page: an immediate redirect to ``url``, with a link for browsers that do not follow it."""
    target = html.escape(url, quote=True)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={target}">'
        "<title>AWS console sign-in</title></head>"
        f'<body><p><a href="{target}">Continue to the AWS console</a></p></body></html>\n'
    )


def _write_page(path: str, url: str) -> None:
    descriptor = os.open(path, _CREATE_FLAGS, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as page:
        page.write(page_for(url))


def _wait_until_read(path: str, unread_atime_ns: int, grace: float) -> None:
    """Until the page's access time moves (the browser read it), or ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            if os.stat(path).st_atime_ns != unread_atime_ns:
                return
        except OSError:
            return
        time.sleep(_POLL)
