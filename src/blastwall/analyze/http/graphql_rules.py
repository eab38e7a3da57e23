"""GraphQL requests against the catalog: mutation root fields -> rows (`mutation = [...]`).

Only mutations change state. A mutation a provider's catalog lists gets its row; one the
provider lists as additive is harmless; any other mutation whose name reads as destructive
(`deleteX`, `xDelete`, `purge...`) asks. Documents that do not parse, and persisted queries
whose text is not in the request, ask when they could hide such a mutation.
"""

from __future__ import annotations

import functools

from blastwall import rx
from blastwall.analyze.base import Scope
from blastwall.analyze.http.catalog import Provider, conditions_hold, rules_of
from blastwall.analyze.http.findings import apply, make, template
from blastwall.analyze.http.graphql import GraphQLRequest, extract, parse
from blastwall.analyze.http.request import READ_METHODS, Request, walk
from blastwall.analyze.http.sniff import destructive_word
from blastwall.model import Finding


def graphql_requests(req: Request) -> list[GraphQLRequest]:
    return extract(req.body, dict(req.query), req.headers.get("content-type", ""), req.body_text)


def analyze_graphql(gqls: list[GraphQLRequest], req: Request, scope: Scope, provider: Provider | None,
                    depth: int = 0) -> list[Finding]:
    label = provider.label if provider else req.host or "a GraphQL API"
    if not gqls:
        if provider and req.method not in READ_METHODS and req.body_text.strip():
            flagged = _flagged(req.body_text.replace('"', " ").split(), provider)
            # A body with no document blastwall can read (`{"id": "<stored query>"}`, `{"documentId": ...}`,
            # `{"Query": ...}`, a query given as a list): the server may run a stored mutation by its id.
            what = f"mentions {flagged[0]}" if flagged else "holds no query text blastwall can read"
            return [make(template("http.graphql:unparsed"), req, detail=what, label=label)]
        return []
    out: list[Finding] = []
    for gql in gqls:
        if gql.persisted:
            name = gql.operation_name or ""
            if provider or destructive_word(name) or not name:
                out.append(make(template("http.graphql:persisted-query"), req, label=label,
                                operation=name or "an unnamed operation"))
            continue
        if names_no_mutation(gql.text, provider):
            continue  # a read naming nothing a mutation could be: parsed, it would give no finding
        out.extend(_document(gql, req, scope, provider, label, depth))
    return out


def _document(gql: GraphQLRequest, req: Request, scope: Scope, provider: Provider | None, label: str,
              depth: int) -> list[Finding]:
    """The findings of one GraphQL document: its mutations, or a read that selects one."""
    out: list[Finding] = []
    doc = parse(gql)
    if doc.error:
        flagged = _flagged(list(doc.identifiers), provider)
        if flagged or "mutation" in doc.identifiers:
            what = f"mentions {flagged[0]}" if flagged else "contains a mutation"
            out.append(make(template("http.graphql:unparsed"), req, detail=what, label=label))
        return out
    # A read that selects a destructive mutation's name at any depth (`query mutation { volumeDelete }`,
    # `{ mutation { volumeDelete } }`): a server should reject it, but blastwall does not guess.
    disguised = _DISGUISED.search(gql.text) is not None or "mutation" in doc.read_fields
    for name in doc.read_fields:
        if _names_a_mutation(name, provider, disguised=disguised):
            out.append(_retarget(make(template("http.graphql:query-names-mutation"), req, field=name,
                                      label=label), name))
    for call in doc.calls:
        if call.operation == "mutation":
            out.extend(_mutation(call.name, call.arguments, req, scope, provider, label))
            out.extend(_carried(call.arguments, req, scope, provider, depth))
    return out


def names_no_mutation(text: str, provider: Provider | None) -> bool:
    """Whether a document cannot give a finding, without parsing it (graphql-core's parser is the
    dearest part of a GraphQL request): none of its names is `mutation` (the operation, or an
    unparsable document that holds one), a mutation of the provider's rows or a destructive word
    (what a read selects, disguised as a mutation or not, is judged by these). Every field name,
    and every name a document that does not parse is scanned for, is one of these names."""
    from blastwall.analyze.http.graphql import identifiers

    names = identifiers(text)
    if "mutation" in names:
        return False  # (a read disguised as a mutation finds only destructive names: tested below)
    known = _mutation_names(provider.name) if provider else frozenset()
    for name in names:  # noqa: SIM110 - a loop, not any(): no generator per call
        if name in known or destructive_word(name):
            return False
    return True


@functools.lru_cache(maxsize=256)
def _mutation_names(provider: str) -> frozenset[str]:
    """The mutations the provider's rows name."""
    return frozenset(m for rule in rules_of(provider) for m in rule.mutations)


# A mutation that runs another mutation given as text (Shopify's `bulkOperationRunMutation(mutation:
# "mutation { productDelete ... }")`, a job runner's `operation` field): the carried document is
# read as if it were sent itself, a few levels deep at most.
_CARRIED_DOCUMENT = rx.compile(r"\s*mutation\b")


def _carried(arguments: dict[str, object], req: Request, scope: Scope, provider: Provider | None,
             depth: int) -> list[Finding]:
    if depth >= 3:
        return []
    texts = [v for _, v in walk(arguments)[:2000] if isinstance(v, str) and "mutation" in v and _CARRIED_DOCUMENT.match(v)]
    return [f for text in texts[:20]
            for f in analyze_graphql([GraphQLRequest(text, {}, None)], req, scope, provider, depth + 1)]


_DISGUISED = rx.compile(r"\b(?:query|subscription)\s+mutation\b", rx.I)  # a read operation named "mutation"


def _names_a_mutation(name: str, provider: Provider | None, *, disguised: bool) -> bool:
    """A read that selects a known destructive mutation of the provider, or any destructive-
    sounding field inside an operation disguised as a mutation (`query mutation { ... }`).
    A plain query field such as `deleteCandidates` on an unknown API stays a read."""
    if name.startswith("__"):
        return False
    if provider and any(name in rule.mutations for rule in rules_of(provider.name)):
        return True
    return disguised and bool(destructive_word(name))


def _mutation(name: str, arguments: dict[str, object], req: Request, scope: Scope, provider: Provider | None,
              label: str) -> list[Finding]:
    if provider:
        for rule in rules_of(provider.name):
            if name in rule.mutations and conditions_hold(rule, arguments):
                found = apply(rule, req, scope, {}, arguments=arguments, field=name, label=label)
                if found is not None:
                    return [_retarget(f, name) for f in found]
        if name in provider.additive:
            return []
    verb = destructive_word(name)
    if verb:
        return [_retarget(make(template("http.graphql:destructive-mutation"), req, field=name, verb=verb,
                               label=label), name)]
    return []


def _retarget(f: Finding, name: str) -> Finding:
    return f._replace(target=f"{f.target}#{name}", source=f"mutation {name}")


def _flagged(identifiers: list[str], provider: Provider | None) -> list[str]:
    known: set[str] = set()
    if provider:
        for rule in rules_of(provider.name):
            known |= rule.mutations
    additive = provider.additive if provider else frozenset()
    out = []
    for ident in identifiers:
        ident = ident.strip("{}(),:;\\")
        if ident in known or (ident not in additive and destructive_word(ident)):
            out.append(ident)
    return out
