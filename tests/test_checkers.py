"""The forked checkers of a long batch (blastwall/checkers.py): every chunk is answered once, in
input order, whatever the chunk sizes and the number of checkers; a checker that dies costs only
the chunk it was checking (checked again alone, `failed` when it dies again); no checker outlives
the batch."""

from __future__ import annotations

import contextlib
import io
import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall import checkers


def _check(chunk):
    return "".join(f"{n}:{line.upper()}\n" for n, line in chunk)


def _failed(chunk, detail):
    return "".join(f"{n}:FAILED {detail}\n" for n, _ in chunk)


def _chunked(lines: list[str], sizes: list[int]):
    numbered = list(enumerate(lines, 1))
    i = 0
    for size in sizes:
        if i >= len(numbered):
            return
        yield numbered[i:i + size]
        i += size
    while i < len(numbered):
        yield numbered[i:i + 3]
        i += 3


def _children() -> set[int]:
    """This process's live children (zombies included)."""
    me = str(os.getpid())
    found = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[1] == me:
                found.add(int(pid))
    return found


@settings(max_examples=25, deadline=None)
@given(lines=st.lists(st.text(alphabet="abcxyz é\t", max_size=40), max_size=60),
       sizes=st.lists(st.integers(1, 9), max_size=20), workers=st.integers(1, 3), inline=st.booleans())
def test_every_line_answered_once_in_order(lines, sizes, workers, inline):
    out = io.StringIO()
    n = checkers.run(_chunked(lines, sizes), out, check=_check, failed=_failed, workers=workers, inline=inline)
    assert n == len(lines)
    assert out.getvalue() == _check(list(enumerate(lines, 1)))


def test_a_long_answer_does_not_block_either_side():
    lines = ["x" * 300_000] * 6  # each chunk and answer far larger than a pipe's buffer
    out = io.StringIO()
    checkers.run(_chunked(lines, [2, 2, 2]), out, check=_check, failed=_failed, workers=2)
    assert out.getvalue() == _check(list(enumerate(lines, 1)))


def _crash_on(word: str, once_marker: str | None = None):
    def check(chunk):
        for _, line in chunk:
            if word in line:
                if once_marker is None or not os.path.exists(once_marker):
                    if once_marker is not None:
                        open(once_marker, "w").close()
                    os._exit(7)  # a crash inside a parser, as the parent sees it
        return _check(chunk)
    return check


def test_a_chunk_that_kills_its_checker_twice_is_failed_and_the_rest_answered():
    lines = [f"line {i}" for i in range(40)]
    lines[17] = "line CRASH"
    out = io.StringIO()
    n = checkers.run(_chunked(lines, [4] * 10), out, check=_crash_on("CRASH"), failed=_failed, workers=2)
    assert n == 40
    got = out.getvalue().splitlines()
    assert len(got) == 40
    assert all("FAILED" in got[i] for i in range(16, 20))
    assert [g for i, g in enumerate(got) if not 16 <= i < 20] == \
        [f"{i + 1}:LINE {i}" for i in range(40) if not 16 <= i < 20]


def test_a_checker_that_dies_once_costs_nothing(tmp_path):
    lines = [f"line {i}" for i in range(30)]
    lines[5] = "line FLAKY"
    out = io.StringIO()
    check = _crash_on("FLAKY", once_marker=str(tmp_path / "crashed"))
    checkers.run(_chunked(lines, [3] * 10), out, check=check, failed=_failed, workers=2)
    assert out.getvalue() == _check(list(enumerate(lines, 1)))


@pytest.mark.parametrize("workers", [1, 2])
def test_every_chunk_crashing_is_all_failed(workers):
    lines = [f"CRASH {i}" for i in range(12)]
    out = io.StringIO()
    n = checkers.run(_chunked(lines, [4] * 3), out, check=_crash_on("CRASH"), failed=_failed, workers=workers)
    assert n == 12
    assert [g.split(":", 1)[0] for g in out.getvalue().splitlines()] == [str(i) for i in range(1, 13)]
    assert all("FAILED" in g for g in out.getvalue().splitlines())


