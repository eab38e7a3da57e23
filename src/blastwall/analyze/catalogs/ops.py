"""Find the operation a CLI call or an HTTP request is, in the generated catalogs.

    aws_cli("ec2", "terminate-instances")           -> Op(provider="aws", service="ec2", name="TerminateInstances")
    aws_http(req)                                    -> the operation by X-Amz-Target, Action, or method + URI
    rest_http("github", "DELETE", "/repos/a/b", ())  -> Op(name="repos/delete", ...)

An operation is only looked up, never judged here (`verbs.py` judges it by its name).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall import rx
from blastwall.analyze.catalogs import data
from blastwall.analyze.catalogs.routes import Router


class Op(NamedTuple):
    provider: str  # aws | github | google | kubernetes
    service: str  # AWS service or Google API ("" when the provider has one API)
    name: str  # the operation's name in its spec
    label: str  # how reasons name the provider or service
    sql: str = ""  # the input member that carries SQL text (AWS), if any


# ---- AWS ------------------------------------------------------------------------------------
def _aws_index() -> dict[str, Any]:
    return data.load("aws/_index.json")


@functools.cache
def _aws_service(svc: str) -> tuple[dict[str, Any], dict[str, list[Any]], dict[str, list[Any]]]:
    """(service info, operations by CLI name, operations by name)."""
    doc = data.load(f"aws/{svc}.json")
    ops = doc["ops"]
    return doc, {o[1]: o for o in ops}, {o[0]: o for o in ops}


def _aws_op(svc: str, row: list[Any]) -> Op:
    info = _aws_service(svc)[0]
    return Op("aws", svc, row[0], f"AWS {info.get('label') or svc}", row[4])


def aws_rest(svc: str) -> bool:
    """Whether AWS service `svc` is called by method and URI (rest-json, rest-xml)."""
    return str(_aws_service(svc)[0].get("protocol", "")).startswith("rest-")


def aws_cli(service: str, operation: str) -> Op | None:
    svc = _aws_index()["cli"].get(service)
    if svc is None:
        return None
    row = _aws_service(svc)[1].get(operation)
    return _aws_op(svc, row) if row else None


def aws_known_service(service: str) -> bool:
    return service in _aws_index()["cli"]


def aws_cli_name(sdk_name: str) -> str:
    """The aws CLI's name of a service an SDK names otherwise (`s3` is `s3api`; SDK v3 and Go
    package names drop dashes: `cognitoidentityprovider`)."""
    cli = _aws_index()["cli"]
    if sdk_name == "s3":
        return "s3api"
    if sdk_name in cli:
        return sdk_name
    flat = {k.replace("-", ""): k for k in cli}
    return flat.get(sdk_name.replace("-", ""), sdk_name)


@functools.cache
def _region() -> rx.Pattern:
    return rx.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$")


_AWS_SUFFIXES = (".amazonaws.com.cn", ".amazonaws.com", ".api.aws")


def _aws_prefixes(host: str) -> list[str]:
    """Endpoint prefixes a host may name: `runtime.sagemaker.us-east-1.amazonaws.com` ->
    runtime.sagemaker, sagemaker; `bucket.s3.us-east-1.amazonaws.com` -> s3."""
    for suffix in _AWS_SUFFIXES:
        if host.endswith(suffix):
            host = host[: -len(suffix)]
            break
    else:
        return []
    labels = [x for x in host.split(".") if x and not _region().match(x) and x not in ("fips", "dualstack")]
    out = []
    for i in range(len(labels)):
        out.append(".".join(labels[i:]))
    if "s3" in labels or any(x.startswith("s3-") for x in labels):
        out.append("s3")
    return out


def aws_actions(req: Any) -> list[str]:
    """Every `Action` of a query-protocol request: in the URL and in a form body (a request that
    names two is judged by both)."""
    found = [v for v in req.query_values("Action") if v]
    if isinstance(req.body, dict) and isinstance(req.body.get("Action"), str) and req.body["Action"]:
        found.append(req.body["Action"])
    return list(dict.fromkeys(found))


def _aws_action(action: str, services: list[str]) -> Op:
    for svc in services:
        row = _aws_service(svc)[2].get(action)
        if row:
            return _aws_op(svc, row)
    return Op("aws", services[0] if services else "", action, "AWS")


def aws_http_all(req: Any) -> list[Op]:
    """`aws_http`, and every further Action the request names."""
    first = aws_http(req)
    if first is None:
        return []
    actions = aws_actions(req)[1:]
    if not actions or req.headers.get("x-amz-target"):
        return [first]
    prefixes = _aws_prefixes(req.host)
    services = _aws_rank([s for p in prefixes for s in _aws_index()["prefix"].get(p, [])], prefixes,
                         req.params.get("Version"))
    return [first, *(_aws_action(a, services) for a in actions)]


def _aws_rank(services: list[str], prefixes: list[str], version: object) -> list[str]:
    """Services sharing an endpoint (rds, docdb and neptune; elb and elbv2): the one whose API
    version the request names first, then the most specific endpoint (`s3-control` before `s3`),
    then the one named like its endpoint."""
    index = _aws_index()["prefix"]

    def key(svc: str) -> tuple[bool, int, bool]:
        where = next((i for i, p in enumerate(prefixes) if svc in index.get(p, [])), len(prefixes))
        return (_aws_service(svc)[0].get("api_version") != version, where, svc not in prefixes)

    return sorted(dict.fromkeys(services), key=key)


@functools.cache
def _aws_router(svc: str) -> Router[list[Any]]:
    info, _, by_name = _aws_service(svc)
    return Router((row[2], row[3], row) for row in by_name.values() if row[2])


def aws_http(req: Any) -> Op | None:
    """The AWS operation of a request: JSON protocol target, query Action, RPC v2 path, or REST route."""
    index = _aws_index()
    target = req.headers.get("x-amz-target", "")
    if "." in target:
        prefix, _, name = target.rpartition(".")
        svc = index["target"].get(prefix)
        if svc is not None:
            row = _aws_service(svc)[2].get(name)
            return _aws_op(svc, row) if row else Op("aws", svc, name, f"AWS {svc}")
        return Op("aws", "", name, "AWS")
    prefixes = _aws_prefixes(req.host)
    services = _aws_rank([s for p in prefixes for s in index["prefix"].get(p, [])], prefixes, req.params.get("Version"))
    actions = aws_actions(req)
    if actions:
        return _aws_action(actions[0], services)
    m = rx.match(r"^/service/([^/]+)/operation/([^/]+)$", req.path) if req.path.startswith("/service/") else None
    if m:
        for svc in services:
            row = _aws_service(svc)[2].get(m.group(2))
            if row:
                return _aws_op(svc, row)
        return Op("aws", services[0] if services else "", m.group(2), "AWS")
    path = req.path
    if "s3" in services and not req.host.startswith("s3.") and not req.host.startswith("s3-"):
        path = "/" + req.host.split(".s3", 1)[0] + (path if path != "/" else "")  # virtual-hosted bucket
    for svc in dict.fromkeys(services):
        row = _aws_router(svc).match(req.method, path, req.query)
        if row is not None:
            return _aws_op(svc, row)
    return None


# ---- OpenAPI-like providers: rows of [METHOD, path template, operation name] ---------------
@functools.cache
def _router(rel: str) -> Router[str]:
    return Router((r[0], r[1], r[2]) for r in data.load(rel)["ops"])


_LABELS = {"github": "GitHub", "kubernetes": "Kubernetes"}


def rest_http(provider: str, method: str, path: str, query: Any = ()) -> Op | None:
    """GitHub and Kubernetes: one file, routes by method and path."""
    name = _router(f"{provider}.json").match(method, path, query)
    return Op(provider, "", name, _LABELS.get(provider, provider)) if name else None


def google_http(host: str, method: str, path: str, query: Any = ()) -> Op | None:
    """Google APIs: the discovery document whose host and base path the URL has."""
    entries = data.load("google/_index.json")["hosts"].get(host, [])
    for base, key in entries:
        if path.startswith(base) or path + "/" == base:
            name = _router(f"google/{key}.json").match(method, path, query)
            if name:
                api = data.load(f"google/{key}.json")
                return Op("google", key, name, f"Google {api.get('api', key)}")
    return None


# ---- gcloud: a command's last resource and verb -> a discovery method -----------------------
_GOOGLE_VERSIONS = ("v1", "v2", "v3", "v1beta1", "v1beta2", "v1beta", "v2beta", "beta", "v1alpha", "alpha")


@functools.cache
def _google_keys(api: str) -> tuple[str, ...]:
    """The discovery documents of one API, stable versions first."""
    keys = [k for k in data.names("google") if k.split(".", 1)[0] == api]
    rank = {v: i for i, v in enumerate(_GOOGLE_VERSIONS)}
    return tuple(sorted(keys, key=lambda k: (rank.get(k.split(".", 1)[1], len(rank)), k)))


@functools.cache
def _google_suffixes(key: str) -> dict[tuple[str, str], str]:
    """(resource, method) in kebab case -> method id: ("instances", "stop") -> compute.instances.stop."""
    from blastwall.analyze.catalogs.verbs import words

    out: dict[tuple[str, str], str] = {}
    for _, _, name in data.load(f"google/{key}.json")["ops"]:
        parts = name.split(".")
        if len(parts) >= 3:
            out.setdefault(("-".join(words(parts[-2])), "-".join(words(parts[-1]))), name)
    return out


def gcloud_method(apis: list[str], positionals: list[str]) -> tuple[Op, int] | None:
    """The discovery method a gcloud command names, and where its verb is among the positionals."""
    for api in apis:
        for key in _google_keys(api):
            table = _google_suffixes(key)
            for i in range(2, min(len(positionals), 6)):
                name = table.get((positionals[i - 1], positionals[i]))
                if name is not None:
                    return Op("google", key, name, f"Google {api}"), i
    return None
