"""Files that run later: a write is judged by what the written file will do when it runs.

    analyze_change("migrations/0002_cleanup.sql", None, "DROP TABLE bookings;", scope)
      -> [Finding(rule_id="later.sql.postgres:drop-table",
                  reason="DROP TABLE deletes bookings and all its rows, when this migration is applied "
                         "(migrations/0002_cleanup.sql:1)")]

The file's kind (`rules/later.toml`: migrations, CI pipelines, Makefiles, package.json, shell
scripts, crontabs, systemd units, Kubernetes manifests, Terraform) says how to take its steps
out (`Step`s); shell steps go to the shell analyzer, SQL to the SQL analyzer, and the other
kinds bring findings of their own. A change counts only for what it adds or alters: the steps of
the text before the write are judged too, and a finding that was already there (same rule,
target and statement) is not new. A safeguard that disappears (`keep` steps: a Terraform block,
its prevent_destroy) is a finding of its own.

Findings are the inner analyzer's, with `later.` in front of the rule id (`later.shell.fs:rm`):
a policy can tell a step that runs later from one that runs now, and measurers of this machine
(files, git) do not measure a path a CI runner will delete. The steps are analyzed without
looking at this machine (`read_files=False`): whether a path exists now says nothing about the
machine the step will run on.
"""

from __future__ import annotations

import importlib
import posixpath
from collections import Counter
from typing import NamedTuple

from blastwall.analyze.base import MAX_INPUT, Scope
from blastwall.analyze.later.kinds import Kind, kind_of, rule_finding
from blastwall.analyze.later.steps import Step, locate
from blastwall.model import Finding, Severity

__all__ = ["Located", "analyze_change", "located_change", "worded"]

MAX_STEPS = 400  # steps of one file blastwall reads; more is a finding of its own
PREFIX = "later."

# extractor name -> (module under analyze/later, function): (text, kind, path, fragment) -> [Step]
EXTRACTORS: dict[str, tuple[str, str]] = {
    "sql": ("scripts", "sql_steps"),
    "shell": ("scripts", "shell_steps"),
    "make": ("scripts", "make_steps"),
    "npm": ("scripts", "npm_steps"),
    "cron": ("scripts", "cron_steps"),
    "systemd": ("scripts", "systemd_steps"),
    "logrotate": ("logrotate", "logrotate_steps"),
    "procfile": ("scripts", "procfile_steps"),
    "ci": ("yamlfiles", "ci_steps"),
    "kubernetes": ("yamlfiles", "k8s_steps"),
    "ops": ("ops", "ops_steps"),
    "terraform": ("terraform", "terraform_steps"),
    "code": ("loaded", "code_steps"),
    "lines": ("loaded", "line_steps"),
    "calls": ("loaded", "call_steps"),
}
CODE_LANGUAGES = frozenset({"python", "ruby", "node", "perl", "php"})  # steps read by analyze_code


class Located(NamedTuple):
    """A finding of a step, with the line it is on (1-based) and the step's place."""

    finding: Finding
    line: int
    where: str
    key: tuple[str, ...]


def steps_of(kind: Kind, path: str, text: str, fragment: bool) -> list[Step]:
    module, name = EXTRACTORS[kind.extractor]
    extract = getattr(importlib.import_module(f"blastwall.analyze.later.{module}"), name)
    return list(extract(text, kind, path, fragment))


def located_change(path: str, before: str | None, after: str | None, scope: Scope, *,
                   fragment: bool = False) -> tuple[Kind | None, list[Located]]:
    """The kind of file and the findings the change adds, each with its line in `after`.
    `before`: the text before the write (None: a new file, or unknown); `after`: the text after
    it ("" when the file is deleted); `fragment`: the texts are snippets of an edit, not files."""
    kind = kind_of(path, after or before or "")
    if kind is None or after is None:
        return kind, []
    if len(after) > MAX_INPUT or len(before or "") > MAX_INPUT:
        return kind, [Located(rule_finding("later.file:too-large", path), 1, "", ("too-large",))]
    inner = _scope(path, kind, scope)
    after_steps = steps_of(kind, path, after, fragment)
    before_steps = steps_of(kind, path, before, fragment) if before else []
    if len(after_steps) > MAX_STEPS:
        return kind, [Located(rule_finding("later.file:too-many-steps", path), 1, "", ("too-many",))]
    # A step whose text is the same before and after gives the same findings on both sides, which
    # cancel: only the steps the change adds, alters or removes are analyzed.
    same = Counter(_text_key(s) for s in after_steps) & Counter(_text_key(s) for s in before_steps)
    after_left, before_left = _without(after_steps, same), _without(before_steps, same)
    seen: dict[tuple[str, str], list[Finding]] = {}
    now = _judge(after_left, inner, kind, seen, scope.read_files)
    was = Counter(loc.key for loc in _judge(before_left, inner, kind, seen, scope.read_files)) if before_left \
        else Counter()
    out: list[Located] = []
    for loc in now:
        if was[loc.key] > 0:
            was[loc.key] -= 1  # the same step was there before the write: not new
            continue
        out.append(loc)
    return kind, out + _removed(before_steps, after_steps)


