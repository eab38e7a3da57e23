"""The `blastwall` command line.

`blastwall hook <agent>` is the agent's hot path: `main()` routes it to `cli/hook.py` (a thin
client, standard library only) before anything else is imported. Every other command goes
through typer/rich (`cli/app.py`, one module per command group).

Exit codes of `blastwall check` (and `explain`): 0 allow, 3 ask, 4 deny; 2 usage error;
1 blastwall itself failed. `check --batch` exits 0 when every line was processed.
"""

from __future__ import annotations

import os
import sys

from blastwall.cli.exits import EXIT_ALLOW, EXIT_ASK, EXIT_DENY, EXIT_ERROR, EXIT_USAGE

TYPE_CHECKING = False  # `blastwall hook` passes through here: nothing beyond the cheapest imports
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

__all__ = ["EXIT_ALLOW", "EXIT_ASK", "EXIT_DENY", "EXIT_ERROR", "EXIT_USAGE", "main"]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "hook":
        import gc

        gc.disable()  # a hook process lives for one call: collection passes during imports are pure cost
        from blastwall.cli.hook import run

        raise SystemExit(run(args[1:]))
    if args[:1] == ["check"] and "--help" not in args:
        _guarded(lambda: _lean_batch(args[1:]))  # `check --batch`: no typer, no rich (cli/batch.py)
    from blastwall.cli.app import app

    _guarded(lambda: app(args=args, prog_name="blastwall"))


def _lean_batch(args: list[str]) -> None:
    from blastwall.cli.batch import run

    code = run(args)
    if code is not None:
        raise SystemExit(code)


def _guarded(fn: Callable[[], object]) -> None:
    try:
        fn()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a user gets one line, never a traceback
        sys.stderr.write(f"blastwall: internal error ({type(exc).__name__}: {str(exc)[:200]}); "
                         "run with BLASTWALL_DEBUG=1 for details\n")
        if os.environ.get("BLASTWALL_DEBUG"):
            raise
        raise SystemExit(EXIT_ERROR) from None
