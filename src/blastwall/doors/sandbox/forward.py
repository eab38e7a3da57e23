"""`python -m blastwall.doors.sandbox.forward PORT SOCKET [PORT SOCKET]... -- CMD...`: the
gateway (and, for `blastwall run`, its egress proxy and database proxies) inside a sandbox
without a network.

Most HTTP clients cannot talk to a unix socket, so in `--net gateway` mode the sandbox starts
here: it listens on 127.0.0.1:PORT (the sandbox's own loopback, nothing else is reachable),
forks a process that copies every connection byte for byte to the gateway's SOCKET, and runs
CMD in its place. The forwarder knows nothing about HTTP; it ends with the sandbox.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading

BUFFER = 65536


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(BUFFER):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                s.shutdown(how)


def _serve_one(client: socket.socket, path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
    back.start()
    _pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()


def serve(listener: socket.socket, path: str) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve_one, args=(client, path), daemon=True).start()


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    return listener


def main(argv: list[str]) -> int:
    end = argv.index("--") if "--" in argv else -1
    pairs = argv[:end] if end > 0 else []
    if end < 2 or len(pairs) % 2 or len(argv) <= end + 1:
        sys.stderr.write("usage: python -m blastwall.doors.sandbox.forward PORT SOCKET [PORT SOCKET]... -- CMD...\n")
        return 2
    command = argv[end + 1:]
    listeners = [(_listen(int(pairs[i])), pairs[i + 1]) for i in range(0, len(pairs), 2)]
    if os.fork() == 0:
        os.setsid()
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        try:
            for listener, path in listeners[1:]:
                threading.Thread(target=serve, args=(listener, path), daemon=True).start()
            serve(*listeners[0])
        finally:
            os._exit(0)
    for listener, _ in listeners:
        listener.close()
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"blastwall sandbox: cannot run {command[0]}: {exc.strerror}\n")
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
