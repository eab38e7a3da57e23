"""GraphQL documents: which root fields of which operations a request would execute.

Parsed with graphql-core (imported lazily). Aliases do not hide a field (the field name is
what runs), fragments and inline fragments on the root type are expanded, variables are
substituted into arguments, and when a document holds several operations every one that
could run is considered (only an `operationName` naming one of them narrows it). Queries and
subscriptions never change state, so introspection that lists `volumeDelete` is read-only.
A document that does not parse is scanned for mutation-like names instead: it is never a pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from blastwall import rx

_IDENT = rx.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_MAX_FRAGMENT_DEPTH = 32


@dataclass(frozen=True)
class RootCall:
    operation: str  # "query" | "mutation" | "subscription"
    name: str  # the root field name (never the alias)
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    calls: tuple[RootCall, ...]
    error: str = ""  # set when the text does not parse
    identifiers: tuple[str, ...] = ()  # names seen in an unparsable document
    read_fields: tuple[str, ...] = ()  # every field selected, at any depth, by query/subscription operations


@dataclass(frozen=True)
class GraphQLRequest:
    text: str
    variables: dict[str, Any]
    operation_name: str | None
    persisted: bool = False  # a persisted-query hash without the document text


def extract(body: Any, query_params: dict[str, str], content_type: str, body_text: str) -> list[GraphQLRequest]:
    """GraphQL requests carried by a body (object, batch list, raw document) or by the URL (GET)."""
    out: list[GraphQLRequest] = []
    if isinstance(body, dict) and "query" not in body and "operations" in body:
        body = _variables_or_list(body["operations"])  # the GraphQL multipart request (file uploads)
    items = body if isinstance(body, list) else [body]
    for item in items[:100]:
        if isinstance(item, dict):
            req = _from_mapping(item)
            if req is not None:
                out.append(req)
    if not out and isinstance(body, str) and (_looks_like_document(body) or "graphql" in content_type):
        out.append(GraphQLRequest(body, {}, None))
    if not out and isinstance(query_params.get("query"), str) and _looks_like_document(query_params["query"]):
        out.append(GraphQLRequest(query_params["query"], _variables(query_params.get("variables")),
                                  query_params.get("operationName")))
    if not out and body is None and body_text and _looks_like_document(body_text):
        out.append(GraphQLRequest(body_text, {}, None))
    return out


def _from_mapping(item: dict[str, Any]) -> GraphQLRequest | None:
    text = item.get("query")
    name = item.get("operationName")
    name = name if isinstance(name, str) and name else None
    if isinstance(text, str):
        return GraphQLRequest(text, _variables(item.get("variables")), name)
    ext = item.get("extensions")
    if isinstance(ext, dict) and "persistedQuery" in ext:
        return GraphQLRequest("", _variables(item.get("variables")), name, persisted=True)
    return None


def _variables_or_list(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _variables(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _looks_like_document(text: str) -> bool:
    return bool(rx.match(r"\s*(query|mutation|subscription|fragment|\{)", text))


def identifiers(text: str) -> frozenset[str]:
    """Every name in a document's text (`[_A-Za-z][_0-9A-Za-z]*`, in strings and comments too):
    the names its parser reads are among them, and so are those an unparsable document is scanned for."""
    return frozenset(_IDENT.findall(text))


def parse(req: GraphQLRequest) -> Document:
    """The root calls `req` would execute (or the identifiers of a document that does not parse)."""
    from graphql import GraphQLError
    from graphql import parse as gql_parse
    from graphql.language import FieldNode, FragmentDefinitionNode, OperationDefinitionNode

    from blastwall.memo import once

    try:  # within one check a document is parsed once (the analyzer and preflight read the same body)
        doc = once(("graphql.document", req.text), lambda: gql_parse(req.text, no_location=True, max_tokens=50000))
    except (GraphQLError, RecursionError) as exc:
        idents = tuple(dict.fromkeys(_IDENT.findall(req.text)))[:2000]
        return Document((), error=str(exc).splitlines()[0][:160], identifiers=idents)
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    named = [o for o in ops if req.operation_name and o.name and o.name.value == req.operation_name]
    calls: list[RootCall] = []
    read_fields: list[str] = []
    for op in named or ops:
        kind = op.operation.value
        for node in _root_fields(op.selection_set, fragments, set(), 0):
            if isinstance(node, FieldNode):
                calls.append(RootCall(kind, node.name.value, _arguments(node, req.variables)))
                if kind != "mutation":
                    read_fields.extend(_all_fields(node, fragments, 0))
    return Document(tuple(calls), read_fields=tuple(dict.fromkeys(read_fields)))


def _all_fields(node: Any, fragments: dict[str, Any], depth: int) -> list[str]:
    """`node`'s name and every field selected beneath it (fragments followed, depth bounded)."""
    out = [node.name.value]
    if depth > _MAX_FRAGMENT_DEPTH:
        return out
    for child in _root_fields(node.selection_set, fragments, set(), 0):
        out.extend(_all_fields(child, fragments, depth + 1))
    return out


def _root_fields(selection_set: Any, fragments: dict[str, Any], seen: set[str], depth: int) -> list[Any]:
    from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

    out: list[Any] = []
    if selection_set is None or depth > _MAX_FRAGMENT_DEPTH:
        return out
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            out.extend(_root_fields(sel.selection_set, fragments, seen, depth + 1))
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name in fragments and name not in seen:
                out.extend(_root_fields(fragments[name].selection_set, fragments, seen | {name}, depth + 1))
    return out


def _arguments(node: Any, variables: dict[str, Any]) -> dict[str, Any]:
    from graphql.pyutils import Undefined
    from graphql.utilities import value_from_ast_untyped

    args: dict[str, Any] = {}
    for arg in node.arguments or ():
        try:
            value = value_from_ast_untyped(arg.value, variables)
        except (TypeError, ValueError, RecursionError):
            value = None
        args[arg.name.value] = None if value is Undefined else value
    return args
