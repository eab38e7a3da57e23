"""Notebook cells an MCP tool runs, read as IPython (`rules/notebook_cells.toml`).

    jupyter insert_execute_code_cell {"cell_source": "df = pd.read_parquet('x')\\ndf.describe()"}
        -> ["python3 -c 'df = ...'"]                          (judged as Python: a read passes)
    {"cell_source": "!rm -rf data/"}                    -> ["python3 -c ''", "rm -rf data/"]
    {"cell_source": "%%bash\\nrm -rf build"}             -> ["rm -rf build"]
    {"cell_source": "%unknown_magic x"}                 -> None (asked: blastwall cannot read it)

A cell is split into its Python, its shell lines (`!cmd`, `x = !cmd`, `%rm`, `%sx`), a script `%run`
runs, and a cell magic's body; each part becomes a shell command line the shell analyzer judges
(Python as `python3 -c CODE`, SQL as `psql -c SQL`). A magic the table does not name makes the cell
unreadable: the caller asks.
"""

from __future__ import annotations

import functools
import shlex
from typing import TYPE_CHECKING, Any

from blastwall.analyze.ruleset import load_table

if TYPE_CHECKING:
    from blastwall.analyze.mcp import _Call

__all__ = ["cell_code", "cell_commands", "runs_cells"]


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("notebook_cells")


@functools.cache
def _set(name: str) -> frozenset[str]:
    return frozenset(_table()[name])


@functools.cache
def _magics(section: str) -> dict[str, str]:
    """magic name -> what it does (`python`, `shell_alias`, `rest_is_shell`...), from one table section."""
    return {name: what for what, names in _table()[section].items() for name in names}


def runs_cells(call: _Call) -> bool:
    """A notebook's or kernel's tool (`notebook_words`) that runs (`run_words`) a cell it is given
    (`cell_keys`)."""
    return (call.named(_set("notebook_words")) and not _set("run_words").isdisjoint(call.tool_words)
            and not _set("cell_keys").isdisjoint(call.args))


def cell_code(args: dict[str, Any]) -> str | None:
    """The cell's source: the first cell key with text (a list of lines is joined, as .ipynb stores it)."""
    for key in _table()["cell_keys"]:
        value = args.get(key)
        if isinstance(value, list) and all(isinstance(x, str) for x in value):
            value = "".join(x if x.endswith("\n") else x + "\n" for x in value)
        if isinstance(value, str):
            return value
    return None


def cell_commands(source: str) -> list[str] | None:
    """The shell command lines that do what the cell does, or None when a part cannot be read."""
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        return _cell_magic(first[2:], "\n".join(lines[1:]))
    python: list[str] = []
    commands: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        shell = _shell_line(stripped)
        if shell is None:
            return None
        if isinstance(shell, str):  # a Python line (`%time expr`: the expression)
            python.append(indent + shell if shell else line)
            continue
        python.append(f"{indent}pass")
        commands.extend(shell)
    return [shlex.join(["python3", "-c", "\n".join(python)])] + commands


def _shell_line(stripped: str) -> list[str] | str | None:
    """What a line runs besides Python: [commands]; for a Python line "" (the line as written) or
    the Python that replaces it (a magic's); None when unreadable."""
    head, _, rest = stripped.partition("!")
    if stripped.startswith("!"):  # `!cmd`, `!!cmd`
        return [stripped.lstrip("!")]
    target = head.rstrip()[:-1].strip()
    if head.rstrip().endswith("=") and head.count("=") == 1 and target.replace("_", "a").isalnum():
        return [rest]  # `files = !ls data/`
    if not stripped.startswith("%"):
        return ""
    name, _, args = stripped.lstrip("%").partition(" ")
    what = _magics("line_magics").get(name)
    if what == "python":
        return args.strip() or "pass"
    if what == "settings":
        return "pass"
    if what == "shell_alias":
        return [f"{name} {args}".strip()]
    if what == "rest_is_shell":
        return [args]
    if what == "runs_python_file":
        return [f"python3 {args}".strip()]
    return None


def _cell_magic(header: str, body: str) -> list[str] | None:
    name, _, args = header.strip().partition(" ")
    what = _magics("cell_magics").get(name)
    if what == "python":
        return cell_commands(body)
    if what == "shell":
        return [body]
    if what == "display":
        return []
    if what == "script":
        program = args.split()[0] if args.split() else ""
        return [_here_doc(shlex.quote(program), body)] if program else None
    if what == "writefile":
        words = args.split()
        append = "-a" in words or "--append" in words
        paths = [w for w in words if not w.startswith("-")]
        if len(paths) != 1:
            return None
        return [_here_doc(f"cat {'>>' if append else '>'} {shlex.quote(paths[0])}", body)]
    if what == "sql":
        return [shlex.join(["psql", "-c", body])]
    return None


def _here_doc(command: str, body: str) -> str:
    """`command` reading `body` as a quoted here-document whose delimiter is no line of the body."""
    lines = set(body.splitlines())
    delimiter = next(d for d in (f"BLASTWALL_CELL_{i}" for i in range(len(lines) + 1)) if d not in lines)
    return f"{command} <<'{delimiter}'\n{body}\n{delimiter}"
