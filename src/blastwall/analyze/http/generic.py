"""Requests no catalog row decides: hosts blastwall does not know, and the rest of a known
provider's API. Rows and word lists: `rules/http_generic.toml`.

- DELETE asks (`http.generic:delete`). On a local dev server (localhost, 127.0.0.1) deleting
  one record by id is allowed as fixture work; wildcard or all-of-a-kind paths still ask.
- GET, HEAD, OPTIONS are reads, unless the URL itself names a destructive action
  (`/users/42/delete`, `?action=purge`): some endpoints change state on GET.
- POST, PUT, PATCH: asks when the path names a destructive action (`/projects/x/reset`) or
  the body marks something deleted (`{"deleted": true}`); GraphQL mutations with destructive
  names ask; SQL in a `sql` / `query` field goes to the SQL analyzer.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope
from blastwall.analyze.http.catalog import Provider
from blastwall.analyze.http.findings import make, template
from blastwall.analyze.http.graphql_rules import analyze_graphql, graphql_requests
from blastwall.analyze.http.request import READ_METHODS, Request, walk
from blastwall.analyze.http.sniff import destructive_word, looks_like_sql, setting, word_list, word_lists, words
from blastwall.model import Finding, Severity

_ID = rx.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}|[0-9a-fA-F]{12,}|[A-Za-z]{1,12}[_-]?\d[\w-]*|[A-Za-z0-9]{20,})$"
)
_SQL_KEYS = ("sql", "statement", "query", "sql_query", "command")
_VERSION = rx.compile(r"v\d+")


def is_delete(method: str) -> bool:
    return method == "DELETE" or bool(destructive_word(method.lower()))


def is_local(host: str) -> bool:
    return any(globs.match(host, h) for h in setting("local_hosts", []))


def analyze(req: Request, scope: Scope, provider: Provider | None, *, known_provider: bool = False) -> list[Finding]:
    label = provider.label if provider else (req.host or "an unknown host")
    out: list[Finding] = []
    body_checked = False  # the body was read as GraphQL: its variables are not flags or operations
    if not known_provider:
        gqls = graphql_requests(req)
        if "graphql" in req.path.lower():
            return analyze_graphql(gqls, req, scope, None)
        if gqls:  # a `query` that looks like a document (a LogQL `{app="x"}` too): the URL still counts
            out.extend(analyze_graphql(gqls, req, scope, None))
            body_checked = True
        out.extend(_sql_fields(req, scope))
    rpc = _rpc_operation(req, label)
    if rpc:
        out.append(rpc)
    if is_delete(req.method):
        out.append(_delete(req, label))
    elif req.method in READ_METHODS:
        hit = None if _documentation(req) else _state_changing_url(req, allow_kebab=False)
        if hit:
            out.append(make(template("http.generic:state-changing-get"), req, word=hit, label=label))
        elif _rpc_method_segment(req):  # `GET /api/auth.revoke?token=...`: RPC methods answer GET too
            out.extend(_action_suffix(req, label, None))
    else:
        hit = _state_changing_url(req, allow_kebab=True)
        low = Severity.LOW if is_local(req.host) else None  # a dev server's fixtures
        if hit:
            out.append(make(template("http.generic:destructive-endpoint"), req, word=hit, label=label, severity=low))
        else:
            out.extend(_action_suffix(req, label, low) or _weighed_verb(req, label, low))
        out.extend(_lifecycle(req, label))
        flag = None if body_checked else _destroy_flag(req)
        if flag:
            out.append(make(template("http.generic:destructive-update"), req, flag=flag, label=label))
        op = None if flag or body_checked else body_operation(req.body)
        if op:
            out.append(make(template("http.generic:body-delete"), req, op=op, label=label))
        if req.method in ("MOVE", "COPY"):
            out.append(make(template("http.generic:webdav-overwrite"), req, label=label))
    return out


def _lifecycle(req: Request, label: str) -> list[Finding]:
    """A rebuild that wipes a machine's disk, an account closed or rejected (`lifecycle.py`)."""
    from blastwall.analyze.http.lifecycle import account_end, reinstall

    out: list[Finding] = []
    verb = reinstall(req)
    if verb:
        out.append(make(template("http.generic:machine-reinstall"), req, word=verb, label=label))
    end = account_end(req)
    if end:
        out.append(make(template("http.generic:account-end"), req, word=end, label=label))
    return out


def _rpc_operation(req: Request, label: str) -> Finding | None:
    """An RPC call whose operation (a body field, query parameter, XML-RPC methodName or
    SOAPAction: `rpc.py`) reads as destructive by the verb model."""
    from blastwall.analyze.http.rpc import destructive_operation

    found = destructive_operation(req)
    if found is None:
        return None
    name, verb, data = found
    return make(template("http.generic:rpc-operation"), req, op=name, word=verb, label=label,
                severity=Severity.HIGH if data else Severity.MEDIUM)


