"""Row checks that decide a provider call by what its body asks for (rows in `rules/http_*.toml`
name them with `check = "NAME"`): Route53 change batches, the MongoDB Atlas Data API's filters,
GitHub file writes that name the blob they replace, Stripe updates that remove parts of an object.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.http.checks import CheckContext, register
from blastwall.analyze.http.request import walk
from blastwall.model import Finding

_XML_ACTION = rx.compile(r"(?i)<(?:[\w.-]+:)?Action\b[^>]*>\s*([A-Za-z_]+)\s*<")


def _route53_actions(body: object) -> list[str] | None:
    """The `Action` of every change in a Route53 change batch (XML as the REST API takes it, or the
    JSON of `--change-batch`), upper case; None when the body holds none blastwall can read."""
    if isinstance(body, str):
        found = [a.upper() for a in _XML_ACTION.findall(body[:200_000])]
        if not found and body.lstrip()[:1] in "{[":
            import json

            try:
                body = json.loads(body)
            except ValueError:
                return None
        else:
            return found or None
    found = [str(v).upper() for k, v in walk(body)[:5000] if k.lower() == "action" and isinstance(v, str)]
    return found or None


@register("route53_changes")
def route53_changes(ctx: CheckContext) -> list[Finding] | None:
    """ChangeResourceRecordSets: a DELETE removes a record; an UPSERT replaces the record of that name
    and type when it exists; a batch of CREATEs only adds (Route53 refuses one over an existing record)."""
    actions = _route53_actions(ctx.req.body)
    assert ctx.make is not None
    if actions is None:
        return [ctx.make(detail="blastwall cannot read the changes it makes")]
    risky = sorted({a for a in actions if a != "CREATE"})
    return [ctx.make(detail=f"{' and '.join(risky)} of records")] if risky else []


def _json_body(ctx: CheckContext) -> object:
    """The request's body, JSON text decoded (None when it is not JSON)."""
    import json

    body = ctx.req.body
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return body


# Data API actions that only read or add documents
_MONGO_ADDS = frozenset({"find", "findone", "insertone", "insertmany"})


@register("mongo_data_api")
def mongo_data_api(ctx: CheckContext) -> list[Finding] | None:
    """MongoDB Atlas Data API `action/{name}`: judged as the Mongo shell call it makes, with the
    collection, filter and update of its body (an empty filter `{}` is every document)."""
    import json

    from blastwall.analyze.ruleset import load_table

    action = ctx.captures.get("action", "")
    key = action.casefold()
    if key in _MONGO_ADDS:
        return []
    method = load_table("mcp")["generic"]["mongo_tools"].get(key)
    assert ctx.make is not None
    body = _json_body(ctx)
    if method is None or not isinstance(body, dict):
        return [ctx.make()] if method is None else [ctx.make(detail="blastwall cannot read its body")]
    collection = body.get("collection") if isinstance(body.get("collection"), str) else "collection"
    if method == "aggregate":
        parts: list[object] = [body.get("pipeline", [])]
    else:
        parts = [body.get("filter", {})] + [body[k] for k in ("update", "replacement") if k in body]
    code = f"db.getCollection({json.dumps(collection)}).{method}({', '.join(json.dumps(p) for p in parts)})"
    from blastwall.analyze.sql import analyze_mongo

    return analyze_mongo(code, ctx.scope.deeper(f"MongoDB Data API {action}"))


# Folders whose files decide what CI runs and with which secrets
_CI_FOLDERS = (".github/workflows/", ".github/actions/")


@register("github_contents_write")
def github_contents_write(ctx: CheckContext) -> list[Finding] | None:
    """`PUT /repos/O/R/contents/PATH`: a body naming the `sha` of the blob it replaces overwrites
    that file; a workflow or action file changes what CI runs even when it is new."""
    from urllib.parse import unquote

    body = _json_body(ctx)
    path = unquote(ctx.captures.get("file", "")).lstrip("/").lower()
    assert ctx.make is not None
    if path.startswith(_CI_FOLDERS):
        return [ctx.make(detail="a file that decides what CI runs")]
    if not isinstance(body, dict):
        return [ctx.make(detail="blastwall cannot read its body")]
    sha = body.get("sha")
    return [ctx.make(detail=f"the blob {str(sha)[:12]}")] if sha not in (None, "") else []


@register("github_dispatch")
def github_dispatch(ctx: CheckContext) -> list[Finding] | None:
    """`POST /repos/O/R/dispatches` and `.../actions/workflows/W/dispatches`: a workflow runs steps
    blastwall does not see; what its event type, name and inputs say is read by the verb model, as
    `gh workflow run` is (shell/workflow_dispatch.py)."""

    from blastwall.analyze.verbs import read_words

    body = _json_body(ctx)
    said: list[str] = [ctx.captures.get("workflow", "").removesuffix(".yml").removesuffix(".yaml")]
    if isinstance(body, dict):
        said.append(str(body.get("event_type") or ""))
        for key in ("inputs", "client_payload"):
            values = body.get(key)
            if isinstance(values, dict):
                for k, v in list(values.items())[:50]:
                    said.append(str(v) if not isinstance(v, bool) else (str(k) if v else ""))
    assert ctx.make is not None
    for text in said:
        if text and isinstance(text, str) and read_words([text]) is not None:
            return [ctx.make(detail=text[:80])]
    return []
