#!/usr/bin/env python3
"""Analyzer throughput beside the bare parsers they build on, in the same run.

    python bench/analyzers.py [--seconds 2]

- SQL: statements/s through blastwall's SQL analyzer vs `pglast.parse_sql` alone.
- GraphQL: requests/s through the HTTP analyzer (Railway endpoint) vs `graphql.parse` alone.
- Shell: commands/s through the shell analyzer vs tree-sitter-bash parsing alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

SQL = [
    "SELECT * FROM orders WHERE id = 42",
    "DELETE FROM sessions WHERE id = 'a1b2c3'",
    "UPDATE accounts SET balance = 0 WHERE 1 = 1",
    "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
    "DROP TABLE IF EXISTS orders CASCADE",
    "INSERT INTO audit_log (action, note) VALUES ('comment', 'DROP TABLE users')",
    "BEGIN; DELETE FROM orders; ROLLBACK;",
    "DO $$ BEGIN EXECUTE format('TRUNCATE %I', 'orders'); END $$;",
]
GRAPHQL = [
    "query { projects { edges { node { id name } } } }",
    'mutation { volumeDelete(volumeId: "vol_1") }',
    'mutation { a: serviceDelete(id: "s") b: volumeCreate(input: {projectId: "p"}) { id } }',
    "fragment F on Mutation { environmentDelete(id: \"e\") } mutation { ...F }",
]
SHELL = [
    "git status --short",
    "rm -rf node_modules dist",
    "git push --force origin main",
    "echo cm0gLXJmIC8= | base64 -d | sudo sh",
    "psql -d app -c 'DELETE FROM sessions'",
    "find . -name '*.pyc' -delete",
    "kubectl delete namespace production",
    "curl -X DELETE https://api.github.com/repos/acme/api",
]


def rate(fn: Callable[[str], object], items: list[str], seconds: float) -> float:
    for item in items:  # warm up: imports, caches
        fn(item)
    n = 0
    end = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        for item in items:
            fn(item)
        n += len(items)
    return n / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()

    import pglast
    from graphql import parse as gql_parse
    from tree_sitter import Language, Parser
    from tree_sitter_bash import language

    from blastwall.analyze.base import Scope
    from blastwall.analyze.http import analyze_request
    from blastwall.analyze.shell import analyze_command
    from blastwall.analyze.sql import analyze_sql

    ts = Parser(Language(language()))
    url = "https://backboard.railway.com/graphql/v2"
    rows = [
        ("SQL statements", "pglast.parse_sql", lambda s: pglast.parse_sql(s), lambda s: analyze_sql(s, Scope.start()), SQL),
        ("GraphQL requests", "graphql.parse", lambda q: gql_parse(q),
         lambda q: analyze_request("POST", url, None, {"query": q}, Scope.start()), GRAPHQL),
        ("shell commands", "tree-sitter parse", lambda c: ts.parse(c.encode()),
         lambda c: analyze_command(c, Scope.start(read_files=False)), SHELL),
    ]
    print(f"{'':18s} {'bare parser':>32s} {'blastwall analyzer':>20s}  ratio")
    for label, base_name, base, full, items in rows:
        b = rate(base, items, args.seconds)
        f = rate(full, items, args.seconds)
        print(f"{label:18s} {b:>10,.0f}/s ({base_name:>17s}) {f:>18,.0f}/s   {f / b:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
