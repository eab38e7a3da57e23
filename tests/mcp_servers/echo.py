"""A stand-in server for relay tests: writes back every line it reads, byte for byte.

A line `{"big": N}` is answered with one JSON line of N bytes instead; SIGTERM makes it write
`{"signal": 15}` and exit 7; end of input makes it exit 0.
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _term(signum: int, frame: object) -> None:
    os.write(1, json.dumps({"signal": signum}).encode() + b"\n")
    os._exit(7)


def main() -> None:
    signal.signal(signal.SIGTERM, _term)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            big = json.loads(line).get("big")
        except (ValueError, AttributeError):
            big = None
        if isinstance(big, int):
            pad = big - len(b'{"pad":""}')
            out.write(b'{"pad":"' + b"x" * pad + b'"}\n')
        else:
            out.write(line)
        out.flush()


if __name__ == "__main__":
    main()
