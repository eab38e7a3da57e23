"""Running a read-only infrastructure CLI (kubectl, docker) for the blast radius.

    out = run(["kubectl", "get", "pods", "-o", "json"], ctx, tool="kubectl")

Every call is bounded by the measuring deadline: the child runs in its own process group and
is killed with it when the time is up. A missing program, a timeout or a non-zero exit raises
`CliFailure` whose message is the "unmeasured" reason ("kubectl is not installed here",
"kubectl failed: ..."); its error text is redacted and cut to one short line, so no credential
the CLI prints reaches a reason.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import tomllib
from typing import Any

from blastwall.radius.base import MeasureContext
from blastwall.redact import redact

MIN_LEFT_S = 0.02  # below this, starting a process is pointless
MAX_ERROR_CHARS = 160


class CliFailure(Exception):
    """The CLI could not tell; the message says why, safe to show."""


@functools.cache
def knowledge() -> dict[str, Any]:
    """The parsed `radius/infra.toml`: which kinds to list and how to count them."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "infra.toml"), "rb") as fh:
        return tomllib.load(fh)


def run(argv: list[str], ctx: MeasureContext, *, tool: str, env: dict[str, str] | None = None) -> str:
    """The standard output of `argv`, or CliFailure."""
    full_env = {**os.environ, **(env or {})}
    exe = shutil.which(argv[0], path=full_env.get("PATH"))
    if exe is None:
        raise CliFailure(f"{tool} is not installed here")
    left = ctx.left()
    if left < MIN_LEFT_S:
        raise CliFailure("the time budget for measuring ran out")
    cwd = ctx.cwd if ctx.cwd and os.path.isdir(ctx.cwd) else None
    try:
        proc = subprocess.Popen([exe, *argv[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=cwd, env=full_env, start_new_session=True)
    except OSError as exc:
        raise CliFailure(f"{tool} could not be started ({type(exc).__name__})") from exc
    try:
        out, err = proc.communicate(timeout=left)
    except subprocess.TimeoutExpired as exc:
        _kill(proc)
        raise CliFailure(f"{tool} did not answer within the {round(left * 1000)} ms left for measuring") from exc
    if proc.returncode != 0:
        raise CliFailure(f"{tool} failed: {error_text(err)}")
    return out.decode("utf-8", "replace")


def run_json(argv: list[str], ctx: MeasureContext, *, tool: str, env: dict[str, str] | None = None) -> Any:
    out = run(argv, ctx, tool=tool, env=env)
    try:
        return json.loads(out)
    except ValueError as exc:
        raise CliFailure(f"{tool} did not print JSON") from exc


def run_json_lines(argv: list[str], ctx: MeasureContext, *, tool: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One JSON object a line (`--format '{{json .}}'`)."""
    rows = []
    for line in run(argv, ctx, tool=tool, env=env).splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise CliFailure(f"{tool} did not print JSON") from exc
        if isinstance(row, dict):
            rows.append(row)
    return rows


_KLOG = re.compile(r"^[EWIF]\d{4} ")  # kubectl's log lines ("E1201 08:42:07.0 ... memcache.go:265] ...")


def error_text(raw: bytes) -> str:
    """The message of an error output: its last line that is not a log line, redacted and short."""
    lines = [line.strip() for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]
    plain = [line for line in lines if not _KLOG.match(line)]
    chosen = plain[-1] if plain else lines[-1] if lines else "exit status without a message"
    line = "".join(c for c in chosen if c.isprintable())
    line = redact(line)
    return line if len(line) <= MAX_ERROR_CHARS else line[:MAX_ERROR_CHARS - 1] + "…"


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=0.2)


def flag_value(words: list[str], names: tuple[str, ...]) -> str | None:
    """The last value given to any of `names` (`-n x`, `-n=x`, `--namespace=x`, `-nx`)."""
    found = None
    for i, w in enumerate(words):
        for name in names:
            if w == name and i + 1 < len(words):
                found = words[i + 1]
            elif w.startswith(name + "="):
                found = w[len(name) + 1:]
            elif len(name) == 2 and w.startswith(name) and not w.startswith("--") and len(w) > 2:
                found = w[2:]
    return found


def positionals(words: list[str], value_options: frozenset[str]) -> list[str]:
    """The words that are neither flags nor flag values."""
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w == "--":
            continue
        if w.startswith("-"):
            skip = "=" not in w and w in value_options
            continue
        out.append(w)
    return out


def human(n: int) -> str:
    """Bytes as people read them (decimal, like docker and kubectl)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"
