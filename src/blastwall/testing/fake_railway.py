"""A local stand-in for Railway's public GraphQL API, for preflight tests over real HTTP.

It answers the read-only queries blastwall's Railway adapter sends, with the response
shapes of shared/reference/providers.md §1.4 (`project(id) { volumes { edges { node {
volumeInstances { edges { node { environment { name } service { name } ... } } } } } } }` and
`environment(id) { name volumeInstances ... }`, `volumeInstanceBackupList(volumeInstanceId)` for
volumes added with `backups={"env_prd": 3}`), checks the bearer token, and records every
request (path, headers, body, operation) so tests can assert what blastwall sent.

    with FakeRailway(token="t0k") as fake:
        fake.add_volume("prj_1", "vol_7f3c", name="pgdata",
                        mounts=[("env_stg", "staging", "svc_pg", "postgres"), ("env_prd", "production", "svc_pg", "postgres")])
        fake.endpoint  # http://127.0.0.1:PORT/graphql/v2

`FakeRailway(accept_mutations=True)` also runs `volumeDelete(volumeId)` (the volume is gone and
the answer is `{"data": {"volumeDelete": true}}`), and `unauthorized_status=401` answers a
wrong token with that HTTP status instead of Railway's `200 {"errors": [Not Authorized]}`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple

from blastwall.testing.local_http import LocalServer


class Recorded(NamedTuple):
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    operations: tuple[str, ...]  # "query" / "mutation" per operation in the document
    root_fields: tuple[str, ...]


class Mount(NamedTuple):
    environment_id: str
    environment: str
    service_id: str
    service: str


class FakeRailway(LocalServer):
    def __init__(self, token: str = "fake-railway-token-0001", sleep_s: float = 0.0, *,
                 accept_mutations: bool = False, unauthorized_status: int = 200) -> None:
        self.token = token
        self.sleep_s = sleep_s
        self.accept_mutations = accept_mutations
        self.unauthorized_status = unauthorized_status
        self.deleted: list[str] = []
        self.requests: list[Recorded] = []
        self.projects: dict[str, list[dict[str, Any]]] = {}
        self.environments: dict[str, str] = {}  # id -> name
        self._lock = threading.Lock()

    # -- data -----------------------------------------------------------------
    def add_volume(self, project: str, volume_id: str, *, name: str = "", mounts: list[tuple[str, str, str, str]],
                   backups: dict[str, int] | None = None) -> None:
        """`backups`: environment id -> how many backups Railway keeps of that instance (none by default)."""
        instances = [Mount(*m) for m in mounts]
        for m in instances:
            self.environments[m.environment_id] = m.environment
        self.projects.setdefault(project, []).append({"id": volume_id, "name": name or volume_id, "mounts": instances,
                                                      "backups": dict(backups or {})})

    def _backups(self, instance_id: str) -> list[dict[str, Any]]:
        for vols in self.projects.values():
            for vol in vols:
                for m in vol["mounts"]:
                    if instance_id == f"vi_{vol['id']}_{m.environment_id}":
                        return [{"id": f"bak_{vol['id']}_{m.environment_id}_{n}", "name": f"backup {n}",
                                 "createdAt": f"2026-01-0{n % 9 + 1}T03:00:00.000Z", "expiresAt": None,
                                 "usedMB": 512, "referencedMB": 2048}
                                for n in range(1, vol.get("backups", {}).get(m.environment_id, 0) + 1)]
        return []

    def _project(self, pid: str) -> dict[str, Any] | None:
        if pid not in self.projects:
            return None
        edges = []
        for vol in self.projects[pid]:
            inst = [{"node": {"id": f"vi_{vol['id']}_{m.environment_id}", "environmentId": m.environment_id,
                              "serviceId": m.service_id or None, "mountPath": "/data", "state": "READY",
                              "environment": {"name": m.environment},
                              "service": {"name": m.service} if m.service else None}} for m in vol["mounts"]]
            edges.append({"node": {"id": vol["id"], "name": vol["name"], "volumeInstances": {"edges": inst}}})
        return {"volumes": {"edges": edges}}

    def _volume_delete(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        vid = _volume_delete_id(query, variables)
        with self._lock:
            for vols in self.projects.values():
                for vol in list(vols):
                    if vol["id"] == vid:
                        vols.remove(vol)
                        self.deleted.append(vid)
                        return {"data": {"volumeDelete": True}}
        return {"errors": [{"message": "Volume not found"}], "data": None}

    def _environment(self, eid: str) -> dict[str, Any] | None:
        if eid not in self.environments:
            return None
        inst = [{"node": {"id": f"vi_{vol['id']}_{eid}", "serviceId": m.service_id or None, "mountPath": "/data",
                          "environmentId": eid, "state": "READY", "volume": {"id": vol["id"], "name": vol["name"]}}}
                for vols in self.projects.values() for vol in vols for m in vol["mounts"] if m.environment_id == eid]
        return {"name": self.environments[eid], "volumeInstances": {"edges": inst}}

    # -- server ---------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"{self.base}/graphql/v2"

    def __enter__(self) -> FakeRailway:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                fake._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                self.send_error(405)

        self._start(Handler)
        return self

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        ops, fields = _operations(body.get("query", "") if isinstance(body, dict) else "")
        with self._lock:
            self.requests.append(Recorded(h.path, {k.lower(): v for k, v in h.headers.items()}, body, ops, fields))
        if self.sleep_s:
            time.sleep(self.sleep_s)
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            return _reply(h, self.unauthorized_status, {"errors": [{"message": "Not Authorized"}], "data": None})
        variables = body.get("variables") or {}
        if "mutation" in ops:
            if self.accept_mutations and fields == ("volumeDelete",):
                return _reply(h, 200, self._volume_delete(body.get("query", ""), variables))
            return _reply(h, 200, {"errors": [{"message": "mutations are not expected here"}]})
        data: dict[str, Any] = {}
        if "project" in fields:
            data["project"] = self._project(str(variables.get("projectId")))
        if "environment" in fields:
            data["environment"] = self._environment(str(variables.get("id")))
        if "volumeInstanceBackupList" in fields:
            data["volumeInstanceBackupList"] = self._backups(str(variables.get("volumeInstanceId")))
        if not data:
            return _reply(h, 200, {"errors": [{"message": f"unknown fields {fields}"}]})
        if any(v is None for v in data.values()):
            return _reply(h, 200, {"errors": [{"message": "Not Found"}], "data": data})
        return _reply(h, 200, {"data": data})


def _volume_delete_id(query: str, variables: dict[str, Any]) -> str:
    from graphql import parse
    from graphql.language import FieldNode, OperationDefinitionNode, StringValueNode, VariableNode

    for d in parse(query).definitions:
        if isinstance(d, OperationDefinitionNode):
            for sel in d.selection_set.selections:
                if isinstance(sel, FieldNode) and sel.name.value == "volumeDelete":
                    for arg in sel.arguments or ():
                        if arg.name.value == "volumeId":
                            if isinstance(arg.value, StringValueNode):
                                return arg.value.value
                            if isinstance(arg.value, VariableNode):
                                return str(variables.get(arg.value.name.value, ""))
    return ""


def _operations(query: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from graphql import parse
    from graphql.language import FieldNode, OperationDefinitionNode

    try:
        doc = parse(query)
    except Exception:  # noqa: BLE001
        return ("unparsable",), ()
    ops: list[str] = []
    fields: list[str] = []
    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode):
            ops.append(d.operation.value)
            fields.extend(s.name.value for s in d.selection_set.selections if isinstance(s, FieldNode))
    return tuple(ops), tuple(fields)


def _reply(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    try:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
        pass
