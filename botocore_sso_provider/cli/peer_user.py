"""Which local user holds the other end of a loopback TCP connection (Linux: ``/proc/net/tcp``).

The instance-metadata protocol has no secret a client must present: any
process that can reach the port may ask for a token and then the
credentials. On a loopback address that means every user of the machine, so
the credential server asks the kernel who owns the connecting socket and
answers only its own user (and root, who can read that user's files anyway).

The kernel lists every TCP socket of the network namespace in
``/proc/net/tcp`` and ``/proc/net/tcp6``, one line each: the local and
remote address as hexadecimal words in host byte order, then the owner's
uid. The client's socket is the line whose local end is the client's
address and whose remote end is the server's. Standard library only.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Optional

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def can_identify_peers() -> bool:
    """Whether this system tells who owns a connection (Linux's ``/proc/net/tcp``)."""
    return os.path.exists(_TABLES[0])


def peer_uid(client: tuple[str, int], server: tuple[str, int]) -> Optional[int]:
    """The uid owning the socket that connected from ``client`` to ``server``; None if not found."""
    wanted = (_encoded(*client), _encoded(*server))
    if None in wanted:
        return None
    for table in _TABLES:
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)  # the header
                for line in lines:
                    fields = line.split()
                    if len(fields) > 7 and (fields[1], fields[2]) == wanted:
                        return int(fields[7])
        except (OSError, ValueError):
            continue
    return None


def _encoded(host: str, port: int) -> Optional[str]:
    """``host:port`` as ``/proc/net/tcp*`` prints it: 32-bit words in host order, then the port."""
    try:
        if ":" in host:
            packed = socket.inet_pton(socket.AF_INET6, host.split("%")[0])
        else:
            packed = socket.inet_aton(host)
    except OSError:
        return None
    words = struct.unpack(f"={len(packed) // 4}I", packed)
    return "".join(f"{word:08X}" for word in words) + f":{port:04X}"


def trusted_uids() -> frozenset[int]:
    """This process's user, and root (who can read that user's caches anyway)."""
    return frozenset({os.getuid(), 0})
