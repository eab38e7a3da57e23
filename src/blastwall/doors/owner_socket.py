"""Unix sockets only their owner may connect to.

A socket is created under umask 0o177, so it is mode 0600 from the moment it exists: there is no
window in which another user could connect before a chmod."""

from __future__ import annotations

import os
import socketserver
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def owner_only() -> Iterator[None]:
    """Files and sockets made inside the block are read-write for their owner only."""
    old = os.umask(0o177)
    try:
        yield
    finally:
        os.umask(old)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def owner_server(path: str, handler: type[socketserver.BaseRequestHandler]) -> socketserver.UnixStreamServer:
    """A server on a new unix socket at `path`: each connection is handled in a daemon thread."""
    with owner_only():
        return _Server(path, handler)
