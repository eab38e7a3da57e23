"""Methods named for what they destroy, on objects no table knows: SDK clients.

    HfApi().delete_repo(repo_id="acme/model")             -> code.python:destructive-method
    MlflowClient().delete_registered_model(name="churn")  -> code.python:destructive-method
    df.drop_duplicates()                                  -> nothing (an in-memory copy)

A method whose name starts with a strong destructive verb of the verb model (`rules/verbs.toml`)
and names what it acts on (`delete_repo`, `purgeQueue`, `terminate_instances`) is asked about.
Names that only transform values in memory are listed in `rules/code.toml`
`[python.destructive_methods] except`; a bare verb (`.delete()`) is the ORM table's.
"""

from __future__ import annotations

import functools

from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.verbs import read_words, tokens
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _spec() -> tuple[frozenset[str], tuple[str, ...]]:
    verbs = frozenset(load_table("verbs")["verbs"]["strong"])
    spec = load_table("code")["python"].get("destructive_methods", {})
    return verbs - frozenset(spec.get("not_verbs", [])), tuple(spec.get("except", []))


def destructive_method(method: str, language: str, source: str) -> Finding | None:
    """A finding when `method` reads as destroying what it names."""
    verbs, allowed = _spec()
    words = tokens(method)
    if len(words) < 2 or words[0] not in verbs or globs.match_any(method, allowed):
        return None
    reading = read_words([method])
    if reading is None:
        return None  # `delete_cache`, `purge_tmp`: what it names is rebuilt by itself
    return Finding(
        rule_id=f"code.{language}:destructive-method",
        effect=Effect.DELETE,
        severity=Severity.MEDIUM,
        reason=f"{language} code calls {method}(), which reads as destroying what it names",
        target=method,
        safer="check what it acts on (list or get it first) and run the call by hand",
        source=source[:200],
    )
