"""Provider catalogs (`rules/http_*.toml`) compiled into matchers, once per process.

A catalog file declares providers (`[providers.NAME]`: hosts, optional ports, path prefix,
GraphQL endpoints, what an unlisted DELETE is, which generated catalog knows its operations:
`catalog = "aws"`, see analyze/catalogs) and `[[rule]]` rows. A REST row matches on
`method` and a `path` template (`{name}` is one segment, `{name*}` one or more, `{name:re}` a
segment matching `re`, `*` inside a literal segment any characters but `/`); a GraphQL row
matches mutation root fields (`mutation = [...]`). Optional `when` / `unless` tables test
query parameters and body fields at any depth; `check` names a function in `checks.py` that
decides the row from the request (for SQL bodies, PostgREST filters and the like).
Within a provider, the first matching row wins; a row with severity "none" ends the search.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.http.request import Request, walk
from blastwall.analyze.ruleset import load_table, table_names
from blastwall.model import Effect, Severity


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    hosts: tuple[str, ...]
    ports: tuple[int, ...]
    prefix: str
    graphql_paths: tuple[str, ...]
    delete_severity: Severity | None
    additive: frozenset[str]
    sql_dialect: str | None
    rules_from: str  # the provider whose rows apply (itself unless `rules = "other"`)
    catalog: str = ""  # the generated catalog (analyze/catalogs) consulted after the rows

    @property
    def wildcard(self) -> bool:
        return self.hosts == ("*",)

    def matches(self, req: Request) -> bool:
        if not self.takes_host(req.host):
            return False
        return self.takes_port_and_path(req)

    def takes_host(self, host: str) -> bool:
        return any(h == "*" or globs.match(host, h) for h in self.hosts)

    def takes_port_and_path(self, req: Request) -> bool:
        """The rest of `matches`, for a provider that takes the request's host."""
        return self.takes_port(req.port) and self.takes_path(req.path)

    def takes_port(self, port: int | None) -> bool:
        return not self.ports or port in self.ports

    def takes_path(self, path: str) -> bool:
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")

    def local_path(self, req: Request) -> str:
        return (req.path[len(self.prefix):] or "/") if self.prefix else req.path


@dataclass(frozen=True)
class Rule:
    row: dict[str, Any]
    provider: str
    methods: frozenset[str]
    path: rx.Pattern | None
    mutations: frozenset[str]
    when: dict[str, Any]
    unless: dict[str, Any]
    check: str
    effect: Effect
    severity: Severity
    path_start: str = ""  # the path template's text before its first `{` or `*`: every path it matches starts so
    path_end: str = ""  # and its text after its last `}` or `*`: every path it matches ends so

    @property
    def id(self) -> str:
        return str(self.row["id"])

    def matches_rest(self, method: str, path: str) -> dict[str, str] | None:
        if self.path is None or self.mutations:
            return None
        if self.methods and method not in self.methods:
            return None
        if not (path.startswith(self.path_start) and path.endswith(self.path_end)):
            return None
        m = self.path.fullmatch(path)
        return dict(m.groupdict()) if m else None


@dataclass(frozen=True)
class Catalog:
    providers: tuple[Provider, ...]
    rules: dict[str, tuple[Rule, ...]]


_SEG = rx.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\*|:[^}]+)?\}")


def compile_path(template: str) -> rx.Pattern:
    """`/repos/{owner}/{repo}` -> a regex with named groups (see the module docstring)."""
    out: list[str] = []
    pos = 0
    for m in _SEG.finditer(template):
        out.append(_literal(template[pos:m.start()]))
        name, mod = m.group(1), m.group(2) or ""
        if mod == "*":
            out.append(f"(?P<{name}>.+)")
        elif mod.startswith(":"):
            out.append(f"(?P<{name}>(?:{mod[1:]}))")
        else:
            out.append(f"(?P<{name}>[^/]+)")
        pos = m.end()
    out.append(_literal(template[pos:]))
    return rx.compile("".join(out))


def _literal(text: str) -> str:
    return "[^/]*".join(rx.escape(p) for p in text.split("*"))


def literal_start(template: str) -> str:
    """The text every path `compile_path(template)` matches starts with: up to the first `{` or `*`."""
    cut = min((i for i in (template.find("{"), template.find("*")) if i >= 0), default=len(template))
    return template[:cut]


def literal_end(template: str) -> str:
    """The text every path `compile_path(template)` matches ends with: after the last `}` or `*`."""
    return template[max(template.rfind("}"), template.rfind("*")) + 1:]


