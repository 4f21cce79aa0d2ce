"""Which local user holds the other end of a loopback TCP connection (Linux).

The instance-metadata protocol has no secret a client must present: any
process that can reach the port may ask for a token and then the
credentials. On a loopback address that means every user of the machine, so
the credential server asks the kernel who owns the connecting socket and
answers only its own user (and root, who can read that user's files anyway).

The kernel answers in two ways, asked in this order:

- ``sock_diag`` over netlink (what ``ss`` uses): one exact lookup of the
  client's socket by its four addresses, in microseconds;
- ``/proc/net/tcp`` and ``/proc/net/tcp6``, where netlink is not allowed (some
  sandboxes): one line per socket of the network namespace, the local and
  remote address as hexadecimal words in host byte order, then the owner's
  uid. Building the table walks all of the kernel's sockets: milliseconds.

Standard library only.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Optional

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")

_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_ALL_STATES = 0xFFFFFFFF
_NO_COOKIE = 0xFFFFFFFF
_HEADER = struct.Struct("=IHHII")  # struct nlmsghdr
_REQUEST = struct.Struct("=BBBBI")  # struct inet_diag_req_v2, before its socket id
_UID_OFFSET = _HEADER.size + 4 + 48 + 12  # in struct inet_diag_msg: after family..retrans, the id, 3 counters


def can_identify_peers() -> bool:
    """Whether this system tells who owns a connection (Linux: netlink or ``/proc/net/tcp``)."""
    return hasattr(socket, "AF_NETLINK") or os.path.exists(_TABLES[0])


def peer_uid(client: tuple[str, int], server: tuple[str, int]) -> Optional[int]:
    """The uid owning the socket that connected from ``client`` to ``server``; None if not found."""
    try:
        return _ask_netlink(client, server)
    except (OSError, ValueError, struct.error):  # netlink not allowed here, or an answer we cannot read
        return _read_tables(client, server)


def trusted_uids() -> frozenset[int]:
    """This process's user, and root (who can read that user's caches anyway)."""
    return frozenset({os.getuid(), 0})


def _ask_netlink(client: tuple[str, int], server: tuple[str, int]) -> Optional[int]:
    family = socket.AF_INET6 if ":" in client[0] else socket.AF_INET
    socket_id = (
        struct.pack("!HH", client[1], server[1])
        + socket.inet_pton(family, client[0].split("%")[0]).ljust(16, b"\0")
        + socket.inet_pton(family, server[0].split("%")[0]).ljust(16, b"\0")
        + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
    )
    request = _REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, _ALL_STATES) + socket_id
    message = _HEADER.pack(_HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0) + request
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
        netlink.settimeout(1.0)
        netlink.sendto(message, (0, 0))
        answer = netlink.recv(8192)
    _, kind, _, _, _ = _HEADER.unpack_from(answer)
    if kind == _NLMSG_ERROR:
        (error,) = struct.unpack_from("=i", answer, _HEADER.size)
        if error == -2:  # ENOENT: no such connection
            return None
        raise OSError(-error, "sock_diag refused the lookup")
    if kind != _SOCK_DIAG_BY_FAMILY:
        raise ValueError("not a sock_diag answer")
    (uid,) = struct.unpack_from("=I", answer, _UID_OFFSET)
    return int(uid)


def _read_tables(client: tuple[str, int], server: tuple[str, int]) -> Optional[int]:
    local, remote = _encoded(*client), _encoded(*server)
    if local is None or remote is None:
        return None
    wanted = f" {local} {remote} ".encode("ascii")
    for table in _TABLES:
        try:
            with open(table, "rb") as file:
                text = file.read()
        except OSError:
            continue
        start = text.find(wanted)
        if start < 0:
            continue
        fields = text[start : text.find(b"\n", start)].split()
        try:
            return int(fields[6])  # local, remote, state, queues, timer, retransmits, then the uid
        except (IndexError, ValueError):
            return None
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
