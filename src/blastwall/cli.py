"""The `blastwall` command line.

`blastwall hook <agent>` is the agent's hot path: `main()` routes it before importing the CLI
framework, so a hook call costs an interpreter start plus the analysis. Everything else goes
through typer/rich.

Exit codes of `blastwall check` (and `explain`): 0 allow, 3 ask, 4 deny; 2 usage error;
1 blastwall itself failed. `check --batch` exits 0 when every line was processed.
"""

from __future__ import annotations

import sys

EXIT_ALLOW, EXIT_ERROR, EXIT_USAGE, EXIT_ASK, EXIT_DENY = 0, 1, 2, 3, 4


def _hook_fast_path(argv: list[str]) -> int:
    from blastwall.doors.hooks import AGENTS, run_hook

    if len(argv) != 1 or argv[0] not in AGENTS:
        sys.stderr.write(f"usage: blastwall hook {{{','.join(AGENTS)}}}\n")
        return EXIT_USAGE
    try:
        raw = sys.stdin.buffer.read(8 * 1024 * 1024 + 1)
    except (OSError, ValueError):
        raw = b""
    result = run_hook(argv[0], raw)
    if result.stdout:
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
    if result.stderr:
        sys.stderr.write(result.stderr)
        sys.stderr.flush()
    return result.exit_code


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "hook":
        raise SystemExit(_hook_fast_path(args[1:]))
    from blastwall.cli_app import app

    app(args=args, prog_name="blastwall")
