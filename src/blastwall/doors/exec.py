"""`blastwall exec -- CMD...`: guarded execution for agents that have no hooks.

The command (the argv joined with shell quoting) is checked like any shell action, in the
current folder, for the agent `--agent` (or `$BLASTWALL_AGENT`, default "exec") and session
`--session` (or `$BLASTWALL_SESSION`); then the approvals gate runs (an `ask` becomes an approval
request, and with `[approvals] mode = "wait"` blastwall waits for it). Allowed: when a human's
grant let it through, the snapshots it needs are taken first; then blastwall replaces itself
with the command (`execvp`: same stdio, the command's exit status and signals are the caller's).
A plain `rm` of existing paths that was approved is done by moving them into the snapshot
(`[snapshots] trash`, on by default) rather than copying them first and deleting.

`blastwall exec --shell` reads one command line per line from stdin (with a `blastwall$ ` prompt
at a terminal) and runs each through the same check with `bash -c`; `cd DIR` and `exit [N]`
are handled by blastwall itself, since each line runs in a fresh shell.

Exit codes when blastwall does not run the command: 3 held for a human's approval (the
request id is on stderr: retry the identical command once approved), 4 denied (or the safety
net could not be taken), 2 usage error, 127 command not found, 126 not executable.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any, NamedTuple

import typer

from blastwall.cli.exits import EXIT_ASK, EXIT_DENY, EXIT_USAGE

EXIT_NOT_FOUND, EXIT_NOT_EXECUTABLE = 127, 126
AGENT_VAR, SESSION_VAR = "BLASTWALL_AGENT", "BLASTWALL_SESSION"
_RM_FLAGS = frozenset("rRfv")
_RM_LONG = frozenset({"--recursive", "--force", "--verbose"})


class Guarded(NamedTuple):
    """The answer for one command: run it or not, and what to say."""

    run: bool
    exit_code: int  # when not run
    message: str  # for stderr ("" when there is nothing to say)
    done: bool = False  # blastwall did it itself (moved an `rm`'s targets into the trash)


def context(cwd: str, agent: str | None, session: str | None, env: Mapping[str, str]) -> Any:
    from blastwall.model import Context

    return Context(cwd=cwd, agent=agent or env.get(AGENT_VAR) or "exec", session=session or env.get(SESSION_VAR) or None,
                   environment=env.get("BLASTWALL_ENVIRONMENT") or None)


def guard(command: str, ctx: Any, *, argv: Sequence[str] | None = None) -> Guarded:
    """Check `command`, run the approvals gate, and take the snapshots an approved one needs."""
    from blastwall.approvals.gate import gate
    from blastwall.engine import check_action
    from blastwall.model import Action, Surface

    action = Action(Surface.SHELL, command, ctx)
    policy = _policy(ctx.cwd)
    verdict = check_action(action, policy)
    g = gate([action], [verdict], verdict.decision.value, verdict.reasons, policy=policy, can_ask=False)
    why = "; ".join(r.rstrip(". ") for r in g.reasons[:3]) or "blastwall could not decide"
    if g.decision != "allow":
        if g.state == "pending" and g.request_id:
            return Guarded(False, EXIT_ASK, (
                f"blastwall is holding this command for a human's approval: {why}. Approval request {g.request_id}: "
                f"ask the user to run `blastwall approve {g.request_id}` in their own terminal; once approved, run "
                "exactly the same command again."))
        if g.decision == "ask":
            return Guarded(False, EXIT_ASK, f"blastwall: this command needs a human's approval: {why}. Ask the user to "
                                            "run it themselves.")
        tail = "ask the user what to do instead" if g.state == "denied" else "ask a human to run it themselves if needed"
        return Guarded(False, EXIT_DENY, f"blastwall blocked this command: {why}. Do not work around it; {tail}.")
    if g.state != "approved":
        return Guarded(True, 0, "")
    return _protect(action, verdict, policy, g.request_id, argv)


def _policy(cwd: str | None) -> Any:
    from blastwall.policy.engine import PolicyError
    from blastwall.policy.load import load_policy

    try:
        return load_policy(cwd)
    except PolicyError:
        return None  # the engine reports the invalid file in its verdict


def _protect(action: Any, verdict: Any, policy: Any, request_id: str | None, argv: Sequence[str] | None) -> Guarded:
    from blastwall.snapshots.base import SnapshotError
    from blastwall.snapshots.take import protect, record

    settings = _settings(policy)
    targets = plain_rm_targets(argv, action.context.cwd) if argv is not None and settings.trash else None
    if targets:
        from blastwall.approvals.requests import summary
        from blastwall.snapshots.files import move_in

        snap = move_in(targets, action=summary([action]), digest=action.digest(), root=settings.dir,
                       request_id=request_id)
        if snap is not None:
            record(taken=[snap], failure=None, settings=settings, request_id=request_id, digest=action.digest())
            return Guarded(False, 0, f"blastwall: moved {snap.target} into snapshot {snap.id} instead of deleting; "
                                     f"`blastwall undo {snap.id}` puts it back", done=True)
    try:
        taken = protect([action], [verdict], policy=policy, request_id=request_id)
    except SnapshotError as exc:
        return Guarded(False, EXIT_DENY, f"blastwall blocked this command: it was approved, but blastwall could not save "
                                         f"what it would destroy first: {exc}")
    notes = [f"blastwall: snapshot {s.id} saved {s.target}; `blastwall undo {s.id}` restores it" for s in taken]
    return Guarded(True, 0, "\n".join(notes))


def _settings(policy: Any) -> Any:
    from blastwall.snapshots.settings import SettingsError, SnapshotSettings, settings_of

    try:
        return settings_of(policy)
    except SettingsError:
        return SnapshotSettings(trash=False)  # protect() reports the problem


def plain_rm_targets(argv: Sequence[str] | None, cwd: str | None) -> list[str] | None:
    """The absolute targets of `rm [-rRfv] [--] PATH...` when every one exists (and folders come
    with -r), else None: anything else runs as the command it is."""
    if not argv or os.path.basename(argv[0]) != "rm":
        return None
    flags: set[str] = set()
    paths: list[str] = []
    dashdash = False
    for word in argv[1:]:
        if dashdash or not word.startswith("-") or word == "-":
            paths.append(word)
        elif word == "--":
            dashdash = True
        elif word in _RM_LONG:
            flags.add(word[2])
        elif not word.startswith("--") and set(word[1:]) <= _RM_FLAGS:
            flags.update(word[1:])
        else:
            return None
    base = cwd or os.getcwd()
    if any(p.endswith("/") for p in paths):
        return None  # `rm -r link/` acts on what the link points at
    full = [os.path.normpath(os.path.join(base, p)) for p in paths]
    if not full or not all(os.path.lexists(p) for p in full):
        return None
    if not flags & {"r", "R"} and any(os.path.isdir(p) and not os.path.islink(p) for p in full):
        return None
    return full


def run_exec(argv: Sequence[str], *, agent: str | None = None, session: str | None = None,
             env: Mapping[str, str] | None = None) -> int:
    """Check and run `argv`; returns only when blastwall does not run it (the exit code)."""
    env = os.environ if env is None else env
    ctx = context(os.getcwd(), agent, session, env)
    answer = guard(shlex.join(argv), ctx, argv=argv)
    if answer.message:
        sys.stderr.write(answer.message + "\n")
        sys.stderr.flush()
    if not answer.run:
        return answer.exit_code
    try:
        os.execvp(argv[0], list(argv))
    except FileNotFoundError:
        sys.stderr.write(f"blastwall exec: {argv[0]}: command not found\n")
        return EXIT_NOT_FOUND
    except OSError as exc:
        sys.stderr.write(f"blastwall exec: {argv[0]}: {exc.strerror}\n")
        return EXIT_NOT_EXECUTABLE
    return 0  # pragma: no cover - execvp does not return


def run_shell(lines: IO[str], *, agent: str | None = None, session: str | None = None,
              env: Mapping[str, str] | None = None, interactive: bool | None = None) -> int:
    """The guarded shell: each line is checked, then run with `bash -c` in blastwall's folder."""
    env = os.environ if env is None else env
    interactive = lines.isatty() if interactive is None else interactive
    cwd, last = os.getcwd(), 0
    shell = "bash" if _which("bash") else "sh"
    while True:
        if interactive:
            sys.stderr.write("blastwall$ ")
            sys.stderr.flush()
        line = _read_line(lines)
        if line is None:
            return last
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        words = _words(text)
        if words and words[0] == "exit" and len(words) <= 2:
            return int(words[1]) if len(words) == 2 and words[1].isdigit() else last
        if words and words[0] == "cd" and len(words) <= 2:
            cwd, last = _cd(words, cwd, env)
            continue
        answer = guard(text, context(cwd, agent, session, env))
        if answer.message:
            sys.stderr.write(answer.message + "\n")
            sys.stderr.flush()
        if not answer.run:
            last = answer.exit_code
            continue
        last = _run_line(shell, text, cwd, interactive)


