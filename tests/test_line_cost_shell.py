"""What the check of a shell line runs: work that cannot apply to a line never reaches it.

Deterministic (function calls and import statements are counted, nothing is timed; the timings are
in bench/profile_batch.py and bench/batch_throughput.py). Each line is checked as `check --batch`
checks it (batch.answer_line, the default policy, no probes), once to warm up, then under
cProfile or an opcode tracer.

- An inert line (`ls -la`) runs no parser, analyzer, preflight or radius.
- Ordinary commands never reach the SQL, HTTP and interpreter analyzers, tree-sitter, the
  environment's placement, the radius' decision table, the PowerShell reader, the later-kinds rows
  or the interpreter readers.
- `rm` lines without PowerShell's parameters are not read as PowerShell; a copy of an ordinary file
  tries no kind row; a Python one-liner is parsed once.
- An ordinary command runs no import statement (each cost a microsecond or two, 24 a line before).
- A budget of function calls per ordinary line: a class that adds work to every line fails it, and
  the message names the hot callers (the functions that made the most calls).
"""

from __future__ import annotations

import cProfile
import dis
import json
import pstats
import sys
from collections import Counter
from typing import Any

import pytest

from blastwall.batch import answer_line
from blastwall.policy.engine import default_policy

POLICY = default_policy()

# Commands an agent runs all day that no table judges as destructive.
ORDINARY = ["pytest -x -q", "npm run build", "git pull --rebase", "cargo test", "mkdir -p build/out",
            "kubectl get pods -n web", "docker compose up -d", "go test ./...", "git commit -m wip",
            "npm test", "terraform plan", "grep -n TODO src/app.py"]

# Readers and analyzers that only some lines need (file:function, as cProfile names them).
HEAVY = {
    "analyze/sql/__init__.py:analyze_sql": "the SQL analyzer",
    "analyze/http/__init__.py:analyze_request": "the HTTP analyzer",
    "analyze/code.py:analyze_code": "the interpreter-code analyzer",
    "analyze/shell/codereads.py:interpreter_reads": "the interpreter readers",
    "analyze/shell/parse.py:_parse_bounded": "tree-sitter",
    "environment/locate.py:sites_for": "the environment's placement",
    "radius/matters.py:can_change_verdict": "the radius' decision table",
    "analyze/shell/windows.py:shell_of": "the PowerShell/cmd reader",
    "analyze/later/kinds.py:_glob_match": "the later-kinds rows",
}
HEAVY_PACKAGES = ("/sqlglot/", "/pglast/", "/graphql/")

# Function calls per ordinary line (the mean over ORDINARY), about 25% above what the check takes
# (it took 353 when this was written).
CALL_BUDGET = 450


def _line(cmd: str) -> str:
    return json.dumps({"id": "cost", "kind": "shell", "input": cmd}) + "\n"


def _profiled(cmd: str) -> pstats.Stats:
    line = _line(cmd)
    for _ in range(2):  # tables, caches and lazily imported modules loaded
        answer_line(line, 1, POLICY)
    prof = cProfile.Profile()
    prof.enable()
    answer_line(line, 1, POLICY)
    prof.disable()
    return pstats.Stats(prof)


def _name(key: tuple[str, int, str]) -> str:
    path, _, func = key
    return f"{path.split('blastwall/', 1)[-1] if 'blastwall/' in path else path}:{func}"


def _called(stats: pstats.Stats) -> set[str]:
    return {_name(key) for key in stats.stats}  # type: ignore[attr-defined]


def _heavy(stats: pstats.Stats) -> list[str]:
    called = _called(stats)
    return sorted({HEAVY[n] for n in called if n in HEAVY} |
                  {p for n in called for p in HEAVY_PACKAGES if p in n})


