"""Methods named for what they destroy, on objects no table knows: SDK clients.

    HfApi().delete_repo(repo_id="acme/model")             -> code.python:destructive-method
    MlflowClient().delete_registered_model(name="churn")  -> code.python:destructive-method
    df.drop_duplicates()                                  -> nothing (an in-memory copy)
    new PrismaClient().user.deleteMany()                  -> code.node:destructive-method

A method whose name starts with a strong destructive verb of the verb model (`rules/verbs.toml`)
and names what it acts on (`delete_repo`, `purgeQueue`, `terminate_instances`) is asked about.
Names that only transform values in memory are listed in `rules/code.toml`
`[python.destructive_methods] except` (`[calls.LANG.destructive_methods]` for the languages read by
tree-sitter, code_ts.py); a bare verb (`.delete()`) is the ORM table's.
"""

from __future__ import annotations

import functools

from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.verbs import read_words, tokens
from blastwall.model import Effect, Finding, Severity


@functools.cache
def _spec(language: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The verbs and in-memory names of `language`, or None when its methods are not read so."""
    table = load_table("code")
    spec = (table["python"] if language == "python" else table["calls"].get(language, {})).get("destructive_methods")
    if spec is None:
        return None
    verbs = frozenset(load_table("verbs")["verbs"]["strong"])
    return verbs - frozenset(spec.get("not_verbs", [])), tuple(spec.get("except", []))


def destructive_method(method: str, language: str, source: str) -> Finding | None:
    """A finding when `method` reads as destroying what it names."""
    spec = _spec(language)
    if spec is None:
        return None
    verbs, allowed = spec
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
