"""The environment a shell command prints (`[environment]` of `rules/shell_reads.toml`): whole
dumps (`env`, `printenv`, `set`, `export -p`), credential variables printed by name (`echo
$GITHUB_TOKEN`), and, after `source .env` earlier on the line, the files those values came from.

    environment_dump("env", "env", scope)     -> [Finding("shell.read:environment", ...)]
"""

from __future__ import annotations

import functools
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.model import Effect, Finding, Severity

STORE_URL_VAR = "BLASTWALL_DATABASE_URL"
_VAR = rx.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("shell_reads")


def _read(path: str, scope: Scope, verb: str) -> list[Finding]:
    from blastwall.analyze.shell.reads import read_one

    return read_one(path, scope, verb)


def secret_variable(name: str) -> bool:
    env = _table()["environment"]
    up = name.upper()
    return globs.match_any(up, env["secret_names"]) and not globs.match_any(up, env["not_names"])


def _env_row(rule_id: str) -> dict[str, Any]:
    return next(r for r in _table()["rule"] if r["id"] == rule_id)


def _env_finding(rule_id: str, target: str, source: str) -> Finding:
    row = _env_row(rule_id)
    return Finding(rule_id=rule_id, effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                   reason=str(row["reason"]).replace("{target}", target), target=target, safer=str(row["safer"]),
                   source=source[:200])


def environment_dump(name: str, source: str, scope: Scope) -> list[Finding]:
    """`env`, `printenv` or `set` with nothing to run or name: every variable is printed, and
    with them the values of secret files `source`d earlier on the line."""
    out = [_env_finding("shell.read:environment", name, source)]
    for path in scope.sourced:
        out.extend(_read(path, scope, f"{name} prints the variables loaded from"))
    return out


def _environment(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    env = _table()["environment"]
    if name in ("printenv", "set") and len(argv) == 1:
        return environment_dump(name, " ".join(w.text for w in argv), scope)
    if name not in env["dump_builtins"] and name not in env["print_programs"]:
        return []  # the program prints no variable (most do not)
    source = " ".join(w.text for w in argv)
    names: list[str] = []
    if name in env["dump_builtins"]:
        flags = [w.text for w in argv[1:] if w.text.startswith("-")]
        named = [w.text for w in argv[1:] if not w.text.startswith("-") and "=" not in w.text]
        if not all(f in env["dump_flags"] for f in flags) or any("=" in w.text for w in argv[1:]):
            return []  # it sets or changes variables
        if not named and name != "local":
            return environment_dump(" ".join([name, *flags]), source, scope)
        if not any("p" in f for f in flags):
            return []
        names = named  # `declare -p GITHUB_TOKEN` prints it
    elif name not in env["print_programs"]:
        return []
    for w in argv[1:]:
        if name == "printenv" and not w.text.startswith("-"):
            names.append(w.text)
        if w.dynamic:  # an unresolved $NAME: the shell prints its value ('$NAME' in single quotes is text)
            names.extend(m.group(1) for m in _VAR.finditer(w.text))
    if STORE_URL_VAR in names:
        return [_env_finding("shell.read:blastwall-store-url", f"{name} {STORE_URL_VAR}", source)]
    hits = [n for n in dict.fromkeys(names) if secret_variable(n)]
    out = [_env_finding("shell.read:variable", f"{name} ${n}" if name not in ("printenv", *env["dump_builtins"])
                        else f"{name} {n}", source) for n in hits[:5]]
    if names:  # `source .env && echo $RAILWAY_TOKEN`: the value printed may be one the file set
        for path in scope.sourced:
            out.extend(f for f in _read(path, scope, f"{name} prints variables loaded from")
                       if f.severity > Severity.LOW)
    return out