def _delete(req: Request, label: str) -> Finding:
    segments = [s for s in req.path.split("/") if s]
    trivial = _trivial_object(segments)
    if trivial:
        return make(template("http.generic:trivial-delete"), req, object=trivial, label=label)
    toggle = _trivial_object(segments, "toggle_delete_objects")
    if toggle and _ID.match(segments[-1]):  # one silence, named by its id
        return make(template("http.generic:toggle-delete"), req, object=toggle, label=label)
    bulk = _bulk(req, segments)
    cache = None if bulk and "=" in bulk else _cache_entry(segments)
    if cache:
        return make(template("http.generic:cache-delete"), req, object=cache, label=label)
    if is_local(req.host):
        if bulk:
            return make(template("http.generic:local-bulk-delete"), req, pattern=bulk, label=label)
        if segments and _ID.match(segments[-1]) and len(segments) >= 2:
            return make(template("http.generic:local-delete"), req, label=label)
    elif bulk:
        return make(template("http.generic:bulk-delete"), req, pattern=bulk, label=label)
    return make(template("http.generic:delete"), req, label=label)


def _trivial_object(segments: list[str], objects: str = "trivial_delete_objects") -> str | None:
    """A star, favorite, reaction, bookmark, read mark, search cursor or session of the caller's:
    the last segment that is not an id names one (`/projects/1/star`, `/me/favorites/42`)."""
    named = [s for s in segments if not _ID.match(s) and s.lower() not in ("me", "self", "current", "mine")]
    if not named or any(ch in s for s in segments for ch in "*?"):
        return None
    last = named[-1].lower()
    return last if last in word_list(objects) else None


def _cache_entry(segments: list[str]) -> str | None:
    """`DELETE /api/cache/product-listing`, `/caches/ID`, `/api/cache`: a cache or one entry of it
    (`[generic] cache_collections` is the last or next-to-last segment), rebuilt on the next read.
    Only a plain path: a matrix parameter (`;`) may hide another resource in the segment before."""
    if len(segments) < 1 or any(";" in s for s in segments):
        return None
    caches = word_list("cache_collections")
    for seg in segments[-2:]:
        if seg.lower() in caches:
            return seg
    return None


def _bulk(req: Request, segments: list[str]) -> str | None:
    everything = word_list("everything_segments")
    for seg in segments:
        if any(ch in seg for ch in "*?") or seg.lower() in everything:
            return seg
    for k, v in req.query:
        if k.lower() in ("all", "recursive", "purge", "cascade") and v.strip().lower() in ("", "1", "true", "yes"):
            return f"{k}={v}"[:40]
    return None


def _state_changing_url(req: Request, *, allow_kebab: bool) -> str | None:
    verbs = word_list("destructive_words")
    if allow_kebab:  # a write to `/deletions`, `/erasure-requests` starts a delete
        verbs = word_lists("destructive_words", "destructive_nouns")
    benign = word_lists("benign_objects", "trivial_delete_objects")  # `reactions.remove`
    segments = [s for s in req.path.split("/") if s]
    for i, seg in enumerate(segments):
        if not allow_kebab and not _api_like(req, segments, i):
            continue
        low = seg.lower().lstrip(_SIGILS) if allow_kebab else seg.lower()
        if low in verbs:
            return low
        if "-" in seg and not allow_kebab:
            continue
        ws = words(seg)
        for part in (ws, _unprefixed(ws)):
            if len(ws) > 1 and len(part) <= 4 and (part[0] in verbs or part[-1] in verbs) and not set(ws) & benign:
                return seg
    state_params = word_list("state_params")
    for k, v in req.query:
        if k.lower() in state_params and v.strip().lower() in verbs:
            return f"{k}={v}"
    return None


# Marks that introduce an operation in a path segment: FHIR `$expunge`, `@purge`, `!wipe`.
_SIGILS = "$@!~"


def _unprefixed(ws: list[str]) -> list[str]:
    """The words of a path segment without a namespace prefix of letters and digits that is not a
    word itself (`b2_delete_bucket` -> delete bucket, `v1_purge` -> purge, `wp.deletePost`)."""
    verbs = word_list("destructive_words")
    i = 0
    while i < len(ws) - 1 and ws[i] not in verbs and (ws[i].isdigit() or len(ws[i]) <= 2):
        i += 1
    return ws[i:]


