"""Fake `kubectl` and `docker` executables for blast-radius tests: small Python scripts put
first on PATH that answer the read-only subcommands blastwall calls with the JSON shapes the
real CLIs print, and record every argv.

    kube = FakeKubectl(tmp_path / "bin")
    kube.add(pod("prod", "web-1", {"app": "web"}), pvc("prod", "data", volume="pv-1"), pv("pv-1", "Delete", "10Gi"))
    monkeypatch.setenv("PATH", kube.path_with(os.environ["PATH"]))
    ... kube.calls  # [["get", "pods,deployments,...", "-n", "prod", "-o", "json", ...], ...]

`sleep_s` makes the fake hang before answering; `fail` makes it print that error and exit 1.
The fakes answer only what they know; anything else exits 1 like an unknown command.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

SRC = str(Path(__file__).resolve().parents[2])
SCRIPT = """#!{python}
import sys
sys.path.insert(0, {src!r})
from blastwall.testing.fake_cli import main
main({state!r}, sys.argv[1:])
"""


class FakeCli:
    name = ""

    def __init__(self, bin_dir: Path, *, sleep_s: float = 0.0, fail: str = "") -> None:
        bin_dir.mkdir(parents=True, exist_ok=True)
        self.bin_dir = bin_dir
        self.state_file = bin_dir / f".{self.name}.json"
        self.log_file = bin_dir / f".{self.name}.log"
        self.state: dict[str, Any] = {"tool": self.name, "sleep_s": sleep_s, "fail": fail, "log": str(self.log_file)}
        exe = bin_dir / self.name
        exe.write_text(SCRIPT.format(python=sys.executable, src=SRC, state=str(self.state_file)))
        exe.chmod(0o755)
        self._save()

    def set(self, **values: Any) -> None:
        self.state.update(values)
        self._save()

    def _save(self) -> None:
        self.state_file.write_text(json.dumps(self.state))

    def path_with(self, path: str) -> str:
        return f"{self.bin_dir}{os.pathsep}{path}"

    @property
    def calls(self) -> list[list[str]]:
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines() if line]


# -- kubectl -------------------------------------------------------------------------------------

PLURALS = {"pods": "Pod", "deployments": "Deployment", "statefulsets": "StatefulSet", "services": "Service",
           "persistentvolumeclaims": "PersistentVolumeClaim", "pvc": "PersistentVolumeClaim",
           "configmaps": "ConfigMap", "secrets": "Secret", "persistentvolumes": "PersistentVolume",
           "pv": "PersistentVolume"}


class FakeKubectl(FakeCli):
    name = "kubectl"

    def __init__(self, bin_dir: Path, *, sleep_s: float = 0.0, fail: str = "",
                 contexts: dict[str, str] | None = None) -> None:
        super().__init__(bin_dir, sleep_s=sleep_s, fail=fail)
        self.state.update(objects=[], contexts=contexts or {"kind-dev": "https://127.0.0.1:6443"})
        self._save()

    def add(self, *objects: dict[str, Any]) -> None:
        self.state["objects"].extend(objects)
        self._save()


def _obj(kind: str, api: str, ns: str | None, name: str, *, labels: dict[str, str] | None = None,
         annotations: dict[str, str] | None = None, spec: dict[str, Any] | None = None,
         status: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{kind.lower()}-{name}", "resourceVersion": "1",
                            "creationTimestamp": "2026-01-01T00:00:00Z"}
    if ns is not None:
        meta["namespace"] = ns
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    obj = {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec or {}}
    if status is not None:
        obj["status"] = status
    return obj


def pod(ns: str, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return _obj("Pod", "v1", ns, name, labels=labels, spec={"containers": [{"name": "app", "image": "app:1"}]},
                status={"phase": "Running"})


def deployment(ns: str, name: str, match: dict[str, str], *, release: str = "") -> dict[str, Any]:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else None
    return _obj("Deployment", "apps/v1", ns, name, annotations=ann,
                spec={"replicas": 2, "selector": {"matchLabels": match}, "template": {"metadata": {"labels": match}}})


def statefulset(ns: str, name: str, match: dict[str, str], *, templates: tuple[str, ...] = ("data",),
                when_deleted: str = "Retain", release: str = "") -> dict[str, Any]:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else None
    return _obj("StatefulSet", "apps/v1", ns, name, annotations=ann, spec={
        "replicas": 1, "serviceName": name, "selector": {"matchLabels": match},
        "volumeClaimTemplates": [{"metadata": {"name": t}, "spec": {"accessModes": ["ReadWriteOnce"]}} for t in templates],
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": when_deleted, "whenScaled": "Retain"}})


def simple(kind: str, ns: str, name: str, *, release: str = "") -> dict[str, Any]:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else None
    return _obj(kind, "v1", ns, name, annotations=ann)


def pvc(ns: str, name: str, *, volume: str = "", size: str = "10Gi", release: str = "") -> dict[str, Any]:
    ann = {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns} if release else None
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                            "storageClassName": "standard", "volumeMode": "Filesystem"}
    if volume:
        spec["volumeName"] = volume
    status = {"phase": "Bound", "capacity": {"storage": size}} if volume else {"phase": "Pending"}
    return _obj("PersistentVolumeClaim", "v1", ns, name, annotations=ann, spec=spec, status=status)


def pv(name: str, policy: str, size: str = "10Gi", claim: tuple[str, str] = ("", "")) -> dict[str, Any]:
    spec = {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": policy,
            "storageClassName": "standard", "claimRef": {"kind": "PersistentVolumeClaim", "namespace": claim[0],
                                                          "name": claim[1]}}
    return _obj("PersistentVolume", "v1", None, name, spec=spec, status={"phase": "Bound"})


def _kubectl(state: dict[str, Any], argv: list[str]) -> tuple[int, str, str]:
    context, ns, words, i = "", "default", [], 0
    while i < len(argv):
        a = argv[i]
        if a in ("--context", "-n", "--namespace", "--kubeconfig", "--cluster", "--user", "-o"):
            value = argv[i + 1] if i + 1 < len(argv) else ""
            context = value if a == "--context" else context
            ns = value if a in ("-n", "--namespace") else ns
            i += 2
            continue
        if not a.startswith("-"):
            words.append(a)
        i += 1
    if context and context not in state["contexts"]:
        return 1, "", f'error: context "{context}" does not exist'
    if words[:2] == ["config", "view"]:
        names = list(state["contexts"])
        return 0, json.dumps({
            "kind": "Config", "apiVersion": "v1", "preferences": {},
            "clusters": [{"name": f"cl-{n}", "cluster": {"server": s, "certificate-authority-data": "DATA+OMITTED"}}
                         for n, s in state["contexts"].items()],
            "users": [{"name": f"u-{n}", "user": {"token": "REDACTED"}} for n in names],
            "contexts": [{"name": n, "context": {"cluster": f"cl-{n}", "user": f"u-{n}"}} for n in names],
            "current-context": names[0] if names else ""}), ""
    if not words or words[0] != "get" or len(words) < 2:
        return 1, "", f'error: unknown command "{" ".join(words)}" for "kubectl"'
    kinds = [PLURALS.get(k) for k in words[1].split(",")]
    if None in kinds:
        return 1, "", f'error: the server doesn\'t have a resource type "{words[1]}"'
    objects = state["objects"]
    if len(words) > 2:  # named, cluster-scoped here (persistentvolumes NAME...)
        found = [o for o in objects if o["kind"] in kinds and o["metadata"]["name"] in words[2:]]
        missing = [n for n in words[2:] if n not in {o["metadata"]["name"] for o in found}]
        if missing:
            return 1, "", f'Error from server (NotFound): {words[1]} "{missing[0]}" not found'
        if len(words) == 3:
            return 0, json.dumps(found[0]), ""
        return 0, json.dumps({"apiVersion": "v1", "items": found, "kind": "List", "metadata": {"resourceVersion": ""}}), ""
    items = [o for o in objects if o["kind"] in kinds and o["metadata"].get("namespace", ns) == ns]
    return 0, json.dumps({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}), ""


# -- entry point of the fake executables ---------------------------------------------------------

def main(state_file: str, argv: list[str]) -> None:
    with open(state_file) as fh:
        state = json.load(fh)
    with open(state["log"], "a") as fh:
        fh.write(json.dumps(argv) + "\n")
    if state.get("sleep_s"):
        time.sleep(state["sleep_s"])
    if state.get("fail"):
        print(state["fail"], file=sys.stderr)
        sys.exit(1)
    if state["tool"] == "kubectl":
        code, out, err = _kubectl(state, argv)
    else:
        from blastwall.testing.fake_docker import answer

        code, out, err = answer(state, argv)
    if out:
        print(out)
    if err:
        print(err, file=sys.stderr)
    sys.exit(code)
