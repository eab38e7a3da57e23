"""Railway: which volume, service, environment or project a finding acts on, and where Railway
says it lives, asked with read-only GraphQL queries.

Shapes come from the provider reference (shared/reference/providers.md, section 1):
- §1.1 the destructive mutations and their id arguments (`volumeDelete(volumeId)`,
  `volumeInstanceUpdate(volumeId, environmentId)`, `serviceDelete(id, environmentId)`, ...);
- §1.4 there is no root `volume(id:)` query: a volume's instances (environment, service, mount
  path) are reached through `project(id) { volumes { ... volumeInstances ... } }` (VolumeMounts),
  and one environment's volume instances through `environment(id)` (EnvVolumes).
So a volume is placed by looking it up in the projects the inventory names.
"""

from __future__ import annotations

import json
from typing import Any

from blastwall.model import Action, Finding, Surface
from blastwall.preflight.inventory import ProviderConfig
from blastwall.preflight.providers.base import (
    ProbeAnswer,
    ProbeContext,
    ProbeError,
    ResourceRef,
    check_endpoint,
    join,
    post_json,
    token,
)

NAME = "railway"
LABEL = "Railway"
OFFICIAL_HOSTS = frozenset({"backboard.railway.com", "backboard.railway.app"})

# providers.md §1.4, "Determining where a volume is mounted" (query VolumeMounts).
VOLUME_MOUNTS = """query VolumeMounts($projectId: String!) {
  project(id: $projectId) {
    volumes {
      edges { node {
        id name
        volumeInstances { edges { node {
          id environmentId serviceId mountPath state
          environment { name }
          service { name }
        } } }
      } }
    }
  }
}"""

# providers.md §1.4, per environment as the CLI's EnvironmentInstances.graphql (query EnvVolumes).
ENV_VOLUMES = """query EnvVolumes($id: String!) {
  environment(id: $id) {
    name
    volumeInstances { edges { node { id serviceId mountPath environmentId state volume { id name } } } }
  }
}"""

# providers.md §1.3, as the CLI's VolumeInstanceBackupList.graphql: the backups Railway keeps
# of one volume instance (they live with the volume: deleting it deletes them).
VOLUME_BACKUPS = """query VolumeBackups($volumeInstanceId: String!) {
  volumeInstanceBackupList(volumeInstanceId: $volumeInstanceId) { id name createdAt expiresAt usedMB referencedMB }
}"""

READ_ONLY_QUERIES = (VOLUME_MOUNTS, ENV_VOLUMES, VOLUME_BACKUPS)

# providers.md §1.1: mutation root field -> (resource kind, argument holding its id).
FIELDS: dict[str, tuple[str, str]] = {
    "volumeDelete": ("volume", "volumeId"),
    "volumeInstanceUpdate": ("volume", "volumeId"),
    "serviceDelete": ("service", "id"),
    "environmentDelete": ("environment", "id"),
    "projectDelete": ("project", "id"),
    "projectScheduleDelete": ("project", "id"),
    "projectScheduleDeleteForce": ("project", "id"),
    "volumeInstanceBackupRestore": ("volume instance", "volumeInstanceId"),
    "volumeInstanceBackupDelete": ("volume instance", "volumeInstanceId"),
}
# CLI and MCP findings whose target names the resource: rule id -> kind.
RULE_KINDS: dict[str, str] = {
    "shell.railway:volume-delete": "volume",
    "shell.railway:volume-detach": "volume",
    "shell.railway:environment-delete": "environment name",
    "shell.railway:service-delete": "service",
    "shell.railway:delete": "project",
    "mcp.railway:volume-delete": "volume",
}
# MCP tools (railway/<tool>:<id> targets) -> kind.
TOOL_KINDS: dict[str, str] = {
    "remove_volume": "volume", "delete_volume": "volume", "volume_delete": "volume",
    "remove_service": "service", "delete_service": "service",
}
_DELETE_WORDS = frozenset({"delete", "rm", "remove"})