def _action_suffix(req: Request, label: str, severity: Severity | None) -> list[Finding]:
    """`POST .../subscriptions/sub_1/cancel`, `POST /revoke?token=...`: the last path segment names
    an action, read by the verb model of the generated catalogs (`catalogs/verbs.toml`). Actions that
    stop, revoke, overwrite or delete something give a finding of their class."""
    from blastwall.analyze.catalogs.verbs import classify, verb_classes

    segments = [s for s in req.path.split("/") if s]
    if not segments or _ID.match(segments[-1]):
        return []
    last = segments[-1].split(";", 1)[0].split(":", 1)[-1]  # `/v1/ops/x:cancel` (Google-style custom verbs)
    last, objects = _method_parts(last)
    ws = words(last)
    if not ws or len(ws) > 3 or set(ws + objects) & word_list("benign_objects"):
        return []
    if set(objects) & word_list("trivial_delete_objects"):  # `reactions.remove`, `pins.remove`, `stars.remove`
        return []
    if not objects and _collection(ws):
        return []
    verb = classify("_".join([last, *objects]), "http")
    if verb is not None and ws[0] in word_list("credential_end_verbs") and _names_credential(ws[1:], segments[:-1]):
        from blastwall.analyze.catalogs.verbs import Verb, classes

        verb = Verb(verb.name, verb.verb, classes()["revoke"])  # `/api_keys/rk_1/expire` ends the key
    if verb is None or verb.cls.name not in word_list("action_suffix_classes"):
        return []
    if not objects and ws[0] in word_list("action_suffix_harmless") and not set(ws[1:]) & verb_classes().keys():
        return []  # `/restart`, `/reboot`, `/rebootNow`: back as it was (not `/restartAndWipe`)
    cls = verb.cls
    says = dict(setting("action_suffix_says", {})).get(cls.name, cls.name)
    level = severity if severity is not None else min(cls.severity, Severity.HIGH)  # a name alone never denies
    return [make(template("http.generic:action-endpoint"), req, word=last, label=label, what=says,
                 severity=level)._replace(effect=cls.effect)]


def _names_credential(rest: list[str], before: list[str]) -> bool:
    """Whether the verb's own words or the two path segments before it (IDs skipped) name a key,
    token, secret, credential or session."""
    named = [s for s in before if not _ID.match(s)][-2:]
    found = set(rest).union(*(words(s) for s in named)) if named else set(rest)
    return bool(found & word_list("credential_objects"))


def _collection(ws: list[str]) -> bool:
    """`/apps/x/releases`, `/v1/transfers`: one word that is the plural of a revoking verb, not a verb
    itself, names a collection; a POST to it creates one more (a Heroku release, a rollback
    included). Plurals of verbs that stop, overwrite or delete (`/restarts`, `/rollbacks`, `/deletes`)
    still read as their verb: creating one runs it."""
    from blastwall.analyze.catalogs.verbs import verb_classes

    known = verb_classes()
    if len(ws) != 1 or ws[0] in known:
        return False
    w = ws[0]
    return any(w.endswith(end) and known.get(w[:-len(end)]) == "revoke" for end in ("s", "es"))


# An RPC method named in the path, namespace first and verb last (`/api/auth.revoke`,
# `/api/admin.users.remove`, `/api/apps.uninstall`): dotted words, letters and digits only.
_METHOD = rx.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")


def _method_parts(segment: str) -> tuple[str, list[str]]:
    """`admin.users.remove` -> ("remove", [users]): the verb of a dotted RPC method name and the
    words of what it acts on (leading namespace words of the verb model's `skip` dropped). Any other
    segment is its own verb with no objects."""
    if not _METHOD.fullmatch(segment):
        return segment, []
    from blastwall.analyze.catalogs.verbs import table

    *namespace, verb = segment.split(".")
    objects = [w for part in namespace for w in words(part)]
    skip = set(table().get("skip", []))
    while objects and objects[0] in skip:
        objects = objects[1:]
    return verb, objects


def _rpc_method_segment(req: Request) -> bool:
    """A read whose last path segment is a dotted RPC method name behind an API-like segment."""
    segments = [s for s in req.path.split("/") if s]
    return bool(segments) and bool(_METHOD.fullmatch(segments[-1])) and _api_like(req, segments, len(segments) - 1)


