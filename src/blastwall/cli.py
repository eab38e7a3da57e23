"""The `blastwall` command line.

`blastwall hook <agent>` is the agent's hot path: `main()` routes it before importing the CLI
framework, so a hook call costs an interpreter start plus the analysis. Everything else goes
through typer/rich.

Exit codes of `blastwall check` (and `explain`): 0 allow, 3 ask, 4 deny; 2 usage error;
1 blastwall itself failed. `check --batch` exits 0 when every line was processed.
"""

from __future__ import annotations

import os
import sys
from typing import Any

EXIT_ALLOW, EXIT_ERROR, EXIT_USAGE, EXIT_ASK, EXIT_DENY = 0, 1, 2, 3, 4


def _hook_fast_path(argv: list[str]) -> int:
    import time

    started = time.monotonic()  # the agent's hook timeout is already running
    agents = ("claude-code", "cursor", "gemini", "codex", "opencode")  # checked in the child too
    parsed = _hook_args(argv, agents)
    if isinstance(parsed, str):
        sys.stderr.write(f"usage: blastwall hook {{{','.join(agents)}}} [--timeout SECONDS]\n{parsed}")
        return EXIT_USAGE
    agent, timeout_s = parsed
    try:
        raw = sys.stdin.buffer.read(8 * 1024 * 1024 + 1)
    except (OSError, ValueError):
        raw = b""
    budget = None
    if timeout_s is not None:
        from blastwall.doors.hooks.budget import Budget

        budget = Budget(timeout_s, started)
    code, out, err = _isolated(agent, raw, budget=budget)
    if out:
        sys.stdout.write(out)
        sys.stdout.flush()
    if err:
        sys.stderr.write(err)
        sys.stderr.flush()
    return code


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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "hook":
        import gc

        gc.disable()  # a hook process lives for one call: collection passes during imports are pure cost
        raise SystemExit(_hook_fast_path(args[1:]))
    from blastwall.cli_app import app

    try:
        app(args=args, prog_name="blastwall")
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a user gets one line, never a traceback
        sys.stderr.write(f"blastwall: internal error ({type(exc).__name__}: {str(exc)[:200]}); "
                         "run with BLASTWALL_DEBUG=1 for details\n")
        if os.environ.get("BLASTWALL_DEBUG"):
            raise
        raise SystemExit(EXIT_ERROR) from None