def refs(f: Finding, action: Action) -> list[ResourceRef] | None:
    """The Railway resources `f` acts on; None when it names none (variables, domains...)."""
    if f.rule_id.startswith("http.railway:") and "#" in f.target:
        field = f.target.rsplit("#", 1)[1]
        if field not in FIELDS:
            return None
        kind, arg = FIELDS[field]
        from blastwall.preflight.payload import graphql_calls

        found = [
            ResourceRef(NAME, kind, id=_str(args.get(arg)), environment_id=_str(args.get("environmentId")),
                        project_id=_str(args.get("projectId")))
            for op, name, args in graphql_calls(action) if op == "mutation" and name == field
        ]
        return list(dict.fromkeys(found)) or [ResourceRef(NAME, kind)]
    if f.target.startswith("railway/"):
        tool, _, ident = f.target[len("railway/"):].partition(":")
        tool_kind = TOOL_KINDS.get(tool) or RULE_KINDS.get(f.rule_id)
        if tool_kind is None:
            return None
        payload: dict[str, Any] = action.payload if action.surface is Surface.MCP and isinstance(action.payload, dict) else {}
        raw = payload.get("arguments")
        args: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return [ResourceRef(NAME, tool_kind, id=ident.strip(), environment_id=_str(args.get("environment_id")),
                            project_id=_str(args.get("project_id")))]
    rule_kind = RULE_KINDS.get(f.rule_id)
    if rule_kind is None:
        return None
    kind = rule_kind
    if kind == "environment name":
        return [ResourceRef(NAME, "environment", name=f.target.split()[-1] if f.target else "")]
    if kind == "service":
        return [ResourceRef(NAME, kind, id=_operand_after_delete(f.target))]
    if kind == "project":
        return [ResourceRef(NAME, kind)]
    return [ResourceRef(NAME, kind, id=f.target.strip())]


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _operand_after_delete(command: str) -> str:
    words = command.split()
    for i, w in enumerate(words):
        if w in _DELETE_WORDS:
            rest = [x for x in words[i + 1:] if not x.startswith("-")]
            return rest[0] if rest else ""
    return ""


def probe(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    """Where Railway says `ref` lives. Failures come back as `error`, never as an exception."""
    try:
        if ref.kind == "environment" and ref.name and not ref.id:
            return ProbeAnswer(ref, environments=(ref.name,), source="the command")
        handler = _PROBES.get(ref.kind)
        if handler is None:
            raise ProbeError(f"blastwall has no read-only Railway query that places a {ref.kind}")
        return handler(ref, cfg, ctx)
    except ProbeError as exc:
        return ProbeAnswer(ref, error=str(exc))


def _query(cfg: ProviderConfig, ctx: ProbeContext, query: str, variables: dict[str, str]) -> dict[str, Any]:
    if query not in READ_ONLY_QUERIES:  # only the read-only documents above are ever sent
        raise ProbeError("blastwall only sends Railway its read-only queries")
    key = (NAME, cfg.endpoint, query, tuple(sorted(variables.items())))
    if key in ctx.cache:
        cached = ctx.cache[key]
        if isinstance(cached, ProbeError):
            raise cached
        return cached  # type: ignore[no-any-return]
    try:
        data = _send(cfg, ctx, query, variables)
    except ProbeError as exc:
        ctx.cache[key] = exc
        raise
    ctx.cache[key] = data
    return data


def _send(cfg: ProviderConfig, ctx: ProbeContext, query: str, variables: dict[str, str]) -> dict[str, Any]:
    check_endpoint(cfg.endpoint, OFFICIAL_HOSTS)
    secret = token(cfg)
    headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "blastwall-preflight"}
    if cfg.auth == "project":
        headers["Project-Access-Token"] = secret
    else:
        headers["Authorization"] = f"Bearer {secret}"
    body = json.dumps({"query": query, "variables": variables}).encode()
    answer = post_json(cfg.endpoint, headers, body, min(cfg.timeout_s, ctx.budget.left()), LABEL)
    if not isinstance(answer, dict):
        raise ProbeError("Railway's answer was not a GraphQL response")
    errors = answer.get("errors")
    if errors:
        first = errors[0].get("message") if isinstance(errors, list) and isinstance(errors[0], dict) else None
        raise ProbeError(f"Railway refused the query ({_safe(first, secret)})")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise ProbeError("Railway's answer had no data")
    return data


def _safe(message: Any, secret: str) -> str:
    text = message if isinstance(message, str) else "no message"
    text = "".join(c for c in text.replace(secret, "***") if c.isprintable())
    return text[:80] or "no message"


def _edges(value: Any) -> list[dict[str, Any]]:
    edges = value.get("edges") if isinstance(value, dict) else None
    nodes = [e.get("node") for e in edges if isinstance(e, dict)] if isinstance(edges, list) else []
    return [n for n in nodes if isinstance(n, dict)]


def _name(value: Any) -> str:
    return _str(value.get("name")) if isinstance(value, dict) else ""


