"""`gh workflow run NAME [-f KEY=VALUE...]`: a workflow dispatched now runs steps blastwall does not
see, on a runner with the repository's cloud credentials. What it does is read from its name and
inputs by the verb model (analyze/verbs.py), as a task whose file is not read is:

    gh workflow run destroy.yml -f env=prod        -> asks (a strong verb: destroy)
    gh workflow run infra.yml -f action=teardown   -> asks (an input says it)
    gh workflow run terraform.yml -f destroy=true  -> asks (a destructive switch turned on)
    gh workflow run deploy.yml -f environment=staging, gh workflow run ci.yml  -> pass
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Effect, Finding, Severity

_VALUE_OPTIONS = frozenset({"-R", "--repo", "-r", "--ref", "-f", "--raw-field", "-F", "--field"})
_INPUT_OPTIONS = frozenset({"-f", "--raw-field", "-F", "--field"})
_ON = frozenset({"true", "yes", "1", "on", "y"})


def _parts(argv: list[Word]) -> tuple[list[str], list[str]]:
    """(positionals, inputs `KEY=VALUE`) of a gh command line after `gh`."""
    positionals: list[str] = []
    inputs: list[str] = []
    i = 1
    while i < len(argv):
        t = argv[i].text
        name, eq, value = t.partition("=")
        if t.startswith("-") and eq and name in _VALUE_OPTIONS:
            if name in _INPUT_OPTIONS:
                inputs.append(value)
        elif t in _VALUE_OPTIONS and i + 1 < len(argv):
            if t in _INPUT_OPTIONS:
                inputs.append(argv[i + 1].text)
            i += 1
        elif not t.startswith("-"):
            positionals.append(t)
        i += 1
    return positionals, inputs


def _stem(name: str) -> str:
    for ext in (".yml", ".yaml"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def dispatch_findings(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """Findings for `gh workflow run|dispatch NAME`, empty for any other gh command."""
    positionals, inputs = _parts(argv)
    if positionals[:2] not in (["workflow", "run"], ["workflow", "dispatch"]) or len(positionals) < 3:
        return []
    from blastwall.analyze.verbs import read_words

    workflow = positionals[2]
    said = [("its name", read_words([_stem(workflow)]))]
    for item in inputs[:50]:
        key, _, value = item.partition("=")
        said.append((f"its input {item}", read_words([value])))
        if value.strip().lower() in _ON:
            said.append((f"its input {item}", read_words([key])))
    for where, reading in said:
        if reading is None:
            continue
        noun = f" {reading.noun}" if reading.noun else ""
        return [Finding(
            rule_id="shell.gh:workflow-run-destructive", effect=Effect.DESTROY_INFRA,
            severity=max(reading.severity, Severity.MEDIUM), target=workflow,
            reason=f"gh workflow run {workflow} runs steps blastwall does not see, and {where} says they "
                   f"{reading.verb}{noun}",
            safer="read the workflow's steps first (gh workflow view --yaml); run it by hand if it is meant",
            source=cmd.source[:200])]
    return []