def _hot_callers(stats: pstats.Stats, n: int = 10) -> str:
    """The functions that made the most calls (to anything), with how many."""
    made: Counter[str] = Counter()
    for _, (_, _, _, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        for caller, (_, calls, _, _) in callers.items():
            made[_name(caller)] += calls
    return ", ".join(f"{name} ({count} calls)" for name, count in made.most_common(n))


@pytest.mark.parametrize("cmd", ["ls -la", "git status", "pwd", "cat README.md", "wc -l src/app.py"])
def test_inert_lines_run_no_parser_or_analyzer(cmd: str) -> None:
    called = _called(_profiled(cmd))
    for name in ("analyze/shell/parse.py:_parse", "analyze/shell/__init__.py:analyze_command",
                 "preflight/__init__.py:preflight", "radius/__init__.py:measure_all"):
        assert name not in called, f"{cmd!r} is inert, yet its check ran {name}"


@pytest.mark.parametrize("cmd", ORDINARY)
def test_ordinary_commands_reach_no_heavier_reader(cmd: str) -> None:
    heavy = _heavy(_profiled(cmd))
    assert not heavy, f"{cmd!r} reached {', '.join(heavy)}, which cannot apply to it"


@pytest.mark.parametrize("cmd", ["rm -rf build", "rm -f app.log", "RM -r dist", "rm -rf node_modules dist"])
def test_rm_lines_are_not_read_as_powershell(cmd: str) -> None:
    called = _called(_profiled(cmd))
    assert "analyze/shell/windows.py:windows_findings" not in called
    assert not _heavy(_profiled(cmd))


@pytest.mark.parametrize("cmd", ["cp a.txt b.txt", "mv src/old.ts src/new.ts", "cp -r assets/ public/"])
def test_a_copy_of_an_ordinary_file_tries_no_kind_row(cmd: str) -> None:
    assert "analyze/later/kinds.py:_glob_match" not in _called(_profiled(cmd))


def test_a_python_one_liner_is_parsed_once() -> None:
    stats = _profiled("python3 -c \"import os, shutil; shutil.rmtree('build'); os.remove('x.log')\"")
    parses = [v[1] for k, v in stats.stats.items() if _name(k).endswith("ast.py:parse")]  # type: ignore[attr-defined]
    assert parses == [1], f"ast.parse ran {sum(parses)} times for one check"


def _imports(cmd: str) -> list[str]:
    """Where the check of `cmd` ran an import statement (file:line), after a warm-up."""
    line = _line(cmd)
    for _ in range(2):
        answer_line(line, 1, POLICY)
    op = dis.opmap["IMPORT_NAME"]
    hits: list[str] = []

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "call":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            return trace
        if event == "opcode" and frame.f_code.co_code[frame.f_lasti] == op:
            hits.append(f"{frame.f_code.co_filename.split('blastwall/', 1)[-1]}:{frame.f_lineno}")
        return trace

    sys.settrace(trace)
    try:
        answer_line(line, 1, POLICY)
    finally:
        sys.settrace(None)
    return hits


@pytest.mark.parametrize("cmd", ["pytest -x -q", "git pull --rebase", "rm -rf build", "cargo test",
                                 "mkdir -p build/out", "kubectl get pods -n web", "git push --force origin main",
                                 "ls -la"])
def test_ordinary_commands_run_no_import_statement(cmd: str) -> None:
    hits = _imports(cmd)
    assert not hits, (f"{cmd!r} ran {len(hits)} import statements a check ({', '.join(hits)}): import at module "
                      "level what every such check loads anyway, or keep it once loaded (functools.cache)")


def test_ordinary_lines_stay_within_their_call_budget() -> None:
    counts = {cmd: _profiled(cmd) for cmd in ORDINARY}
    mean = sum(s.total_calls for s in counts.values()) / len(counts)  # type: ignore[attr-defined]
    if mean > CALL_BUDGET:
        worst = max(counts, key=lambda c: counts[c].total_calls)  # type: ignore[attr-defined]
        pytest.fail(f"an ordinary shell line now costs {mean:.0f} function calls (budget {CALL_BUDGET}); the most "
                    f"({counts[worst].total_calls}) for {worst!r}, whose hot callers are: "  # type: ignore[attr-defined]
                    f"{_hot_callers(counts[worst])}")
    per_line = Counter({cmd: s.total_calls for cmd, s in counts.items()})  # type: ignore[attr-defined]
    assert per_line.most_common(1)[0][1] < 3 * CALL_BUDGET