def _projects(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> list[str]:
    ids = [ref.project_id, *cfg.projects]
    for env in ctx.inventory.environments:
        for entry in env.globs("projects"):
            provider, _, ident = entry.partition(":")
            if provider == NAME and ident and not any(c in ident for c in "*?["):
                ids.append(ident)
    return [i for i in dict.fromkeys(ids) if i]


def _volumes(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> list[dict[str, Any]]:
    """Every volume node of every project blastwall may look in (VolumeMounts)."""
    projects = _projects(ref, cfg, ctx)
    if not projects:
        raise ProbeError("no Railway project is configured to look it up in "
                         "([inventory.providers.railway] projects)")
    nodes: list[dict[str, Any]] = []
    failure: ProbeError | None = None
    for pid in projects:
        try:
            project = _query(cfg, ctx, VOLUME_MOUNTS, {"projectId": pid}).get("project")
        except ProbeError as exc:
            failure = failure or exc
            continue
        if isinstance(project, dict):
            nodes.extend(_edges(project.get("volumes")))
    if failure and not nodes:
        raise failure
    return nodes


def _instances(volume: dict[str, Any]) -> list[dict[str, Any]]:
    return _edges(volume.get("volumeInstances"))


def _place(instances: list[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    envs = tuple(dict.fromkeys(_name(i.get("environment")) or _str(i.get("environmentId")) or "?" for i in instances))
    services = tuple(dict.fromkeys(s for i in instances if (s := _name(i.get("service")) or _str(i.get("serviceId")))))
    return envs, services


def _volume(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    instances = volume_instances(ref, cfg, ctx)
    if ref.environment_id:
        instances = [i for i in instances if _str(i.get("environmentId")) == ref.environment_id]
    envs, services = _place(instances)
    if not envs:
        return ProbeAnswer(ref, detail="is not mounted in any environment", source=LABEL)
    by = f" by service {join(services)}" if services else ""
    return ProbeAnswer(ref, envs, services, detail=f"is mounted{by} in {join(envs)}", source=LABEL)


def _service(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    if not ref.id:
        raise ProbeError("the request does not say which service")
    if ref.environment_id:
        env = _query(cfg, ctx, ENV_VOLUMES, {"id": ref.environment_id}).get("environment")
        name = _name(env)
        if not name:
            raise ProbeError(f"Railway does not know environment {ref.environment_id}")
        return ProbeAnswer(ref, (name,), (ref.id,), detail=f"runs in {name}", source=LABEL)
    instances = [i for v in _volumes(ref, cfg, ctx) for i in _instances(v)
                 if ref.id in (_str(i.get("serviceId")), _name(i.get("service")))]
    envs, _ = _place(instances)
    if not envs:
        raise ProbeError("Railway lists no volume mounted by it, so blastwall cannot tell which environments run it")
    return ProbeAnswer(ref, envs, (ref.id,), detail=f"mounts volumes in {join(envs)}", source=LABEL)


def _environment(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    if not ref.id:
        raise ProbeError("the request does not say which environment")
    env = _query(cfg, ctx, ENV_VOLUMES, {"id": ref.id}).get("environment")
    name = _name(env)
    if not name or not isinstance(env, dict):
        raise ProbeError(f"Railway does not know environment {ref.id}")
    mounted = (_name(i.get("volume")) for i in _edges(env.get("volumeInstances")))
    volumes = tuple(dict.fromkeys(v for v in mounted if v))
    holds = f" and holds volume {join(volumes)}" if volumes else ""
    return ProbeAnswer(ref, (name,), detail=f"is Railway's {name} environment{holds}", source=LABEL)


def _project(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> ProbeAnswer:
    if not ref.id:
        raise ProbeError("the command does not say which project (the CLI's linked project)")
    project = _query(cfg, ctx, VOLUME_MOUNTS, {"projectId": ref.id}).get("project")
    if not isinstance(project, dict):
        raise ProbeError(f"Railway does not know project {ref.id}")
    envs, _ = _place([i for v in _edges(project.get("volumes")) for i in _instances(v)])
    if not envs:
        raise ProbeError("Railway lists no volumes in it, so blastwall cannot tell which environments it holds")
    return ProbeAnswer(ref, envs, detail=f"holds volumes in {join(envs)}", source=LABEL)


def volume_instances(ref: ResourceRef, cfg: ProviderConfig, ctx: ProbeContext) -> list[dict[str, Any]]:
    """The instances (one per environment) of the volume `ref` names, as VolumeMounts lists them;
    ProbeError when Railway does not list it."""
    if not ref.id:
        raise ProbeError("the request does not say which volume")
    matches = [v for v in _volumes(ref, cfg, ctx) if ref.id in (_str(v.get("id")), _str(v.get("name")))]
    if not matches:
        raise ProbeError(f"Railway does not list it in project(s) {', '.join(_projects(ref, cfg, ctx))}")
    return [i for v in matches for i in _instances(v)]


def volume_backups(instance_id: str, cfg: ProviderConfig, ctx: ProbeContext) -> list[dict[str, Any]]:
    """The backups Railway keeps of one volume instance (VolumeBackups)."""
    found = _query(cfg, ctx, VOLUME_BACKUPS, {"volumeInstanceId": instance_id}).get("volumeInstanceBackupList")
    if not isinstance(found, list):
        raise ProbeError("Railway's answer had no backup list")
    return [b for b in found if isinstance(b, dict)]


_PROBES = {"volume": _volume, "service": _service, "environment": _environment, "project": _project}

