"""The batch contract: JSONL in, one JSONL verdict per line out, in order.

Input lines: {"id": str, "kind": "shell"|"sql"|"http"|"mcp", "input": ..., "context": {...}?}
Output lines: {"id", "decision", "reasons", "rule_ids"}. A malformed line yields
decision "ask" with a reason, and processing continues.

A batch starts no process and contacts no server unless `probe=True` (`check --batch --probe`):
preflight leaves provider resources unverified and the blast radius stays unmeasured, which can
only make a verdict stricter. Each line gets the verdict `check_action(action, policy,
probe=probe)` gives it alone; the batch writes no audit entry and no approval request, as
`blastwall check` does not.

Throughput: the parent loads the analyzers and rule tables once, then forks `workers` checkers
(default: the CPUs this process may use; blastwall/checkers.py) that check chunks of CHUNK lines
while the parent writes the answers in input order. A batch shorter than PARALLEL_MIN lines, a
single CPU, or a platform without fork runs in this process. A checker that dies answers its
chunk's lines with `ask`, never a pass.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

from blastwall import strictjson
from blastwall.engine import check_action, make_action
from blastwall.model import Surface

KINDS = {s.value for s in Surface}
MAX_LINE = 1024 * 1024
# Lines a checker checks per task. Passing one costs a pipe write (tens of microseconds); long
# runs of neighbouring lines, which tend to name the same programs and providers, keep each
# checker from loading the same lazily read tables as the other. The last LOOKAHEAD lines go
# in smaller chunks (down to MIN_CHUNK), so that the checkers finish together.
CHUNK = 64
MIN_CHUNK = 8
LOOKAHEAD = 512
# Below this many lines one process is faster: the parent's warm-up loads every analyzer before it
# forks (about 0.55 s of CPU), one process loads only what its lines need. Measured on this 2-core
# machine: the 391- and 636-line corpora ran faster in one process, the 964-line one about even.
PARALLEL_MIN = 1024
# A checker's collection thresholds (gc.set_threshold): Python's defaults. With the warm-up's
# objects frozen, collections touch only what the lines allocate, and measured on the corpora,
# rarer ones cost more (0.75 against 0.54 ms a line at 50000/50/1000: the garbage of cycles
# outlives the caches) and let memory grow by ~0.5 MB per 1,000 lines.
CHECKER_GC = (700, 10, 10)

# Checked once in the parent before it forks, so every worker starts with the analyzers, parsers
# and rule tables loaded (fork shares them) instead of loading each on its first such line.
WARM_UP: tuple[tuple[str, Any], ...] = (
    ("shell", "rm -rf build; git push --force origin main; kubectl delete ns x; docker volume rm v"),
    ("shell", "psql -c 'DROP TABLE t'; curl -X DELETE https://api.example.com/v1/x; python -c 'import os'"),
    ("shell", "cat .env | ssh host 'bash -s'; terraform destroy; aws s3 rm s3://b --recursive"),
    ("shell", "aws ec2 terminate-instances --instance-ids i-1"),  # the generated AWS catalog (analyze/catalogs)
    ("shell", "gcloud scheduler jobs create http w --uri=https://x/h --http-method=GET; gh workflow run w.yml"),
    # calls made later (shell/scheduled_calls) and dispatched workflows (shell/workflow_dispatch)
    # manifests on stdin and the commands their containers run (analyze/k8s_commands.py)
    ("shell", "kubectl apply -f - <<'EOF'\nkind: Pod\napiVersion: v1\nspec: {containers: [{name: x, command: [ls]}]}\nEOF"),
    ("shell", "mysql -e 'DELETE FROM t WHERE a > 0'; sqlite3 app.db 'DROP TABLE t'; "
              "psql -c 'DO $$ BEGIN EXECUTE 1; END $$'"),  # sqlglot's dialects, PL/pgSQL
    ("shell", "node -e \"require('fs').rmSync('x')\"; ruby -e 'File.delete(1)'; perl -e 'unlink 1'; "
              "php -r 'unlink(1);'"),  # the interpreters' grammars (analyze/code_ts.py)
    # recursive reads (the secret index), archives, in-place edits, listers, web clients; the folder
    # does not exist, so nothing on this machine is read
    ("shell", "grep -r TOKEN /nonexistent/warm; cat /nonexistent/warm/.env*; tar czf /tmp/a.tgz /nonexistent/warm; sed -i s/a/b/ /nonexistent/warm/f"),
    ("shell", "find /nonexistent/warm -name x -delete; ls /nonexistent/warm | xargs rm; wget --method=DELETE https://x"),
    ("shell", "cat > db/migrate/1_x.sql <<'EOF'\nDROP TABLE t;\nEOF"),  # files that run later (analyze/later)
    ("shell", "systemctl edit --stdin warm <<< '[Service]'; logrotate -d <(echo x)"),  # configurations given (shell/fed_configs)
    ("shell", "echo 'import os' > setup.py; NODE_OPTIONS=--no-warnings npm test"),  # later/loaded, option_variables
    ("shell", "mv a.md b.md && echo x > b.md; echo x > /nonexistent/warm/new.conf"),  # earlier commands on the line (shell/earlier)
    ("shell", "cd /nonexistent/warm && tar xf a.tar && sh x.sh"),  # scripts after tree changes (shell/tree_changes)
    ("shell", "python manage.py flush; rails db:drop; npm run reset; make clean; git clean -fdx"),  # tasks, frameworks
    ("shell", "npx prisma migrate reset --force; php artisan migrate:fresh; docker compose down -v"),
    ("shell", "git checkout -b warm-up && git branch -D warm-up"),  # objects made on the line (made_here)
    ("shell", "make 2>&1 | tee /tmp/warm-$(git rev-parse --short HEAD).log"),  # one-word printers (shell/one_token)
    ("shell", "docker run -d --name warm-up -p 59999:5432 postgres && psql -h localhost -p 59999 -c 'drop table w'"),
    ("shell", "$w = New-TemporaryFile; Remove-Item $w"),  # PowerShell scratch (pwsh_scratch)
    # repositories in temp folders (scratch_repo), package scripts set on the line (pkg_scripts)
    ("shell", "cd /nonexistent/warm && git reset --hard; npm pkg set scripts.warm=ls; jq '.scripts.w=1' package.json"),
    ("shell", "elixir -e 'IO.puts(1)'; osh -c 'ls'"),  # languages blastwall does not read (unread_code)
    ("shell", "Git status"),  # program names in another case (shell/casefold)
    ("shell", "if (Test-Path .\\out) { Remove-Item .\\out -Recurse }"),  # PowerShell keyword lines (shell/pwsh_markers)
    # archivers that delete their sources; SDK methods named by a verb in python one-liners
    ("shell", "zip -m /nonexistent/warm.zip /nonexistent/warm/x; python3 -c 'import x; x.Api().delete_repo(1); x.t.drop()'"),
    ("shell", "printf '\\x6c\\x73\\n' | sh; echo -e 'x' | bash; ansible all -m shell -a 'ls /nonexistent/warm'"),
    ("shell", "Remove-Item -Recurse -Force /nonexistent/warm; pwsh -c 'Get-Date'"),  # Windows shells
    ("shell", "rd /s /q C:\\nonexistent\\warm"),
    ("shell", "osascript -e 'display notification \"warm\"'"),  # AppleScript (analyze/applescript)
    ("shell", "redis-cli -h warm RENAME a b"),  # Redis commands' shapes (analyze/sql/redis_shapes.py)
    ("shell", "warmtool artifact rm warm/up:v0"),  # a registry's versioned objects (shell/registry_refs)
    ("sql", "ALTER TABLE t DELETE WHERE 1; BEGIN EXECUTE IMMEDIATE 'DROP TABLE t'; END;"),
    ("sql", "DELETE FROM t WHERE id > 0; UPDATE t SET a = 1"),
    ("sql", "DROP TABLE t; db.users.drop()"),
    ("http", {"method": "POST", "url": "https://backboard.railway.app/graphql/v2",
              "body": "mutation { volumeDelete(volumeId: \"v\") }"}),
    ("http", {"method": "DELETE", "url": "https://api.github.com/repos/o/r"}),
    ("http", {"method": "POST", "url": "https://api.example.com/v4/instances/1/rebuild"}),  # http/lifecycle.py
    ("http", {"method": "POST", "url": "https://graph.microsoft.com/v1.0/$batch",  # http/msgraph.py
              "body": {"requests": [{"id": "1", "method": "POST", "url": "/users/1/revokeSignInSessions"}]}}),
    ("mcp", {"server": "postgres", "tool": "query", "arguments": {"sql": "DROP TABLE t"}}),
    ("mcp", {"server": "filesystem", "tool": "delete_file", "arguments": {"path": "/tmp/x"}}),
)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False), without building one per line
_STRING = json.encoder.encode_basestring  # what _ENCODER writes for a str (ensure_ascii=False)


def encode_answer(answer: dict[str, Any]) -> str:
    """`_ENCODER.encode(answer)` of an answer (`id`, `decision`, `reasons`, `rule_ids`, in that order),
    written out directly: the encoder builds its C encoder again on every call."""
    line_id = answer["id"]
    return "".join((
        '{"id": ', _STRING(line_id) if isinstance(line_id, str) else _ENCODER.encode(line_id),
        ', "decision": ', _STRING(answer["decision"]),
        ', "reasons": [', ", ".join(map(_STRING, answer["reasons"])),
        '], "rule_ids": [', ", ".join(map(_STRING, answer["rule_ids"])), "]}",
    ))


def _error(line_id: Any, reason: str) -> dict[str, Any]:
    return {"id": line_id, "decision": "ask", "reasons": [reason], "rule_ids": ["core:malformed-input"]}


_NOT_UTF8 = re.compile("[\ud800-\udfff\ufffd]")


def check_line(line: str, number: int, policy: Any, probe: bool = False) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        return _error(None, f"line {number}: longer than {MAX_LINE} bytes; not analyzed")
    if _NOT_UTF8.search(line):  # bytes that are not UTF-8, read as U+FFFD or escaped: not what would run
        return _error(_id_of(line), f"line {number}: not UTF-8 text (or holds U+FFFD); not analyzed")
    try:
        row = strictjson.loads(line)
    except json.JSONDecodeError as exc:
        return _error(None, f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
    except strictjson.DuplicateKey as exc:
        return _error(_id_of(line), f"line {number}: ambiguous JSON ({exc}); not analyzed")
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
    return encode_answer(answer) + "\n"


def run_batch(lines: Iterable[str], out: IO[str], policy: Any, *, probe: bool = False,
              workers: int | None = None, first: int = 1, parallel_min: int | None = None,
              inline: bool = False, pool: Any = None, context: Any = None) -> int:
    """Process every line; returns how many lines were processed. `probe`: allow live probes
    and external CLIs (off by default); `workers`: processes to check with (None: one per
    CPU this process may use; 1: this process only); `first`: the number of the first line
    (in reasons about malformed lines); `parallel_min`: the fewest lines worth forking for
    (None: PARALLEL_MIN); `inline`: this process is one of the `workers` (checkers.run: only for
    a caller whose death loses no line, the daemon's worker); `pool`, `context`: checkers kept
    from one batch to the next (checkers.Pool) and what they are sent to check this batch with
    (the daemon's worker: daemon/batchop.py)."""
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
        with _loaded_frozen(not inline):
            for number, line in [*head, *numbered]:
                out.write(answer_line(line, number, policy, probe))
                n += 1
        out.flush()
        return n
    n = _run_parallel(_chunks(head, numbered, want), out, policy, probe, want, inline, pool, context)
    out.flush()
    return n


class _loaded_frozen:  # noqa: N801 - used as `with _loaded_frozen(...):`, like a function
    """What this process holds when it starts checking lines (modules, tables, the policy) is left
    out of its collections while it checks, as a checker's warm-up is (gc.freeze): an old-generation
    collection would otherwise walk all of it, and a line's parse trees and memo survive to the end
    of its check often enough to bring one on. Unfrozen after, so a library caller's later garbage
    is collected as before (as `_run_parallel` does). `freeze=False`: the collector is left as it
    is (the daemon's worker, `inline`, froze its own objects before forking; gc.get_freeze_count,
    which could tell, counts the frozen objects one by one)."""

    __slots__ = ("_froze",)

    def __init__(self, freeze: bool) -> None:
        self._froze = freeze

    def __enter__(self) -> None:
        import gc

        self._froze = self._froze and gc.isenabled()
        if self._froze:
            gc.freeze()

    def __exit__(self, *exc: object) -> None:
        if self._froze:
            import gc

            gc.unfreeze()


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _can_fork() -> bool:
    return sys.platform != "win32" and hasattr(os, "fork")


def _chunks(head: list[tuple[int, str]], rest: Iterator[tuple[int, str]], workers: int,
            ) -> Iterator[list[tuple[int, str]]]:
    """Chunks of CHUNK lines while more than LOOKAHEAD lines are still to come, then smaller ones
    (what is left over twice the checkers, at least MIN_CHUNK lines), so that the checkers
    finish together instead of one checking the last big chunk alone."""
    ahead = deque(head)
    for item in rest:
        ahead.append(item)
        if len(ahead) >= LOOKAHEAD + CHUNK:
            yield [ahead.popleft() for _ in range(CHUNK)]
    while ahead:
        size = min(len(ahead), CHUNK, max(MIN_CHUNK, len(ahead) // (2 * workers)))
        yield [ahead.popleft() for _ in range(size)]


def _check_chunk(chunk: list[tuple[int, str]], policy: Any, probe: bool) -> str:
    return "".join(answer_line(line, number, policy, probe) for number, line in chunk)


def _failed_chunk(chunk: list[tuple[int, str]], detail: str) -> str:
    reason = f"blastwall could not process it (its worker process failed: {detail})"
    return "".join(encode_answer(_error(_id_of(line), f"line {number}: {reason}")) + "\n" for number, line in chunk)


def _id_of(line: str) -> Any:
    try:
        row = json.loads(line) if len(line) <= MAX_LINE else None
    except (ValueError, RecursionError):
        return None
    return row.get("id") if isinstance(row, dict) else None


_WARM: list[bool] = []  # set once this process (or the process it was forked from) warmed up


def warm_up(policy: Any, *, thorough: bool = False) -> None:
    """Load what checking needs (analyzers, parsers, rule tables) in this process; once (the
    daemon warms up before it forks the workers that run batches). `thorough` (the daemon, which
    forks checkers for batch after batch from what it loaded once): also index every program's
    rule tables and the most used provider catalogs, which each checker would otherwise index
    again for the programs and providers its lines name."""
    if _WARM:
        return
    _WARM.append(True)
    from blastwall.analyze import ruleset
    from blastwall.engine import check_action, make_action

    for name in ruleset.table_names():
        ruleset.load_table(name)
    if thorough:
        from blastwall.analyze.shell import programs

        for program in ruleset.program_index():
            programs._tables_for(program)  # noqa: SLF001 - its cache is the index
        from blastwall.analyze import catalogs

        catalogs.prime()
    for kind, payload in WARM_UP:
        check_action(make_action(kind, payload), policy, probe=False)
    # A read of a file on disk scans what it holds (secrets/content.py): the scanner and its
    # formats, warmed on text in memory (nothing on this machine is read).
    from blastwall.secrets.content import scan_bytes

    scan_bytes(b"API_TOKEN=0123456789abcdef0123456789abcdef", "warm-up")


def _run_parallel(chunks: Iterator[list[tuple[int, str]]], out: IO[str], policy: Any, probe: bool, workers: int,
                  inline: bool = False, pool: Any = None, context: Any = None) -> int:
    import gc

    from blastwall import checkers

    collecting = gc.isenabled()
    gc.disable()  # the warm-up allocates much and frees little: collections there cost 10-15% of it
    try:
        warm_up(policy)
    finally:
        if collecting:
            gc.enable()
    out.flush()  # nothing buffered in the parent may be written twice by a child
    gc.freeze()  # the warm objects stay shared: a child's collections never touch (and copy) their pages
    was = gc.isenabled(), gc.get_threshold()
    if inline:  # this process checks too (a long-lived daemon worker, which may not collect at all)
        _checker_gc()  # its share's garbage is collected as a checker's; what it held before is frozen
    try:
        return checkers.run(chunks, out, check=lambda chunk: _check_chunk(chunk, policy, probe),
                            failed=_failed_chunk, workers=workers, setup=_checker_gc, inline=inline, pool=pool,
                            context=context)
    finally:
        if inline:
            gc.set_threshold(*was[1])
            if not was[0]:
                gc.disable()
        gc.unfreeze()  # a library caller's later garbage is collected as before


def _checker_gc() -> None:
    """A checker collects garbage (a daemon, which forks it, may not: a line's parse trees hold
    cycles that only a collection frees)."""
    import gc

    gc.enable()
    gc.set_threshold(*CHECKER_GC)
