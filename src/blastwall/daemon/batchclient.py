"""`check --batch` through the warm daemon (standard library only).

    code = run(source, sys.stdout, probe=False, policy_cwd=None, env=os.environ)

The input is sent in pieces of at most PIECE_LINES lines (PIECE_BYTES bytes) to the daemon's
`batch` op (batchop.py), which checks each piece in a worker forked from its warm parent, with
both cores, and answers with the piece's verdict lines; they are written in input order.

`run` returns None, having read nothing, when daemons are off (`BLASTWALL_DAEMON=off`) or the
machine runs the system-mode daemon (whose service user must not read the caller's files for
it): the caller checks the batch in-process. Otherwise every line is answered: when no daemon
takes the first piece, one is started for the next batch and this process checks the whole
batch; a piece the daemon does not answer cleanly (it went away, was updated, passed its
deadline, sent garbage) and every piece after it are checked in-process. The output is the same
lines either way; 0. 2: the policy does not load (printed as `blastwall check` prints it).
"""

from __future__ import annotations

import sys

from blastwall.daemon import client
from blastwall.daemon import place as places

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator, Mapping
    from typing import IO, Any

# The next piece is sent when the last one is answered: each boundary costs a round trip and a
# tail where one core waits for the other (a batch of 2,054 lines took 6% longer as 2,000 + 54).
# Pieces are as long as PIECE_BYTES allows for lines of a few hundred bytes.
PIECE_LINES = 8192
PIECE_BYTES = 4 * 1024 * 1024  # under wire.MAX_PAYLOAD with room to spare
MAX_RESULT = 256 * 1024 * 1024  # the verdicts of one piece (a line's reasons are bounded, not short)
BASE_S, PER_LINE_S, MOST_S = 60.0, 0.5, 600.0  # a piece's deadline: far past any real piece


def run(source: IO[bytes], out: IO[str], *, probe: bool, policy_cwd: str | None,
        env: Mapping[str, str]) -> int | None:
    if places.system_mode() or not places.enabled(env):
        return None
    if places.user_place(env) is None:  # no private folder for a daemon's socket
        return None
    first = 1
    sent = False
    pieces = _pieces(source)
    for piece, count in pieces:
        result = _ask(piece, count, first=first, probe=probe, policy_cwd=policy_cwd, env=env)
        if result is None:
            if not sent:
                client.spawn(env)  # none running (or it would not take this): the next batch finds one
            return _in_process(piece, source, out, first=first, probe=probe, policy_cwd=policy_cwd)
        sent = True
        if result.get("ok") is not True:
            sys.stderr.write(f"error: {str(result.get('error', 'the policy does not load'))}\n"
                             "  run `blastwall policy check` to see every problem\n")
            return 2
        out.write(str(result.get("out", "")))
        lines = result.get("lines")
        first += lines if isinstance(lines, int) else count
    out.flush()
    return 0


def _pieces(source: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """(bytes, lines) pieces of the input, each ending at a newline (or at the end)."""
    lines: list[bytes] = []
    size = 0
    for line in source:
        lines.append(line)
        size += len(line)
        if len(lines) >= PIECE_LINES or size >= PIECE_BYTES:
            yield b"".join(lines), len(lines)
            lines, size = [], 0
    if lines:
        yield b"".join(lines), len(lines)


def _ask(piece: bytes, count: int, *, first: int, probe: bool, policy_cwd: str | None,
         env: Mapping[str, str]) -> dict[str, Any] | None:
    """The daemon's result for one piece, or None when it did not answer it cleanly."""
    deadline_s = min(BASE_S + PER_LINE_S * count, MOST_S)
    fields = {"cwd": client._cwd(), "env": dict(env), "policy_cwd": policy_cwd, "probe": probe, "first": first,
              "deadline_s": deadline_s}
    msg = client.call("batch", fields, piece, env=env, system=False, timeout_s=deadline_s + client.GRACE_S,
                      accept_s=client.ACCEPT_S, limit=MAX_RESULT)
    if msg is None or msg.get("t") != "result" or (msg.get("ok") is True and not isinstance(msg.get("out"), str)):
        return None
    if msg.get("ok") is not True and msg.get("code") != "policy":
        return None
    return msg


def _in_process(piece: bytes, source: IO[bytes], out: IO[str], *, first: int, probe: bool,
                policy_cwd: str | None) -> int:
    """Check `piece` and what `source` still holds in this process, as `check --batch` does
    without a daemon (the piece generator read nothing past `piece`)."""
    import io
    from itertools import chain

    from blastwall.batch import run_batch
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        policy = load_policy(policy_cwd)
    except PolicyError as exc:
        sys.stderr.write(f"error: {exc}\n  run `blastwall policy check` to see every problem\n")
        return 2
    text = io.TextIOWrapper(io.BytesIO(piece), encoding="utf-8", errors="replace")
    tail = io.TextIOWrapper(source, encoding="utf-8", errors="replace")  # what is not read yet
    run_batch(chain(text, tail), out, policy, probe=probe, first=first)
    out.flush()
    return 0
