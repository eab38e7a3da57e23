"""The batch contract: JSONL in, one JSONL verdict per line out, in order.

Input lines: {"id": str, "kind": "shell"|"sql"|"http"|"mcp", "input": ..., "context": {...}?}
Output lines: {"id", "decision", "reasons", "rule_ids"}. A malformed line yields
decision "ask" with a reason, and processing continues.

A batch starts no process and contacts no server unless `probe=True` (`check --batch --probe`):
preflight leaves provider resources unverified and the blast radius stays unmeasured, which can
only make a verdict stricter. Each line gets the verdict `check_action(action, policy,
probe=probe)` gives it alone; the batch writes no audit entry and no approval request, as
`blastwall check` does not.

Throughput: the parent loads the analyzers and rule tables once, then forks `workers` processes
(default: the CPUs this process may use) that check chunks of CHUNK lines while the parent
writes the answers in input order. A batch shorter than PARALLEL_MIN lines, a single CPU, or a
platform without fork runs in this process. A worker that dies answers its chunk's lines with
`ask`, never a pass.
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

from blastwall.model import Surface

KINDS = {s.value for s in Surface}
MAX_LINE = 1024 * 1024
CHUNK = 64  # lines a worker checks per task: large enough that passing them costs little
# Below this many lines one process is faster: the parent's warm-up loads every analyzer before it
# forks (about 0.55 s of CPU), one process loads only what its lines need. Measured on this 2-core
# machine: the 391- and 636-line corpora ran faster in one process, the 964-line one about even.
PARALLEL_MIN = 1024
IN_FLIGHT = 4  # chunks queued per worker, so reading the input stays ahead of the workers

# Checked once in the parent before it forks, so every worker starts with the analyzers, parsers
# and rule tables loaded (fork shares them) instead of loading each on its first such line.
WARM_UP: tuple[tuple[str, Any], ...] = (
    ("shell", "rm -rf build; git push --force origin main; kubectl delete ns x; docker volume rm v"),
    ("shell", "psql -c 'DROP TABLE t'; curl -X DELETE https://api.example.com/v1/x; python -c 'import os'"),
    ("shell", "cat .env | ssh host 'bash -s'; terraform destroy; aws s3 rm s3://b --recursive"),
    ("shell", "aws ec2 terminate-instances --instance-ids i-1"),  # the generated AWS catalog (analyze/catalogs)
    ("shell", "mysql -e 'DELETE FROM t WHERE a > 0'; sqlite3 app.db 'DROP TABLE t'; "
              "psql -c 'DO $$ BEGIN EXECUTE 1; END $$'"),  # sqlglot's dialects, PL/pgSQL
    ("shell", "node -e \"require('fs').rmSync('x')\"; ruby -e 'File.delete(1)'; perl -e 'unlink 1'; "
              "php -r 'unlink(1);'"),  # the interpreters' grammars (analyze/code_ts.py)
    # recursive reads (the secret index), archives, in-place edits, listers, web clients; the folder
    # does not exist, so nothing on this machine is read
    ("shell", "grep -r TOKEN /nonexistent/warm; cat /nonexistent/warm/.env*; tar czf /tmp/a.tgz /nonexistent/warm; sed -i s/a/b/ /nonexistent/warm/f"),
    ("shell", "find /nonexistent/warm -name x -delete; ls /nonexistent/warm | xargs rm; wget --method=DELETE https://x"),
    ("shell", "cat > db/migrate/1_x.sql <<'EOF'\nDROP TABLE t;\nEOF"),  # files that run later (analyze/later)
    ("shell", "python manage.py flush; rails db:drop; npm run reset; make clean; git clean -fdx"),  # tasks, frameworks
    ("shell", "npx prisma migrate reset --force; php artisan migrate:fresh; docker compose down -v"),
    ("shell", "git checkout -b warm-up && git branch -D warm-up"),  # objects made on the line (made_here)
    ("shell", "elixir -e 'IO.puts(1)'; osh -c 'ls'"),  # languages blastwall does not read (unread_code)
    ("shell", "printf '\\x6c\\x73\\n' | sh; echo -e 'x' | bash; ansible all -m shell -a 'ls /nonexistent/warm'"),
    ("shell", "Remove-Item -Recurse -Force /nonexistent/warm; pwsh -c 'Get-Date'"),  # Windows shells
    ("shell", "rd /s /q C:\\nonexistent\\warm"),
    ("sql", "ALTER TABLE t DELETE WHERE 1; BEGIN EXECUTE IMMEDIATE 'DROP TABLE t'; END;"),
    ("sql", "DELETE FROM t WHERE id > 0; UPDATE t SET a = 1"),
    ("sql", "DROP TABLE t; db.users.drop()"),
    ("http", {"method": "POST", "url": "https://backboard.railway.app/graphql/v2",
              "body": "mutation { volumeDelete(volumeId: \"v\") }"}),
    ("http", {"method": "DELETE", "url": "https://api.github.com/repos/o/r"}),
    ("mcp", {"server": "postgres", "tool": "query", "arguments": {"sql": "DROP TABLE t"}}),
    ("mcp", {"server": "filesystem", "tool": "delete_file", "arguments": {"path": "/tmp/x"}}),
)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False), without building one per line


def _error(line_id: Any, reason: str) -> dict[str, Any]:
    return {"id": line_id, "decision": "ask", "reasons": [reason], "rule_ids": ["core:malformed-input"]}


def check_line(line: str, number: int, policy: Any, probe: bool = False) -> dict[str, Any]:
    from blastwall.engine import check_action, make_action

    if len(line) > MAX_LINE:
        return _error(None, f"line {number}: longer than {MAX_LINE} bytes; not analyzed")
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError):
        return _error(None, f"line {number}: not usable JSON (too deeply nested or not decodable)")
    if not isinstance(row, dict):
        return _error(None, f"line {number}: expected a JSON object")
    line_id = row.get("id")
    kind = row.get("kind", "shell")
    if kind not in KINDS:
        return _error(line_id, f"line {number}: unknown kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
    if "input" not in row:
        return _error(line_id, f"line {number}: missing 'input'")
    context = row.get("context") if isinstance(row.get("context"), dict) else None
    try:
        action = make_action(kind, row["input"], context)
    except (TypeError, ValueError) as exc:
        return _error(line_id, f"line {number}: cannot build an action ({exc})")
    verdict = check_action(action, policy, probe=probe, lean=True)  # the answer needs no findings, no digest
    return {
        "id": line_id,
        "decision": verdict.decision.value,
        "reasons": list(verdict.reasons),
        "rule_ids": list(verdict.rule_ids),
    }


def answer_line(line: str, number: int, policy: Any, probe: bool = False) -> str:
    """The output line for one input line (with its newline). Never raises."""
    try:
        answer = check_line(line, number, policy, probe)
    except Exception as exc:  # noqa: BLE001 - one bad line never stops the batch
        answer = _error(None, f"line {number}: blastwall could not process it ({type(exc).__name__})")
    return _ENCODER.encode(answer) + "\n"


def run_batch(lines: Iterable[str], out: IO[str], policy: Any, *, probe: bool = False,
              workers: int | None = None, first: int = 1, parallel_min: int | None = None) -> int:
    """Process every line; returns how many lines were processed. `probe`: allow live probes
    and external CLIs (off by default); `workers`: processes to check with (None: one per
    CPU this process may use; 1: this process only); `first`: the number of the first line
    (in reasons about malformed lines); `parallel_min`: the fewest lines worth forking for
    (None: PARALLEL_MIN)."""
    numbered = ((n, line) for n, line in enumerate(lines, first) if line.strip())
    head: list[tuple[int, str]] = []
    want = default_workers() if workers is None else max(1, workers)
    parallel_min = max(1, PARALLEL_MIN if parallel_min is None else parallel_min)
    if want > 1 and _can_fork():
        for item in numbered:
            head.append(item)
            if len(head) >= parallel_min:
                break
    if len(head) < parallel_min:  # short batch (or one worker): this process checks every line
        n = 0
        for number, line in [*head, *numbered]:
            out.write(answer_line(line, number, policy, probe))
            n += 1
        out.flush()
        return n
    n = _run_parallel(_chunks([*head], numbered), out, policy, probe, want)
    out.flush()
    return n


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def _chunks(head: list[tuple[int, str]], rest: Iterator[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    chunk = head
    for item in rest:
        if len(chunk) >= CHUNK:
            yield from _split(chunk)
            chunk = []
        chunk.append(item)
    if chunk:
        yield from _split(chunk)


def _split(items: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


# One worker process's settings, set by `_start_worker` in the child (fork passes them without
# pickling); the parent never reads them.
_WORKER: dict[str, Any] = {}


def _start_worker(policy: Any, probe: bool) -> None:
    _WORKER["policy"] = policy
    _WORKER["probe"] = probe


def _check_chunk(chunk: list[tuple[int, str]]) -> str:
    policy, probe = _WORKER["policy"], _WORKER["probe"]
    return "".join(answer_line(line, number, policy, probe) for number, line in chunk)


def _failed_chunk(chunk: list[tuple[int, str]], exc: BaseException) -> str:
    reason = f"blastwall could not process it (its worker process failed: {type(exc).__name__})"
    return "".join(json.dumps(_error(_id_of(line), f"line {number}: {reason}"), ensure_ascii=False) + "\n"
                   for number, line in chunk)


def _id_of(line: str) -> Any:
    try:
        row = json.loads(line) if len(line) <= MAX_LINE else None
    except (ValueError, RecursionError):
        return None
    return row.get("id") if isinstance(row, dict) else None


_WARM: list[bool] = []  # set once this process (or the process it was forked from) warmed up


def warm_up(policy: Any) -> None:
    """Load what checking needs (analyzers, parsers, rule tables) in this process; once (the
    daemon warms up before it forks the workers that run batches)."""
    if _WARM:
        return
    _WARM.append(True)
    from blastwall.analyze import ruleset
    from blastwall.engine import check_action, make_action

    for name in ruleset.table_names():
        ruleset.load_table(name)
    for kind, payload in WARM_UP:
        check_action(make_action(kind, payload), policy, probe=False)
    # A read of a file on disk scans what it holds (secrets/content.py): the scanner and its
    # formats, warmed on text in memory (nothing on this machine is read).
    from blastwall.secrets.content import scan_bytes

    scan_bytes(b"API_TOKEN=0123456789abcdef0123456789abcdef", "warm-up")


def _run_parallel(chunks: Iterator[list[tuple[int, str]]], out: IO[str], policy: Any, probe: bool, workers: int) -> int:
    import gc
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    collecting = gc.isenabled()
    gc.disable()  # the warm-up allocates much and frees little: collections there cost 10-15% of it
    try:
        warm_up(policy)
    finally:
        if collecting:
            gc.enable()
    out.flush()  # nothing buffered in the parent may be written twice by a child
    gc.freeze()  # the warm objects stay shared: a child's collections never touch (and copy) their pages

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(policy, probe))

    executor = pool()
    pending: deque[tuple[list[tuple[int, str]], Future[str]]] = deque()
    n = 0
    try:
        for chunk in chunks:
            pending.append((chunk, executor.submit(_check_chunk, chunk)))
            while len(pending) >= workers * IN_FLIGHT:
                n += _write_first(pending, out)
        while pending:
            n += _write_first(pending, out)
    except BrokenProcessPool:
        # A worker died (a crash inside a parser): the unfinished chunks are checked again one at
        # a time on a fresh pool, where one that kills its worker again is answered "ask".
        executor.shutdown(wait=False, cancel_futures=True)
        n += _recover(pending, chunks, out, pool)
        return n
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()  # a library caller's later garbage is collected as before
    return n


def _write_first(pending: deque[Any], out: IO[str]) -> int:
    chunk, future = pending[0]
    text = future.result()  # raises BrokenProcessPool when a worker died
    pending.popleft()
    out.write(text)
    return len(chunk)


def _recover(pending: deque[Any], chunks: Iterator[list[tuple[int, str]]], out: IO[str], pool: Any) -> int:
    """After a worker died: the chunks already checked are written, the others are checked again
    one at a time on a fresh pool (a chunk that breaks it again is answered "ask"), in order."""
    from concurrent.futures.process import BrokenProcessPool

    n = 0
    executor = pool()
    try:
        for chunk, future in [*pending, *((c, None) for c in chunks)]:
            if future is not None and future.done() and not future.cancelled() and future.exception() is None:
                out.write(future.result())
            else:
                try:
                    out.write(executor.submit(_check_chunk, chunk).result())
                except BrokenProcessPool as exc:
                    out.write(_failed_chunk(chunk, exc))
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = pool()
            n += len(chunk)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return n
