"""Whom the store trusts with a secret: one rule for every reader, fast or full.

Nothing is trusted that a stranger could have put there (ssh's StrictModes):
a cache file or directory must belong to this user (or root, or, under
``sudo``, the user who ran it) and must not be writable by anyone else. A
group-writable one is accepted where the group is this user's own private
group (the default where every user has a group of their own and the umask
is 002, with which botocore and the AWS CLI v2 create their directories), as
Debian's ssh accepts it.

:func:`distrust` decides that from a stat result, for both readers: the full
one (``files.read_trusted``) turns a verdict into an error naming the fix;
the fast paths' (``files.read_private_json``) asks with ``strict=True`` and
takes any verdict as "not sure: take the full path". Standard library only,
and nothing slow at import: the fast paths load this module.
"""

from __future__ import annotations

import os
import stat

from .. import settings

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Optional

SUDO_UID_VARIABLE = settings.SUDO_UID_VARIABLE

ANOTHER_OWNER = "another owner"
"""Verdict: the path belongs to a user who is neither us nor root."""
OTHERS_MAY_WRITE = "others may write"
"""Verdict: someone else may write the path (world-writable, or a shared group's)."""
CANNOT_TELL = "cannot tell"
"""Verdict (``strict`` only): only the user or group database could settle it; the full path asks it."""


def trusted_owners() -> frozenset[int]:
    """Who may own our cache files: this user and root (and, under sudo, the user who ran it)."""
    uid = os.getuid()
    owners = {uid, 0}
    sudo_uid = settings.sudo_uid()
    if uid == 0 and sudo_uid is not None:
        owners.add(sudo_uid)
    return frozenset(owners)


def distrust(info: os.stat_result, *, strict: bool = False) -> Optional[str]:
    """None when a file or directory with stat ``info`` may be trusted; else the verdict saying why not.

    ``strict``: decide without the user and group databases (a look-up may
    go over the network, and the fast paths cost a few milliseconds in all):
    a group-writable path, and any path where there are no user ids, is
    ``CANNOT_TELL``. So whatever ``strict`` trusts, the full rule trusts too.
    """
    if strict and not hasattr(os, "getuid"):
        return CANNOT_TELL  # no owners to compare (Windows)
    if info.st_uid not in trusted_owners():
        return ANOTHER_OWNER
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o002:
        return OTHERS_MAY_WRITE
    if mode & 0o020:
        if strict:
            return CANNOT_TELL
        if not is_private_group(info.st_gid):
            return OTHERS_MAY_WRITE
    return None


def explain(verdict: str, info: os.stat_result, path: str) -> tuple[str, str]:
    """What an untrusted path's error says: the reason (after the path) and the command that fixes it."""
    quoted = _quote(path)
    if verdict == ANOTHER_OWNER:
        return (
            f"belongs to another user (uid {info.st_uid}), so it is not trusted",
            f"sudo chown {_quote(user_name())} {quoted}, or remove it",
        )
    return "can be written by other users, so it is not trusted", f"chmod go-w {quoted}"


def lock_path_problem(info: os.stat_result, path: str) -> Optional[tuple[str, str]]:
    """None for a lock file we may open (a regular file of ours); else the reason and the fix.

    ``info`` is the path's own ``lstat``: a symlink is refused, never followed.
    Its mode is not judged: a loose lock file of ours is tightened when taken.
    """
    quoted = _quote(path)
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link, not a lock file", f"rm {quoted}"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a lock file", f"rm -r {quoted}"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file", f"rm {quoted}"
    if info.st_uid not in trusted_owners():
        return (
            f"belongs to another user (uid {info.st_uid}; left by a command run with sudo?)",
            f"sudo chown {_quote(user_name())} {quoted}",
        )
    return None


_private_groups: dict[int, bool] = {}


def is_private_group(gid: int) -> bool:
    """Whether ``gid`` is this user's own group, with nobody else in it (a user private group)."""
    if gid not in _private_groups:
        try:
            import grp
            import pwd

            user = pwd.getpwuid(os.getuid())
            group = grp.getgrgid(gid)
            _private_groups[gid] = user.pw_gid == gid and all(m == user.pw_name for m in group.gr_mem)
        except (ImportError, KeyError):
            _private_groups[gid] = False
    return _private_groups[gid]


def user_name() -> str:
    """This user's login name (for a ``chown`` to suggest), else the uid."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def _quote(word: str) -> str:
    import shlex  # only for an error's advice: the fast paths never need it

    return shlex.quote(word)
