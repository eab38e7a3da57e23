"""The fake `docker` executable's answers (see fake_cli.py): `volume ls`, `ps -a`,
`inspect --type container` and `system df -v`, with `--format '{{json .}}'`, in the shapes the
docker CLI prints (one JSON object a line for ls/ps, a JSON array for inspect, one object with
Images/Containers/Volumes/BuildCache for system df).

    dock = FakeDocker(tmp_path / "bin")
    dock.volume("shop_pgdata", size=1_200_000_000, labels={"com.docker.compose.project": "shop"})
    dock.container("shop-db-1", volumes=["shop_pgdata"])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blastwall.testing.fake_cli import FakeCli

GLOBAL_VALUE_FLAGS = ("--context", "-c", "-H", "--host", "--config")


class FakeDocker(FakeCli):
    name = "docker"

    def __init__(self, bin_dir: Path, *, sleep_s: float = 0.0, fail: str = "", df_fails: bool = False) -> None:
        super().__init__(bin_dir, sleep_s=sleep_s, fail=fail)
        self.state.update(volumes=[], containers=[], df_fails=df_fails)
        self._save()

    def volume(self, name: str, *, size: int = 0, labels: dict[str, str] | None = None) -> None:
        self.state["volumes"].append({"Name": name, "Driver": "local", "Labels": labels or {}, "Scope": "local",
                                      "Mountpoint": f"/var/lib/docker/volumes/{name}/_data",
                                      "CreatedAt": "2026-01-01T00:00:00Z", "size": size})
        self._save()

    def container(self, name: str, *, volumes: list[str], state: str = "running",
                  labels: dict[str, str] | None = None) -> None:
        cid = (name.encode().hex() * 8)[:64]
        self.state["containers"].append({"Id": cid, "Name": name, "State": state, "Image": "postgres:16",
                                         "volumes": volumes, "Labels": labels or {}})
        self._save()


def human(n: int) -> str:
    """docker's units.HumanSizeWithPrecision(n, 3): decimal units, three significant digits."""
    size, units = float(n), ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while size >= 1000 and i < len(units) - 1:
        size /= 1000
        i += 1
    return f"{size:.3g}{units[i]}"


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _used(state: dict[str, Any], volume: str) -> list[dict[str, Any]]:
    return [c for c in state["containers"] if volume in c["volumes"]]


def _matches(state: dict[str, Any], item: dict[str, Any], filters: list[str], kind: str) -> bool:
    by_key: dict[str, list[str]] = {}
    for f in filters:
        key, _, value = f.partition("=")
        by_key.setdefault(key, []).append(value)
    for key, values in by_key.items():  # values of one key are OR-ed, keys AND-ed
        if key == "label":
            ok = any((v.partition("=")[0] in item["Labels"]) and ("=" not in v or item["Labels"].get(v.partition("=")[0])
                                                                  == v.partition("=")[2]) for v in values)
        elif key == "dangling":
            ok = (not _used(state, item["Name"])) == (values[-1] == "true")
        elif key == "volume" and kind == "container":
            ok = any(v in item["volumes"] for v in values)
        elif key == "name":
            ok = any(v in item["Name"] for v in values)
        else:
            return False
        if not ok:
            return False
    return True


def answer(state: dict[str, Any], argv: list[str]) -> tuple[int, str, str]:
    words, filters, fmt, i = [], [], "", 0
    while i < len(argv):
        a = argv[i]
        if a in GLOBAL_VALUE_FLAGS or a in ("--filter", "-f", "--format", "--type"):
            value = argv[i + 1] if i + 1 < len(argv) else ""
            filters += [value] if a in ("--filter", "-f") else []
            fmt = value if a == "--format" else fmt
            i += 2
            continue
        if not a.startswith("-"):
            words.append(a)
        i += 1
    if words[:2] == ["volume", "ls"]:
        rows = [{"Availability": "N/A", "Driver": v["Driver"], "Group": "N/A", "Labels": _labels(v["Labels"]),
                 "Links": "N/A", "Mountpoint": v["Mountpoint"], "Name": v["Name"], "Scope": v["Scope"], "Size": "N/A",
                 "Status": "N/A"} for v in state["volumes"] if _matches(state, v, filters, "volume")]
        return 0, "\n".join(json.dumps(r) for r in rows), ""
    if words[:1] == ["ps"]:
        rows = [{"Command": '"docker-entrypoint.s…"', "CreatedAt": "2026-01-01 00:00:00 +0000 UTC", "ID": c["Id"][:12],
                 "Image": c["Image"], "Labels": _labels(c["Labels"]), "LocalVolumes": str(len(c["volumes"])),
                 "Mounts": ",".join(c["volumes"]), "Names": c["Name"], "Networks": "bridge", "Ports": "",
                 "RunningFor": "2 days ago", "Size": "0B", "State": c["State"],
                 "Status": "Up 2 days" if c["State"] == "running" else "Exited (0) 1 day ago"}
                for c in state["containers"] if _matches(state, c, filters, "container")]
        return 0, "\n".join(json.dumps(r) for r in rows), ""
    if words[:1] == ["inspect"]:
        wanted = words[1:]
        found = [c for c in state["containers"] if c["Name"] in wanted or c["Id"][:12] in wanted]
        out = [{"Id": c["Id"], "Name": "/" + c["Name"], "State": {"Status": c["State"], "Running": c["State"] == "running"},
                "Config": {"Image": c["Image"], "Labels": c["Labels"]},
                "Mounts": [{"Type": "volume", "Name": v, "Source": f"/var/lib/docker/volumes/{v}/_data",
                            "Destination": "/var/lib/postgresql/data", "Driver": "local", "Mode": "z", "RW": True,
                            "Propagation": ""} for v in c["volumes"]]} for c in found]
        missing = [w for w in wanted if w not in {c["Name"] for c in found} | {c["Id"][:12] for c in found}]
        if missing:
            return 1, json.dumps(out, indent=4), f"Error: No such container: {missing[0]}"
        return 0, json.dumps(out, indent=4), ""
    if words[:2] == ["system", "df"]:
        if state.get("df_fails"):
            return 1, "", "Error response from daemon: a disk usage operation is already running"
        vols = [{"Driver": v["Driver"], "Labels": _labels(v["Labels"]), "Links": str(len(_used(state, v["Name"]))),
                 "Mountpoint": v["Mountpoint"], "Name": v["Name"], "Scope": v["Scope"], "Size": human(v["size"])}
                for v in state["volumes"]]
        return 0, json.dumps({"Images": [], "Containers": [], "Volumes": vols, "BuildCache": []}), ""
    return 1, "", f"docker: unknown command: docker {' '.join(words)}"