def _read_line(lines: IO[str]) -> str | None:
    parts: list[str] = []
    while True:
        line = lines.readline()
        if not line:
            return "".join(parts) if parts else None
        stripped = line.rstrip("\n")
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        return "".join(parts)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return []


def _cd(words: list[str], cwd: str, env: Mapping[str, str]) -> tuple[str, int]:
    target = os.path.expanduser(words[1]) if len(words) == 2 else env.get("HOME") or os.path.expanduser("~")
    new = os.path.normpath(os.path.join(cwd, target))
    if not os.path.isdir(new):
        sys.stderr.write(f"cd: {words[1] if len(words) == 2 else target}: no such folder\n")
        return cwd, 1
    return new, 0


def _run_line(shell: str, text: str, cwd: str, interactive: bool) -> int:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the command, not the shell
    try:
        proc = subprocess.run([shell, "-c", text], cwd=cwd, stdin=None if interactive else subprocess.DEVNULL,
                              check=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    return proc.returncode if proc.returncode >= 0 else 128 - proc.returncode


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


def exec_command(
    ctx: typer.Context,
    shell: bool = typer.Option(False, "--shell", help="Read command lines from stdin and run each through blastwall."),
    agent: str | None = typer.Option(None, "--agent", help=f"Who is acting (default ${AGENT_VAR} or 'exec')."),
    session: str | None = typer.Option(None, "--session", help=f"Session id (default ${SESSION_VAR})."),
) -> None:
    """Run a command through blastwall: `blastwall exec -- CMD...` (for agents without hooks)."""
    argv = list(ctx.args)
    if shell:
        if argv:
            sys.stderr.write("blastwall exec --shell reads commands from stdin; give no command after it\n")
            raise typer.Exit(EXIT_USAGE)
        raise typer.Exit(run_shell(sys.stdin, agent=agent, session=session))
    if not argv:
        sys.stderr.write("usage: blastwall exec [--agent NAME] [--session ID] -- CMD [ARGS...]\n")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(run_exec(argv, agent=agent, session=session))


def register(app: typer.Typer) -> None:
    app.command("exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                          "allow_interspersed_args": False})(exec_command)