def test_no_checker_outlives_the_batch():
    before = _children()
    checkers.run(_chunked([f"l{i}" for i in range(50)], [5] * 10), io.StringIO(), check=_check, failed=_failed,
                 workers=2)
    assert _children() == before


def test_an_error_in_the_parent_stops_every_checker():
    before = _children()

    def slow(chunk):
        time.sleep(5)
        return _check(chunk)

    class Broken(io.StringIO):
        def write(self, text):
            raise OSError("disk full")

    t0 = time.monotonic()
    with pytest.raises(OSError):
        checkers.run(_chunked([f"l{i}" for i in range(20)], [1] + [5] * 4), Broken(),
                     check=lambda c: _check(c) if c[0][0] == 1 else slow(c), failed=_failed, workers=2)
    assert time.monotonic() - t0 < 4  # the slow checkers were stopped, not waited for
    assert _children() == before


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 2500), head=st.integers(0, 1100), workers=st.integers(1, 4))
def test_batch_chunks_keep_every_line_in_order_and_shrink_at_the_end(n, head, workers):
    from blastwall import batch

    items = [(i, f"l{i}") for i in range(n)]
    head = min(head, n)
    chunks = list(batch._chunks(items[:head], iter(items[head:]), workers))
    assert [x for c in chunks for x in c] == items
    assert all(0 < len(c) <= batch.CHUNK for c in chunks)
    sizes = [len(c) for c in chunks]
    assert sizes == sorted(sizes, reverse=True)  # big chunks first, the small ones at the end


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_inline_the_caller_checks_a_share_and_a_dead_checkers_chunk_goes_to_a_fork(workers):
    parent = os.getpid()
    seen: list[int] = []

    def check(chunk):
        if os.getpid() == parent:
            seen.append(chunk[0][0])
        elif any("CRASH" in line for _, line in chunk):
            os._exit(7)
        return _check(chunk)

    lines = [f"line {i}" for i in range(60)]
    lines[33] = "line CRASH"  # crashes a forked checker; the caller itself never gets it again
    out = io.StringIO()
    n = checkers.run(_chunked(lines, [3] * 20), out, check=check, failed=_failed, workers=workers, inline=True)
    assert n == 60
    got = out.getvalue().splitlines()
    assert seen  # the caller checked chunks itself
    crashed = next(i for i in range(0, 60, 3) if 33 in range(i, i + 3))
    if crashed + 1 in seen:  # the caller checked that chunk first: it did not crash there
        assert got == _check(list(enumerate(lines, 1))).splitlines()
    else:
        assert all("FAILED" in got[i] for i in range(crashed, crashed + 3))
        assert [g for i, g in enumerate(got) if not crashed <= i < crashed + 3] == \
            [f"{i + 1}:{lines[i].upper()}" for i in range(60) if not crashed <= i < crashed + 3]


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")
def test_a_checker_stuck_on_a_line_dies_with_its_parent():
    """A daemon worker killed at its deadline leaves no checker running the line forever."""
    read_fd, write_fd = os.pipe()
    parent = os.fork()
    if parent == 0:  # the worker: checks with two checkers that never finish
        os.close(read_fd)

        def stuck(chunk):
            os.write(write_fd, f"{os.getpid()}\n".encode())
            time.sleep(600)
            return ""

        checkers.run(_chunked([f"l{i}" for i in range(8)], [1] * 8), io.StringIO(), check=stuck, failed=_failed,
                     workers=2)  # each checker is given chunks
        os._exit(0)
    os.close(write_fd)
    pids = set()
    with os.fdopen(read_fd) as fh:
        while len(pids) < 2:
            line = fh.readline()
            assert line, "a checker never started"
            pids.add(int(line))
        os.kill(parent, 9)
        os.waitpid(parent, 0)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _begin(context):
    """A pooled checker's check for one run: answers name the run's context and the checker."""
    return lambda chunk: "".join(f"{n}:{line.upper()}:{context}:{os.getpid()}\n" for n, line in chunk)


