"""`blastwall check --batch SOURCE [--probe] [--cwd DIR]` without the command-line framework.

Scorers and scripts run a batch as a command, and typer and rich (with the modules every command
group brings) cost about half a second of imports before the first line. This entry reads exactly
those options and runs the batch as `check --batch` does; anything else (another option, `--help`,
a policy file that does not load, a source that cannot be opened) is left to the typer command,
which prints its usual messages. Standard library only until the batch starts.

A running daemon checks the batch (daemon/batchclient.py): it has every analyzer loaded already,
so the batch costs no start-up. Without one, this process checks it and starts one for the next.
"""

from __future__ import annotations

import sys

VALUE_OPTIONS = ("--batch", "--cwd")


def options(args: list[str]) -> tuple[str, bool, str | None] | None:
    """(source, probe, cwd) from the arguments after `check`, or None when they are not only
    `--batch SOURCE`, `--probe` and `--cwd DIR` (each at most once; `--opt=value` allowed)."""
    values: dict[str, str] = {}
    probe = False
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg == "--probe" and not probe:
            probe = True
        elif name in VALUE_OPTIONS and name not in values and eq:
            values[name] = value
        elif arg in VALUE_OPTIONS and arg not in values and i + 1 < len(args) and (
                args[i + 1] == "-" or not args[i + 1].startswith("-")):
            values[arg] = args[i + 1]
            i += 1
        else:
            return None
        i += 1
    source = values.get("--batch")
    if not source:
        return None
    return source, probe, values.get("--cwd")


def run(args: list[str]) -> int | None:
    """The exit code of the batch, or None when the typer command should run it."""
    parsed = options(args)
    if parsed is None:
        return None
    source, probe, cwd = parsed
    code = _through_daemon(source, probe, cwd)
    if code is not None:
        return code
    from blastwall.batch import run_batch
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        policy = load_policy(cwd)
    except PolicyError:
        return None  # the typer command reports it
    try:
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError:
        return None
    with stream:
        run_batch(stream, sys.stdout, policy, probe=probe)
    return 0


def _through_daemon(source: str, probe: bool, cwd: str | None) -> int | None:
    """The batch checked by the warm daemon (daemon/batchclient.py), or None when no daemon
    took it and nothing was read (then this process checks it)."""
    import os

    from blastwall.daemon import batchclient

    if source == "-":
        return batchclient.run(sys.stdin.buffer, sys.stdout, probe=probe, policy_cwd=cwd, env=os.environ)
    try:
        stream = open(source, "rb")  # noqa: SIM115
    except OSError:
        return None  # the typer command reports it
    with stream:
        return batchclient.run(stream, sys.stdout, probe=probe, policy_cwd=cwd, env=os.environ)
