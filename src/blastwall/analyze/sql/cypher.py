"""Cypher (Neo4j, Memgraph, Neptune openCypher): the clauses that delete, overwrite or drop.

    MATCH (n) DETACH DELETE n                          -> cypher-delete (every matched node)
    MATCH (u:User {id: 42}) DETACH DELETE u            -> nothing: one node by its key
    MATCH (n:Person) REMOVE n.email                    -> cypher-overwrite
    DROP CONSTRAINT person_id / DROP DATABASE crm      -> cypher-drop
    CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})   -> its strings read as Cypher

Strings and comments are blanked before clauses are looked for, so a `'DELETE'` literal is data.
A DELETE, REMOVE or SET after MATCH is bounded only when every MATCH pins its first node by a
key-like property given as a literal (`{id: 42}`, `{uuid: '...'}`, `WHERE n.email = 'x'`);
anything else reaches an unknown number of nodes. Words live in `rules/sql.toml` [cypher].
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.sql.rules import Hit, table

_STRING = rx.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/", rx.S)
_CLAUSE = rx.compile(r"\b(detach\s+delete|nodetach\s+delete|delete|remove|set|drop|create\s+or\s+replace)\b", rx.I)
_MATCH = rx.compile(r"\bmatch\s*\(\s*\w*\s*(?::\s*\w+\s*)*(\{[^}]*\})?\s*\)", rx.I)
_WHERE_PIN = rx.compile(r"\bwhere\s+(?:\w+\.(\w+)|(?:id|elementid)\s*\(\s*\w+\s*\))\s*=\s*(?:'[^']*'|\"[^\"]*\"|\$\w+|\d+)",
                        rx.I)


def _blank(text: str) -> str:
    return _STRING.sub(lambda m: " " * len(m.group(0)), text)


def looks_like_cypher(text: str) -> bool:
    """Cypher rather than SQL: it opens with a clause SQL does not have (MATCH, MERGE, UNWIND, CALL, ...)."""
    first = rx.match(r"\s*(\w+)", _blank(text))
    return first is not None and first.group(1).lower() in table()["cypher"]["openers"]


def cypher_hits(text: str, depth: int = 0) -> list[Hit]:
    """Hits of one Cypher query (several statements separated by `;` included)."""
    code = _blank(text)
    hits: list[Hit] = []
    for m in _CLAUSE.finditer(code):
        word = " ".join(m.group(1).lower().split())
        if word == "drop" or word == "create or replace":
            what = rx.match(r"\s*(\w+)", code[m.end():])
            hits.append(Hit("cypher-drop", (what.group(1) if what else "").upper(), text, word.upper()))
        elif not _pinned(code):
            kind = "cypher-delete" if word.endswith("delete") else "cypher-overwrite"
            if word == "set" and not rx.search(r"\bmatch\b", code, rx.I):
                continue  # SET after CREATE or MERGE sets the properties of what it made or found by key
            hits.append(Hit(kind, "", text, word.upper()))
    if depth < 2 and rx.search(r"\bcall\s+apoc\.", code, rx.I):  # procedures that run Cypher given as strings
        for s in _STRING.finditer(text):
            inner = s.group(0)
            if inner[:1] in "'\"":
                hits += [h._replace(source=text) for h in cypher_hits(inner[1:-1], depth + 1)]
    return list({(h.kind, h.detail): h for h in hits}.values())


def _pinned(code: str) -> bool:
    """Every MATCH pins its first node by a key-like property given as a literal or parameter."""
    keys = set(table()["cypher"]["key_properties"])
    matches = list(_MATCH.finditer(code))
    if not matches or rx.search(r"\bwhere\b[^;]*\bor\b", code, rx.I):
        return False
    where_keys = {(m.group(1) or "id").lower() for m in _WHERE_PIN.finditer(code)}
    for m in matches:
        props = m.group(1) or ""
        named = {p.lower() for p in rx.findall(r"(\w+)\s*:\s*(?:'|\"|\$|\d)", props)}
        if not (named | where_keys) & keys:
            return False
    return True
