"""`blastwall hook <agent>`: the agent's hot path, a thin client (standard library only).

    blastwall hook claude-code --timeout 30 < payload.json

1. Ask the warm checker (`blastwall.daemon`): it answers in the time of an interpreter start.
2. When it is not running (it is started for the next call), is switched off
   (`BLASTWALL_DAEMON=off`), refuses, or does not accept in time: check in-process, in a forked
   child under a watchdog (`_isolated`), as blastwall always did.
3. Whatever goes wrong after the payload is read (an exception, a signal, an answer that cannot
   be encoded, a closed pipe) the process exits 2 with an ASCII reason: every supported agent
   reads exit 2 as "blocked", and most read any other failure as "proceed".

`install` writes the interpreter and this module by absolute path, started with `-I -S`: no
`PATH` lookup, no `PYTHON*` variables, no `.pth` files run before blastwall answers
(`command_line()`).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # the hook client imports only the cheapest modules (not typing)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

AGENTS = ("claude-code", "cursor", "gemini", "codex", "opencode")  # checked again by the door
BLOCK = 2  # the blocking exit code of every supported agent
MAX_ERR_CHARS = 2000  # the reason an agent shows; longer is noise


def main() -> None:
    """The entry `install` writes: `python -I -S -c '...main()' <agent> [--timeout N]`."""
    raise SystemExit(run(sys.argv[1:]))


def run(argv: list[str]) -> int:
    import time

    started = time.monotonic()  # the agent's hook timeout is already running
    try:
        parsed = _hook_args(argv, AGENTS)
    except Exception:  # noqa: BLE001
        parsed = ""
    if isinstance(parsed, str):
        _write(2, f"usage: blastwall hook {{{','.join(AGENTS)}}} [--timeout SECONDS]\n{parsed}")
        return BLOCK
    agent, timeout_s = parsed
    _block_on_signals(agent)
    try:
        try:
            raw = sys.stdin.buffer.read(8 * 1024 * 1024 + 1)
        except (OSError, ValueError, AttributeError):
            raw = b""
        code, out, err = _answer(agent, raw, timeout_s, started)
    except BaseException as exc:  # noqa: BLE001 - whatever happens, the agent gets a blocking answer
        return _emit(BLOCK, "", _failure(agent, f"internal error {type(exc).__name__}"))
    return _emit(code, out, err)


def _answer(agent: str, raw: bytes, timeout_s: int | None, started: float) -> tuple[int, str, str]:
    budget = None
    latest = float("inf")
    if timeout_s is not None:
        from blastwall.doors.hooks.budget import Budget

        budget = Budget(timeout_s, started)
        latest = budget.answer_by
    from blastwall.daemon.client import ask

    answer = ask(agent, raw, timeout_s=timeout_s, started=started, deadline=min(started + HOOK_DEADLINE_S, latest),
                 env=os.environ)
    if answer is not None:
        return answer.code, answer.out, answer.err
    return _isolated(agent, raw, budget=budget)


def _emit(code: int, out: str, err: str, *, out_fd: int = 1, err_fd: int = 2) -> int:
    """Print the answer so that the agent can read it, or block: stdout is ASCII JSON (a lone
    surrogate or any other text an agent sent is escaped), stderr ASCII with escapes, capped."""
    try:
        data = _ascii_json(out)
    except Exception:  # noqa: BLE001 - an answer that cannot be printed as sent must not become "proceed"
        code, data = BLOCK, b""
        err = "blastwall blocked this tool call: its answer could not be encoded; a human must review it.\n"
    if code != 0:
        code = BLOCK  # any other code is "proceed" to some agent
    ok = _write(out_fd, data) if data else True
    if err:
        text = err if len(err) <= MAX_ERR_CHARS else err[:MAX_ERR_CHARS] + "...\n"
        _write(err_fd, text.encode("ascii", "backslashreplace"))
    return code if ok else BLOCK


def _ascii_json(out: str) -> bytes:
    if not out:
        return b""
    try:
        return out.encode("ascii")
    except UnicodeEncodeError:
        import json

        lines = [json.dumps(json.loads(line), ensure_ascii=True) for line in out.splitlines() if line.strip()]
        return ("\n".join(lines) + "\n").encode("ascii")


def _write(fd: int, data: bytes | str) -> bool:
    if isinstance(data, str):
        data = data.encode("ascii", "backslashreplace")
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        return True
    except OSError:
        return False


def _failure(agent: str, why: str) -> str:
    return (f"blastwall blocked this tool call because it could not check it ({why}); a human should run "
            f"`blastwall doctor` and retry.\n")


def _block_on_signals(agent: str) -> None:
    """A hook stopped by a signal (the agent's own timeout aside) answers "blocked", not "crashed"."""
    import _signal as signal  # the signal module imports enum: milliseconds on every call

    def blocked(signum: int, _frame: Any) -> None:
        _write(2, _failure(agent, f"stopped by signal {signum}"))
        os._exit(BLOCK)

    for name in ("SIGTERM", "SIGHUP", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGALRM"):  # SIGPIPE stays ignored: a write to a closed socket or pipe is an error handled where it happens
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, blocked)
            except (OSError, ValueError):
                pass


def _hook_args(argv: list[str], agents: tuple[str, ...]) -> tuple[str, int | None] | str:
    """`<agent> [--timeout N]` -> (agent, N or None), or what is wrong with it."""
    if not argv or argv[0] not in agents:
        return ""
    rest = argv[1:]
    if not rest:
        return argv[0], None
    if len(rest) == 2 and rest[0] == "--timeout":
        value = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--timeout="):
        value = rest[0].split("=", 1)[1]
    else:
        return ""
    from blastwall.doors.hooks.budget import check_timeout

    try:
        return argv[0], check_timeout(value)
    except ValueError as exc:
        return f"{exc}\n"


HOOK_DEADLINE_S = 25.0  # the check's own deadline (5 s below the 30 s timeout `blastwall install` writes)
MAX_EXTEND_S = 600.0  # the longest a hook waiting for an approval may hold the agent


def _allow_extensions(write_fd: int, budget: Any = None) -> None:
    """Let the hook tell the watchdog that it waits for a human ([approvals] mode = "wait"), and
    tell it when it must have answered (`--timeout`)."""
    import os

    from blastwall.doors.hooks.base import set_budget, set_deadline_extender

    def extend(seconds: float) -> None:
        os.write(write_fd, f"E{float(seconds):.1f}\n".encode())

    set_deadline_extender(extend)
    set_budget(budget)


def _run_hook(agent: str, raw: bytes) -> tuple[int, str, str]:
    from blastwall.doors.hooks import run_hook

    r = run_hook(agent, raw)
    return r.exit_code, r.stdout, r.stderr


def _isolated(agent: str, raw: bytes, runner: Any = None, *, budget: Any = None) -> tuple[int, str, str]:
    """Run the hook in a forked child so that a crash or hang inside the analysis (a C
    extension fault, a runaway parse) still gives the agent a blocking answer: most agents
    proceed when a hook dies. The fork happens before blastwall's modules are imported, while
    the process is small, so it costs about a millisecond.

    `budget` (doors/hooks/budget.py, from `--timeout`) is the agent's hook timeout: the answer
    is out by `budget.answer_by` even when the child asked for more time; without it, the child
    may extend the deadline by up to MAX_EXTEND_S."""
    import os

    runner = runner or _run_hook
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        from blastwall.doors.hooks.base import set_budget

        set_budget(budget)
        return tuple(runner(agent, raw))  # type: ignore[return-value]
    import json
    import select
    import signal
    import time

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            _allow_extensions(write_fd, budget)
            code, out, err = runner(agent, raw)
            data = json.dumps([code, out, err]).encode()
        except BaseException:  # noqa: BLE001
            data = b""
        with os.fdopen(write_fd, "wb") as pipe_out:
            pipe_out.write(data)
        os._exit(0)
    os.close(write_fd)
    buf = b""
    start = time.monotonic() if budget is None else budget.started
    latest = float("inf") if budget is None else budget.answer_by
    deadline = min(start + HOOK_DEADLINE_S, latest)
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                within = f"{time.monotonic() - start:.0f} s"
                if deadline >= latest:  # budget is set: the agent's own timeout is close
                    within += f" (the agent's hook timeout is {budget.timeout_s} s)"
                return 2, "", (f"blastwall blocked this tool call: the check did not finish within "
                               f"{within}; a human must review it.\n")
            chunk = pipe.read(65536)
            if not chunk:
                break
            buf += chunk
            while buf.startswith(b"E") and b"\n" in buf:  # "E<seconds>\n": the child waits for an approval
                line, buf = buf.split(b"\n", 1)
                try:
                    more = min(float(line[1:]), MAX_EXTEND_S)
                except ValueError:
                    more = 0.0
                deadline = min(max(deadline, time.monotonic() + more), latest)
    _, status = os.waitpid(pid, 0)
    try:
        code, out, err = json.loads(buf)
        return int(code), str(out), str(err)
    except (ValueError, TypeError):
        why = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else "no answer"
        return 2, "", (f"blastwall blocked this tool call: the check crashed ({why}); a human must review "
                       f"it, and `blastwall explain` shows what blastwall saw.\n")