def _pooled_run(pool: checkers.Pool, context: str, lines: list[str]) -> tuple[list[str], set[int]]:
    """One run with `pool` (inline, as the daemon's worker runs): its answers and the pids of the
    forked checkers that answered."""
    out = io.StringIO()
    own = lambda chunk: "".join(f"{n}:{line.upper()}:{context}:{os.getpid()}\n" for n, line in chunk)  # noqa: E731
    n = checkers.run(_chunked(lines, [2] * 40), out, check=own, failed=_failed, workers=2, inline=True, pool=pool,
                     context=context)
    got = out.getvalue().splitlines()
    assert n == len(lines) == len(got)
    assert [g.rsplit(":", 2)[0] for g in got] == [f"{i + 1}:{line.upper()}" for i, line in enumerate(lines)]
    assert all(g.split(":")[2] == context for g in got)  # every checker checked with this run's context
    return got, {int(g.rsplit(":", 1)[1]) for g in got} - {os.getpid()}


def _reap(pool: checkers.Pool) -> None:
    for c in pool.idle:
        checkers._close_fds(c)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(c.pid, 0)
    pool.idle.clear()


def test_a_pooled_checker_serves_the_next_run_with_that_runs_context():
    pool = checkers.Pool(_begin)
    lines = [f"line {i}" for i in range(80)]
    try:
        _, first = _pooled_run(pool, "run1", lines)
        kept = {c.pid for c in pool.idle}
        assert kept and kept <= _children()  # alive between the runs, waiting in the pool
        _, second = _pooled_run(pool, "run2", lines)
        assert {c.pid for c in pool.idle} == kept  # no fork for the second run
        assert second <= kept
    finally:
        _reap(pool)


def test_a_pooled_checker_killed_between_runs_is_replaced_and_no_line_is_lost():
    pool = checkers.Pool(_begin)
    lines = [f"line {i}" for i in range(80)]
    try:
        _pooled_run(pool, "run1", lines)
        (dead,) = [c.pid for c in pool.idle]
        os.kill(dead, 9)
        time.sleep(0.2)
        _, second = _pooled_run(pool, "run2", lines)
        assert dead not in second
        assert [c.pid for c in pool.idle] and dead not in [c.pid for c in pool.idle]
    finally:
        _reap(pool)


def test_a_pooled_checker_whose_context_fails_answers_failed_never_a_pass():
    def begin(context):
        if context == "bad":
            raise RuntimeError("the policy does not load")
        return _begin(context)

    pool = checkers.Pool(begin)
    try:
        out = io.StringIO()
        # no inline share: every chunk goes to a (pooled or fresh) checker, which cannot begin
        n = checkers.run(_chunked([f"l{i}" for i in range(12)], [3] * 4), out, check=_check, failed=_failed,
                         workers=1, pool=pool, context="bad")
        assert n == 12 and all("FAILED" in g for g in out.getvalue().splitlines())
    finally:
        _reap(pool)


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")
def test_pooled_checkers_die_with_the_process_that_forked_them():
    read_fd, write_fd = os.pipe()
    parent = os.fork()
    if parent == 0:  # the daemon's worker: one run, its checker kept, then it waits to be killed
        os.close(read_fd)
        pool = checkers.Pool(_begin)
        _pooled_run(pool, "run1", [f"line {i}" for i in range(80)])
        os.write(write_fd, " ".join(str(c.pid) for c in pool.idle).encode() + b"\n")
        time.sleep(600)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        pids = {int(p) for p in fh.readline().split()}
    assert pids and all(_alive(p) for p in pids)
    os.kill(parent, 9)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)
