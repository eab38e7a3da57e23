"""The `blastwall sandbox` command: `register(app)` adds it to a typer application.

Exit status: the agent's own, once it runs; 125 when bubblewrap cannot build a sandbox here;
127 when the command is not found; 2 for a request that cannot be sandboxed as asked.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from blastwall.doors.sandbox.plan import Plan, Request

EXIT_UNAVAILABLE = 125
HELP = """Run an agent under bubblewrap with secrets out of its reach.

    blastwall sandbox -- claude
    blastwall sandbox --net none --allow-home ~/.cache/pip:rw -- codex
    blastwall sandbox --net gateway --gateway-socket /run/blastwall/gw.sock -- claude

Inside: the project folder read-write; system folders read-only; a fresh /tmp, /proc and /dev;
the home folder empty except the agent's own config and what --allow-home adds; secret files
in the project (.env, *.pem, keys, the secret scanner's list) unreadable; cloud, cluster and SSH
credentials absent; tokens removed from the environment; blastwall's config, keys and audit
log out of reach. See docs/sandbox.md.
"""
_ARITY = {"--ro-bind": 2, "--bind": 2, "--symlink": 2, "--tmpfs": 1, "--remount-ro": 1, "--proc": 1, "--dev": 1,
          "--chdir": 1, "--hostname": 1, "--cap-drop": 1, "--dir": 1, "--perms": 1}


def sandbox(
    command: list[str] = typer.Argument(..., metavar="-- AGENT [ARGS]...", help="The agent command to run."),
    net: str = typer.Option("host", "--net", help="host (default: the agent reaches its model API) | none (loopback "
                                                   "only) | gateway (only blastwall's gateway, through its socket)."),
    allow_home: list[str] = typer.Option([], "--allow-home", help="Show a path of the home folder too: PATH "
                                                                   "(read-only) or PATH:rw. Repeatable."),
    project: Path | None = typer.Option(None, "--project", help="The folder the agent may change (default: the "
                                                                "current folder)."),
    keep_env: list[str] = typer.Option([], "--keep-env", help="Pass this environment variable even if it looks "
                                                              "like a credential (a glob). Repeatable."),
    gateway_socket: str | None = typer.Option(None, "--gateway-socket", envvar="BLASTWALL_GATEWAY_SOCKET",
                                              help="The gateway's unix socket (for --net gateway; default: "
                                                   "[gateway] listen when it is unix:PATH)."),
    gateway_port: int = typer.Option(8790, "--gateway-port", help="Port on the sandbox's loopback that forwards to "
                                                                  "the gateway socket (--net gateway)."),
    print_only: bool = typer.Option(False, "--print", help="Print the bubblewrap command line; do not run it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary line on stderr."),
) -> None:
    """Run an agent under bubblewrap with secrets out of its reach."""
    raise typer.Exit(run(command, net=net, allow_home=allow_home, project=project, keep_env=keep_env,
                         gateway_socket=gateway_socket, gateway_port=gateway_port, print_only=print_only,
                         quiet=quiet))


def run(command: Sequence[str], *, net: str = "host", allow_home: Sequence[str] = (), project: Path | str | None = None,
        keep_env: Sequence[str] = (), gateway_socket: str | None = None, gateway_port: int = 8790,
        print_only: bool = False, quiet: bool = False, env: Mapping[str, str] | None = None) -> int:
    from blastwall.doors.sandbox.plan import Request, SandboxError, build
    from blastwall.doors.sandbox.probe import probe

    argv = list(command[1:] if command[:1] == ["--"] else command)
    cwd = os.getcwd()
    flags: tuple[str, ...] = ()
    bwrap = shutil.which("bwrap") or "bwrap"
    if net == "gateway" and not gateway_socket:
        listen = configured_gateway()
        if listen and not listen.startswith("unix:"):
            _say(f"blastwall sandbox: the gateway listens on {listen}, which a sandbox without a network cannot "
                 "reach; set [gateway] listen = \"unix:/path/gateway.sock\" (or pass --gateway-socket)")
            return 2
        gateway_socket = listen[len("unix:"):] if listen else None
    if not print_only:
        found = probe(net=net != "host")
        if not found.ok:
            _say(f"blastwall sandbox: {found.error}")
            return EXIT_UNAVAILABLE
        flags, bwrap = found.flags, found.bwrap
    req = Request(command=tuple(argv), project=str(project or cwd), cwd=cwd, env=dict(os.environ if env is None else env),
                  net=net, allow_home=tuple(allow_home), keep_env=tuple(keep_env), gateway_socket=gateway_socket,
                  gateway_port=gateway_port, interactive=sys.stdin.isatty(), extra_flags=flags, bwrap=bwrap)
    try:
        plan = build(req)
    except SandboxError as exc:
        _say(f"blastwall sandbox: {exc}")
        return exc.code
    if print_only:
        sys.stdout.write(format_plan(plan) + "\n")
        return 0
    if not quiet:
        _say(summary(plan, req))
    sys.stdout.flush()
    os.execvpe(plan.argv[0], list(plan.argv), plan.env)
    return EXIT_UNAVAILABLE  # pragma: no cover - execvpe does not return


def configured_gateway() -> str | None:
    """`[gateway] listen` of the gateway's own configuration file, if there is one."""
    try:
        from blastwall.doors.gateway.config import load_config

        return load_config()[0].listen
    except Exception:  # noqa: BLE001 - no gateway (or none configured) is not an error here
        return None


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(plan: Plan, req: Request) -> str:
    return (f"blastwall sandbox: {os.path.basename(req.command[0])} in {os.path.realpath(req.project)} (read-write); "
            f"network {req.net}; home hidden except {_count(len(plan.bound_home), 'entry', 'entries')}; "
            f"{_count(len(plan.masked), 'secret path', 'secret paths')} masked; "
            f"{_count(len(plan.removed_env), 'variable', 'variables')} removed")


def format_plan(plan: Plan) -> str:
    """The command line as shell text, one bubblewrap option per line, with what the
    environment loses as comments (names only, never values)."""
    argv = list(plan.argv)
    lines = [f"# environment: {len(plan.env)} variables passed"]
    if plan.removed_env:
        lines.append("# removed: " + " ".join(plan.removed_env))
    lines += [f"# note: {note}" for note in plan.notes]
    parts = [shlex.quote(argv[0])]
    i = 1
    while i < len(argv):
        if argv[i] == "--":
            parts.append(shlex.join(argv[i:]))
            break
        n = _ARITY.get(argv[i], 0)
        parts.append(shlex.join(argv[i:i + 1 + n]))
        i += 1 + n
    return "\n".join(lines + [" \\\n  ".join(parts)])


def register(app: typer.Typer) -> None:
    app.command("sandbox", help=HELP, context_settings={"allow_extra_args": True,
                                                        "ignore_unknown_options": True})(sandbox)