@functools.cache
def catalog() -> Catalog:
    providers: list[Provider] = []
    rules: dict[str, list[Rule]] = {}
    for name in table_names():
        if not name.startswith("http_"):
            continue
        table = load_table(name)
        for pname, p in table.get("providers", {}).items():
            sev = p.get("delete_severity")
            providers.append(Provider(
                name=pname,
                label=str(p.get("label", pname)),
                hosts=tuple(p.get("hosts", [])),
                ports=tuple(int(x) for x in p.get("ports", [])),
                prefix=str(p.get("prefix", "")).rstrip("/"),
                graphql_paths=tuple(p.get("graphql", [])),
                delete_severity=Severity.parse(sev) if sev else None,
                additive=frozenset(p.get("additive_mutations", [])),
                sql_dialect=p.get("sql_dialect"),
                rules_from=str(p.get("rules", pname)),
                catalog=str(p.get("catalog", "")),
            ))
        for row in table.get("rule", []):
            for owner in _owners(row):
                _add_rule(rules, row, owner)
    # Providers with named hosts come before the ones that match any host.
    providers.sort(key=lambda p: p.wildcard)
    return Catalog(tuple(providers), {k: tuple(v) for k, v in rules.items()})


def _owners(row: dict[str, Any]) -> list[str]:
    """The rule sets a row belongs to: `provider = "x"` or a list of them (`["vault", "vault-sys"]`)."""
    owner = row.get("provider", "")
    return [str(o) for o in owner] if isinstance(owner, list) else [str(owner)]


def _add_rule(rules: dict[str, list[Rule]], row: dict[str, Any], owner: str) -> None:
    rule = Rule(
        row=row,
        provider=owner,
        methods=frozenset(m.upper() for m in row.get("method", [])),
        path=compile_path(row["path"]) if "path" in row else None,
        path_start=literal_start(row["path"]) if "path" in row else "",
        path_end=literal_end(row["path"]) if "path" in row else "",
        mutations=frozenset(row.get("mutation", [])),
        when=dict(row.get("when", {})),
        unless=dict(row.get("unless", {})),
        check=str(row.get("check", "")),
        effect=Effect(row["effect"]),
        severity=Severity.parse(row["severity"]),
    )
    rules.setdefault(rule.provider, []).append(rule)


def providers_for(req: Request) -> list[Provider]:
    return [p for p in _candidates_at(req.host, req.port) if not p.prefix or p.takes_path(req.path)]


@functools.lru_cache(maxsize=1024)
def _candidates_at(host: str, port: int | None) -> tuple[Provider, ...]:
    """`_candidates(host)` that take `port` (most providers take any; a database's API one port)."""
    return tuple(p for p in _candidates(host) if p.takes_port(port))


@functools.lru_cache(maxsize=1024)
def _candidates(host: str) -> tuple[Provider, ...]:
    """The providers that may match a request to `host`, in catalog order: those whose hosts
    take it (the host test of `Provider.matches`, which depends on nothing else)."""
    return tuple(p for p in catalog().providers if p.takes_host(host))


def rules_of(provider: str) -> tuple[Rule, ...]:
    return _rules_by_provider().get(provider, catalog().rules.get(provider, ()))


@functools.lru_cache(maxsize=1024)
def rest_rules(provider: str, method: str) -> tuple[Rule, ...]:
    """The rows of `rules_of(provider)` a REST request with `method` can match (`Rule.matches_rest`:
    a path template, no mutation, the method among the row's or none named), in order."""
    return tuple(r for r in rules_of(provider) if r.path is not None and not r.mutations
                 and (not r.methods or method in r.methods))


@functools.cache
def _rules_by_provider() -> dict[str, tuple[Rule, ...]]:
    """Each provider's rows (those of the provider it takes them from), the first of a name winning."""
    out: dict[str, tuple[Rule, ...]] = {}
    for p in catalog().providers:
        out.setdefault(p.name, catalog().rules.get(p.rules_from, ()))
    return out


def conditions_hold(rule: Rule, values: Any) -> bool:
    """`when` holds (every key has a matching occurrence) and `unless` does not (no key does)."""
    if rule.when and not all(_has(values, k, v) for k, v in rule.when.items()):
        return False
    return not (rule.unless and any(_has(values, k, v) for k, v in rule.unless.items()))


def _has(values: Any, key: str, expected: Any) -> bool:
    return any(k == key and value_matches(v, expected) for k, v in walk(values))


def value_matches(value: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return any(value_matches(value, e) for e in expected)
    if isinstance(expected, bool):
        if isinstance(value, bool):
            return value is expected
        return isinstance(value, str) and value.strip().lower() in (("true", "1", "yes") if expected else ("false", "0", "no"))
    if isinstance(expected, (int, float)):
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return value == expected
        try:
            return isinstance(value, str) and float(value.strip()) == expected
        except ValueError:
            return False
    if isinstance(expected, str):
        if expected == "null":
            return value is None or (isinstance(value, str) and value.strip().lower() == "null")
        if expected == "*":
            return value is not None
        return isinstance(value, str) and globs.match(value.casefold(), expected.casefold())
    return False