def analyze_change(path: str, before: str | None, after: str | None, scope: Scope, *,
                   fragment: bool = False, shown: str | None = None) -> list[Finding]:
    """Findings for the steps the change adds, each worded with when it runs and where it is."""
    kind, found = located_change(path, before, after, scope, fragment=fragment)
    if kind is None:
        return []
    name = shown or _shown_path(path, scope)
    return [worded(loc, kind, name, fragment=fragment) for loc in found]


def _text_key(step: Step) -> tuple[str, str] | None:
    return (step.language, step.text) if step.language in ("shell", "sql") or step.language in CODE_LANGUAGES \
        else None


def _without(steps: list[Step], same: Counter) -> list[Step]:
    """`steps` less one occurrence of each text counted in `same` (keep/spare/finding steps stay)."""
    left = Counter(same)
    out = []
    for s in steps:
        key = _text_key(s)
        if key is not None and left[key] > 0:
            left[key] -= 1
            continue
        out.append(s)
    return out


def worded(loc: Located, kind: Kind, name: str, *, fragment: bool = False) -> Finding:
    f = loc.finding
    where = f"{name}, in the edited text" if fragment else f"{name}:{loc.line}"
    rule_id = f.rule_id if f.rule_id.startswith(PREFIX) else PREFIX + f.rule_id
    return f._replace(rule_id=rule_id, reason=f"{f.reason}, {kind.when_text(loc.where)} ({where})")


def _shown_path(path: str, scope: Scope) -> str:
    if scope.cwd and path.startswith(scope.cwd.rstrip("/") + "/"):
        return path[len(scope.cwd.rstrip("/")) + 1:]
    return path


def _scope(path: str, kind: Kind, scope: Scope) -> Scope:
    """Where the steps run: the file's folder for make and npm, else the project."""
    cwd = scope.cwd
    if kind.extractor in ("make", "npm"):
        full = path if path.startswith("/") or not cwd else posixpath.join(cwd, path)
        cwd = posixpath.dirname(posixpath.normpath(full)) or cwd
    return scope._replace(cwd=cwd, read_files=False, probe=False, shell_dir=None, sourced=())


def _judge(steps: list[Step], scope: Scope, kind: Kind, seen: dict[tuple[str, str], list[Finding]],
           may_read: bool) -> list[Located]:
    out: list[Located] = []
    for step in steps:
        if step.language in ("keep", "spare"):
            continue
        if step.language == "finding" and step.finding is not None:
            out.append(Located(step.finding, step.line, step.where, ("finding", step.text)))
            continue
        key = (step.language, step.text)
        if key not in seen:
            seen[key] = _analyze(step, scope, kind, may_read)
        for f in seen[key]:
            if f.severity is Severity.NONE:
                continue
            pos = locate(step.text, f.source)
            line = step.line + (step.text.count("\n", 0, pos) if pos is not None else 0)
            out.append(Located(f, line, step.where, (f.rule_id, f.target, " ".join(f.source.split()))))
    return out


# A step that runs a script, task or SQL file of the project (`npm run build`, `make test`,
# `./scripts/deploy.sh`, `psql -f schema.sql`) is read again with the project's files readable:
# the pipeline runs the repository's own files. Only those findings are replaced; everything else
# stays as judged without looking at this machine.
UNREAD = frozenset({"shell.scripts:unread-task", "shell.exec:unread-script", "shell.db:unreadable-script"})


def _analyze(step: Step, scope: Scope, kind: Kind, may_read: bool) -> list[Finding]:
    # No origin of its own: the reason says when the step runs, the inner ones say how (via psql -c).
    if step.language == "shell":
        from blastwall.analyze.shell import analyze_command

        found = analyze_command(step.text, scope.deeper())
        if not may_read or not scope.cwd or not any(f.rule_id in UNREAD for f in found):
            return found
        reread = analyze_command(step.text, scope._replace(read_files=True).deeper())
        kept = [f for f in found if f.rule_id not in UNREAD]
        have = {(f.rule_id, f.target) for f in kept}
        return kept + [f for f in reread if (f.rule_id, f.target) not in have]
    if step.language == "sql":
        from blastwall.analyze.sql import analyze_sql

        return analyze_sql(step.text, scope.deeper())
    if step.language in CODE_LANGUAGES:
        from blastwall.analyze.code import analyze_code

        return analyze_code(step.language, step.text, scope.deeper())
    return []


def _removed(before: list[Step], after: list[Step]) -> list[Located]:
    """Safeguards the change takes away: `keep` steps of the text before that the text after
    no longer has (and that no `spare` step of the text after accounts for)."""
    if not before:
        return []
    left = Counter(s.text for s in after if s.language == "keep")
    spared = {s.text for s in after if s.language == "spare"}
    out: list[Located] = []
    for s in before:
        if s.language != "keep" or s.finding is None:
            continue
        if left[s.text] > 0:
            left[s.text] -= 1
            continue
        if s.text not in spared:
            out.append(Located(s.finding, s.line, s.where, ("keep", s.text)))
    return out