def _weighed_verb(req: Request, label: str, severity: Severity | None) -> list[Finding]:
    """`POST /v1/volumes/prune`, `POST /api/backups/clear`: an everyday verb as the last path segment,
    weighed by the verb model (`analyze/verbs.py`) with what the path names before it. A verb on data
    (volumes, backups, a database) asks; on something rebuilt by itself (`/images/prune`,
    `/cache/clear`) or alone (`/prune`) it does not."""
    from blastwall.analyze.verbs import read_words

    segments = [s for s in req.path.split("/") if s and not _ID.match(s)]
    if len(segments) < 2 or "." in segments[-1]:
        return []
    harmless = word_lists("benign_objects", "trivial_delete_objects")  # `users/42/reset-password`
    if set(words(segments[-1])) & harmless:
        return []
    reading = read_words(segments[-2:])
    if reading is None or reading.severity < Severity.HIGH:
        return []
    return [make(template("http.generic:action-endpoint"), req, word=f"{segments[-2]}/{segments[-1]}", label=label,
                 what=f"it {reading.verb}s {reading.noun}", severity=severity)]


def _documentation(req: Request) -> bool:
    """A page of a documentation site (`docs.stripe.com/api/customers/delete`, `/docs/...`:
    `[generic] doc_hosts`, `doc_paths`), with no confirmation parameter: a GET of it reads about
    an endpoint; the API itself lives on another host."""
    if any(k.lower() in word_list("confirm_params") for k, _ in req.query):
        return False
    if any(globs.match(req.host.lower(), h) for h in setting("doc_hosts", [])):
        return True
    segments = [s.lower() for s in req.path.split("/") if s]
    return bool(segments) and segments[0] in word_list("doc_paths") and not any(s.isdigit() for s in segments)


def _api_like(req: Request, segments: list[str], i: int) -> bool:
    """A read whose URL is an API call (not a page): an id before the verb, an api/admin or
    version segment, or a confirmation parameter."""
    if i > 0 and _ID.match(segments[i - 1]):
        return True
    if any(s.lower() in ("api", "admin", "rpc") or _VERSION.fullmatch(s.lower()) for s in segments[:i]):
        return True
    return any(k.lower() in word_list("confirm_params") for k, _ in req.query)


def _destroy_flag(req: Request) -> str | None:
    flags = word_list("destroy_flags")
    states = word_list("destroyed_states")
    for k, v in walk(req.body)[:2000]:
        low = k.lower()
        if low.endswith("]") and "[" in low:  # a form field of a nested object: `items[0][deleted]=true`
            low = low[low.rindex("[") + 1:-1]
        if low in flags and v not in (None, False, 0, "", "false", "0", "no", "off", "False"):
            return k
        if low in ("status", "state") and isinstance(v, str) and v.strip().lower() in states:
            return f"{k}={v}"
    return None


def body_operation(body: object) -> str | None:
    """A delete carried as an operation in the body of a batch or mutation endpoint: a key naming
    the operation with what it deletes as its value (`{"mutations": [{"delete": {"query": ...}}]}`,
    `{"delete": [101, 102]}`, `{"writes": [{"delete": "projects/p/.../d"}]}`: `[generic]
    operation_keys`), or an action field naming a delete (`{"action": "deleteObject"}`:
    `operation_fields`). A flag (`{"delete": false}`, a permission set) is not an operation, nor a
    JSON Patch `remove` of one field. NDJSON bodies (Elasticsearch `_bulk`) are read line by line."""
    keys, fields = word_list("operation_keys"), word_list("operation_fields")
    for obj in objects(body):
        for k, v in obj.items():
            low = str(k).lower()
            if low in keys and isinstance(v, (list, dict, str)) and v:
                return str(k)
            if low in fields and isinstance(v, str) and "path" not in obj and destructive_word(v):
                return f"{k}={v}"[:60]
    return None


def objects(value: object, depth: int = 0) -> list[dict]:
    """Every JSON object in a body (bounded), NDJSON lines included."""
    import json

    if depth > 24:
        return []
    if isinstance(value, dict):
        return [value] + [o for v in value.values() for o in objects(v, depth + 1)][:2000]
    if isinstance(value, list):
        return [o for v in value[:500] for o in objects(v, depth + 1)][:2000]
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "[") and len(value) < 100_000:
        lines = value.splitlines() if "\n" in value.strip() else [value]
        out: list[dict] = []
        for line in lines[:2000]:
            try:
                out.extend(objects(json.loads(line), depth + 1))
            except ValueError:
                continue
        return out
    return []


def _sql_fields(req: Request, scope: Scope) -> list[Finding]:
    """SQL carried in a body field (`{"sql": "DROP TABLE x"}`) of an API blastwall does not know."""
    if req.method in READ_METHODS or not isinstance(req.body, dict):
        return []
    texts = [v for k, v in walk(req.body)[:2000] if k in _SQL_KEYS and looks_like_sql(v)]
    if not texts:
        return []
    from blastwall.analyze.sql import analyze_sql

    out: list[Finding] = []
    for text in texts[:20]:
        out.extend(analyze_sql(text, scope.deeper(f"SQL sent to {req.display}")))
    return out
