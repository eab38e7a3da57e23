"""The hook's output path never turns into "proceed" (issue: tamper-proof, fail closed on output).

Whatever text ends up in an answer (lone surrogates, control characters, invalid UTF-8 decoded
with escapes, very long reasons, JSON that is not ASCII), `cli.hook._emit` writes ASCII only,
stdout stays parseable JSON when it was JSON, and the exit code is 0 or 2: any other code is read
as "proceed" by some agent. A closed stdout blocks.
"""

from __future__ import annotations

import json
import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.cli import hook

NASTY = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=3000) | \
    st.sampled_from(["\ud800", "\udfff\ud800x", "\x00\x1b[31m\r\n", "\u202e", "é" * 3000, "x" * 100_000])


def _emit(code: int, out: str, err: str) -> tuple[int, bytes, bytes]:
    with tempfile.TemporaryFile() as f1, tempfile.TemporaryFile() as f2:
        got = hook._emit(code, out, err, out_fd=f1.fileno(), err_fd=f2.fileno())
        f1.seek(0)
        f2.seek(0)
        return got, f1.read(), f2.read()


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from([0, 1, 2, 3, 127, -1]), reason=NASTY, as_json=st.booleans())
def test_every_answer_is_ascii_and_blocks_or_is_json(code: int, reason: str, as_json: bool):
    out = json.dumps({"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": reason}},
                     ensure_ascii=False) + "\n" if as_json else ""
    got, stdout, stderr = _emit(code, out, reason)
    stdout.decode("ascii")
    stderr.decode("ascii")
    assert got in (0, 2)
    if code != 0:
        assert got == 2
    if got == 0 and stdout:
        assert json.loads(stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert len(stderr) <= hook.MAX_ERR_CHARS * 12 + 16  # capped (each character escapes to at most 10)


@settings(max_examples=100, deadline=None)
@given(junk=NASTY)
def test_stdout_that_is_not_json_and_not_ascii_blocks(junk: str):
    got, stdout, _ = _emit(0, junk + "\u00e9", "")
    stdout.decode("ascii")
    if got == 0:
        assert stdout == b"" or json.loads(stdout) is not None


def test_a_closed_stdout_blocks():
    r1, w1 = os.pipe()
    os.close(r1)  # nobody reads: writing raises EPIPE (SIGPIPE is ignored by Python)
    r2, w2 = os.pipe()
    try:
        assert hook._emit(0, '{"hookSpecificOutput": {}}\n', "", out_fd=w1, err_fd=w2) == 2
    finally:
        os.close(w1)
        os.close(w2)
        os.close(r2)
