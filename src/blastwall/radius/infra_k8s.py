"""Kubernetes blast radius: what `kubectl delete`, `helm uninstall` or a DELETE on the API
server would take, listed read-only with `kubectl get ... -o json`.

One `kubectl get <kinds> -n NAMESPACE -o json` per namespace lists the objects (kinds from
`infra.toml`); what the deletion takes is chosen from them (the whole namespace, the named
objects with the pods of named workloads, a helm release's objects, or a selector's matches).
Claims that go are followed to their bound volumes (`kubectl get persistentvolumes NAME...`):
a volume with reclaim policy Delete is data that goes with the claim, so `irreplaceable=True`.
The command's `--context`, `--kubeconfig`, `--cluster`, `--user` and `-n` are passed on.
"""

from __future__ import annotations

import shlex
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from blastwall.model import Action, Finding
from blastwall.radius.base import MeasureContext, Radius
from blastwall.radius.infra_cli import CliFailure, flag_value, human, knowledge, plural, positionals, run_json

SOURCE = "kubectl"
KUBECTL_NAMES = frozenset({"kubectl", "oc", "kubecolor"})
HELM_NAMES = frozenset({"helm"})
WORDS = {"pods": ("pod", "pods"), "deployments": ("deployment", "deployments"),
         "statefulsets": ("stateful set", "stateful sets"), "services": ("service", "services"),
         "pvcs": ("volume claim", "volume claims"), "configmaps": ("config map", "config maps"),
         "secrets": ("secret", "secrets")}


class KubeTarget(NamedTuple):
    """What a deletion names, in the terms of `kubectl get`."""

    flags: tuple[str, ...]  # global flags for every kubectl call (--context X ...)
    namespaces: tuple[str, ...]  # namespaces to list; ("",) is the context's default namespace
    whole: bool = False  # the namespaces themselves are deleted
    objects: tuple[tuple[str, str], ...] = ()  # (kind, name) deleted by name
    release: str = ""  # helm release
    kinds: tuple[str, ...] = ()  # bulk: kinds deleted by selector or --all
    selector: tuple[tuple[str, str], ...] | None = None  # bulk: equality selector; None with kinds: --all
    cascade: bool = True
    env: tuple[tuple[str, str], ...] = ()
    unknown: tuple[str, ...] = ()  # named objects of kinds blastwall does not list


def _table() -> dict[str, Any]:
    return knowledge()["kubernetes"]  # type: ignore[no-any-return]


def kind_of(word: str) -> str | None:
    return _table()["types"].get(word.lower().split(".", 1)[0])  # type: ignore[no-any-return]


# -- what the finding names -------------------------------------------------------------------

def target_of(action: Action, finding: Finding) -> KubeTarget | None:
    if finding.rule_id.startswith("http.kubernetes:"):
        return None  # placed by from_http, which needs a kubectl call to find the context
    try:
        words = shlex.split(finding.source)
    except ValueError:
        return None
    env = tuple((k, v) for w in words if "=" in w and not w.startswith("-")
                for k, _, v in [w.partition("=")] if k in ("KUBECONFIG",))
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1]
        if base in KUBECTL_NAMES:
            return _from_kubectl(words[i + 1:], env)
        if base in HELM_NAMES:
            return _from_helm(words[i + 1:], env)
    return None


def _passed(rest: list[str]) -> tuple[str, ...]:
    flags: list[str] = []
    for given, ours in _table()["pass_flags"].items():
        value = flag_value(rest, (given,))
        if value and ours not in flags:
            flags += [ours, value]
    return tuple(flags)


def _value_options(program: str) -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table

    return frozenset(load_table("shell_k8s")["program"][program]["value_options"])


def _from_kubectl(rest: list[str], env: tuple[tuple[str, str], ...]) -> KubeTarget | None:
    pos = positionals(rest, _value_options("kubectl"))
    if not pos or pos[0] != "delete" or len(pos) < 2:
        return None
    if any(w in rest for w in ("-A", "--all-namespaces", "-f", "--filename", "-k", "--kustomize", "-R")) \
            or any(w.startswith(("--filename=", "--kustomize=", "-f=")) for w in rest):
        return None
    flags, ns = _passed(rest), flag_value(rest, ("-n", "--namespace")) or ""
    cascade = (flag_value(rest, ("--cascade",)) or "background") not in ("orphan", "false")
    args = pos[1:]
    pairs: list[tuple[str, str]] = []
    if "/" in args[0]:
        pairs = [(t, n) for a in args for t, _, n in [a.partition("/")]]
    else:
        pairs = [(t, n) for t in args[0].split(",") for n in args[1:]] or [(t, "") for t in args[0].split(",")]
    spaces = tuple(n for t, n in pairs if kind_of(t) == "Namespace" and n)
    if spaces:
        return KubeTarget(flags, spaces, whole=True, env=env)
    selector = flag_value(rest, ("-l", "--selector"))
    if selector is not None or "--all" in rest:
        kinds = tuple(dict.fromkeys(k for t, _ in pairs if (k := kind_of(t))))
        parsed = _selector(selector) if selector is not None else None
        if not kinds or (selector is not None and parsed is None):
            return None
        return KubeTarget(flags, (ns,), kinds=kinds, selector=parsed, cascade=cascade, env=env)
    known = tuple((k, n) for t, n in pairs if n and (k := kind_of(t)))
    unknown = tuple(f"{t}/{n}" for t, n in pairs if n and not kind_of(t))
    if not known:
        return None
    return KubeTarget(flags, (ns,), objects=known, cascade=cascade, env=env, unknown=unknown)


def _from_helm(rest: list[str], env: tuple[tuple[str, str], ...]) -> KubeTarget | None:
    pos = positionals(rest, _value_options("helm"))
    if len(pos) < 2 or pos[0] not in ("uninstall", "delete", "del", "un"):
        return None
    ns = flag_value(rest, ("-n", "--namespace")) or ""
    return KubeTarget(_passed(rest), (ns,), release=pos[1], env=env)


def _selector(text: str) -> tuple[tuple[str, str], ...] | None:
    """An equality selector (`app=web,tier=db`); None for set-based ones blastwall does not evaluate."""
    out = []
    for part in text.split(","):
        key, sep, value = part.partition("==" if "==" in part else "=")
        if not sep or any(c in part for c in "!() ") or not key:
            return None
        out.append((key.strip(), value.strip()))
    return tuple(out)


def from_http(action: Action, finding: Finding, ctx: MeasureContext) -> KubeTarget | Radius | None:
    """The API request's namespace and objects, with the kubectl context whose cluster is that server."""
    url = action.payload.get("url", "") if isinstance(action.payload, dict) else ""
    parts = urlsplit(url if "://" in url else f"https://{finding.target}")
    segs = [s for s in parts.path.split("/") if s]
    skip = 2 if segs[:1] == ["api"] else 3
    rest = segs[skip:]
    if len(rest) < 2 or rest[0] != "namespaces":
        return None
    server = f"{parts.hostname}:{parts.port or 443}"
    context = _context_for(server, ctx)
    if isinstance(context, Radius):
        return context
    flags, ns = ("--context", context), rest[1]
    if len(rest) == 2:
        return KubeTarget(flags, (ns,), whole=True)
    kind = kind_of(rest[2])
    if kind is None:
        return None
    if len(rest) == 3:
        sel = parse_qs(parts.query).get("labelSelector", [None])[0]
        parsed = _selector(sel) if sel else None
        if sel and parsed is None:
            return None
        return KubeTarget(flags, (ns,), kinds=(kind,), selector=parsed)
    return KubeTarget(flags, (ns,), objects=((kind, rest[3]),))


def _context_for(server: str, ctx: MeasureContext) -> str | Radius:
    try:
        config = run_json(["kubectl", "config", "view", "-o", "json"], ctx, tool=SOURCE)
    except CliFailure as exc:
        return Radius.unmeasured(str(exc), SOURCE)
    clusters = {}
    for c in config.get("clusters") or []:
        u = urlsplit(str((c.get("cluster") or {}).get("server", "")))
        clusters[c.get("name")] = f"{u.hostname}:{u.port or 443}"
    for c in config.get("contexts") or []:
        if clusters.get((c.get("context") or {}).get("cluster")) == server:
            return str(c.get("name"))
    return Radius.unmeasured(f"no kubectl context here points at the API server {server}", SOURCE)


# -- measuring ---------------------------------------------------------------------------------

def measure(t: KubeTarget, ctx: MeasureContext) -> Radius:
    gone: list[dict[str, Any]] = []
    missing: list[str] = []
    try:
        for ns in t.namespaces:
            items = _list(t, ns, ctx)
            chosen, absent = _select(t, items)
            gone += chosen
            missing += absent
        pvs, pv_note = _bound_volumes(t, [i for i in gone if i.get("kind") == "PersistentVolumeClaim"], ctx)
    except CliFailure as exc:
        return Radius.unmeasured(str(exc), SOURCE)
    return _radius(t, gone, missing, pvs, pv_note)


def _list(t: KubeTarget, ns: str, ctx: MeasureContext) -> list[dict[str, Any]]:
    argv = ["kubectl", *t.flags, "get", ",".join(_table()["list"]), *(["-n", ns] if ns else []), "-o", "json",
            f"--request-timeout={max(1, int(ctx.left() * 1000))}ms"]
    data = run_json(argv, ctx, tool=SOURCE, env=dict(t.env))
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise CliFailure("kubectl did not print a list")
    return [i for i in items if isinstance(i, dict)]


def _meta(item: dict[str, Any], key: str) -> Any:
    return (item.get("metadata") or {}).get(key)


def _select(t: KubeTarget, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    if t.whole:
        return items, []
    missing: list[str] = []
    if t.objects:
        keyed = {(i.get("kind"), _meta(i, "name")): i for i in items}
        chosen = [keyed[o] for o in t.objects if o in keyed]
        missing = [f"{k} {n}" for k, n in t.objects if (k, n) not in keyed]
    elif t.release:
        ann = _table()["helm_release_annotation"]
        chosen = [i for i in items if (_meta(i, "annotations") or {}).get(ann) == t.release]
        if not chosen:
            missing = [f"helm release {t.release}"]
    else:
        chosen = [i for i in items if i.get("kind") in t.kinds
                  and (t.selector is None or all((_meta(i, "labels") or {}).get(k) == v for k, v in t.selector))]
    return chosen + _followers(t, chosen, items), missing


def _followers(t: KubeTarget, chosen: list[dict[str, Any]], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pods of the chosen workloads, and claims a stateful set deletes with itself."""
    if not t.cascade:
        return []
    have = {id(i) for i in chosen}
    out: list[dict[str, Any]] = []
    for w in chosen:
        if w.get("kind") not in _table()["workloads"]:
            continue
        spec = w.get("spec") or {}
        match = (spec.get("selector") or {}).get("matchLabels") or {}
        for i in items:
            if id(i) in have or i.get("kind") != "Pod" or not match:
                continue
            if _meta(i, "namespace") == _meta(w, "namespace") and all((_meta(i, "labels") or {}).get(k) == v for k, v in match.items()):
                out.append(i)
                have.add(id(i))
        if w.get("kind") == "StatefulSet" and (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted") == "Delete":
            prefixes = [f"{_meta(tpl, 'name')}-{_meta(w, 'name')}-" for tpl in spec.get("volumeClaimTemplates") or []]
            for i in items:
                name = str(_meta(i, "name") or "")
                if id(i) not in have and i.get("kind") == "PersistentVolumeClaim" and any(
                        name.startswith(p) and name[len(p):].isdigit() for p in prefixes):
                    out.append(i)
                    have.add(id(i))
    return out


def _bound_volumes(t: KubeTarget, claims: list[dict[str, Any]], ctx: MeasureContext) -> tuple[list[dict[str, Any]], str]:
    names = [v for c in claims if (v := (c.get("spec") or {}).get("volumeName"))]
    if not names:
        return [], ""
    argv = ["kubectl", *t.flags, "get", "persistentvolumes", *names, "-o", "json",
            f"--request-timeout={max(1, int(ctx.left() * 1000))}ms"]
    try:
        data = run_json(argv, ctx, tool=SOURCE, env=dict(t.env))
    except CliFailure as exc:
        return [], f"the bound volumes' reclaim policy is unknown ({exc})"
    items = data.get("items") if isinstance(data, dict) and data.get("kind") == "List" else [data]
    return [i for i in items or [] if isinstance(i, dict)], ""


_UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "Pi": 1024**5, "Ei": 1024**6,
          "k": 1000, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "P": 1000**5, "E": 1000**6}


def quantity(text: Any) -> int:
    """Bytes in a Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`); 0 when unreadable."""
    s = str(text or "").strip()
    for unit in sorted(_UNITS, key=len, reverse=True):
        if s.endswith(unit):
            s, mult = s[: -len(unit)], _UNITS[unit]
            break
    else:
        mult = 1
    try:
        return int(float(s) * mult)
    except ValueError:
        return 0


def _radius(t: KubeTarget, gone: list[dict[str, Any]], missing: list[str], pvs: list[dict[str, Any]], pv_note: str) -> Radius:
    keys: dict[str, str] = _table()["counts"]
    counts = {key: 0 for key in dict.fromkeys(keys.values())}
    for item in gone:
        key = keys.get(str(item.get("kind")))
        if key:
            counts[key] += 1
    counts = {k: v for k, v in counts.items() if v}
    counts["resources"] = len(gone)
    doomed = [pv for pv in pvs if (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete"]
    kept = [pv for pv in pvs if pv not in doomed]
    counts["volumes"] = len(doomed)
    counts["bytes"] = sum(quantity(((pv.get("spec") or {}).get("capacity") or {}).get("storage")) for pv in doomed)
    what = _what(t)
    parts = [plural(counts[k], *WORDS[k]) if k in WORDS else "" for k in keys.values() if counts.get(k)]
    listed = _join([p for p in dict.fromkeys(parts) if p]) or "nothing blastwall lists"
    summary = f"{what} takes {listed}"
    if doomed:
        summary += (f"; {plural(len(doomed), 'volume')} ({human(counts['bytes'])}) with reclaim policy Delete, "
                    "so their data goes with the claims")
    details = [f"{i.get('kind')} {_meta(i, 'namespace') or ''}/{_meta(i, 'name')}" for i in gone[:20]]
    details += [f"PersistentVolume {_meta(pv, 'name')}: reclaim policy "
                f"{(pv.get('spec') or {}).get('persistentVolumeReclaimPolicy', '?')}" for pv in pvs]
    details += [f"{m} does not exist" for m in missing]
    details += [f"{u} is deleted too; blastwall does not list that kind" for u in t.unknown]
    if pv_note:
        details.append(pv_note)
    if not t.cascade:
        details.append("--cascade=orphan: the workloads' pods are left running")
    irreplaceable: bool | None = True if doomed else None
    if not doomed and not pv_note and counts.get("pvcs") and len(kept) == counts["pvcs"]:
        details.append("every claim's volume is retained (reclaim policy Retain)")
    return Radius(True, summary, counts, irreplaceable=irreplaceable, source=SOURCE, details=tuple(details))


def _what(t: KubeTarget) -> str:
    ns = [n for n in t.namespaces if n]
    where = f" in namespace {ns[0]}" if ns and not t.whole else ""
    if t.whole:
        return f"deleting namespace{'s' if len(ns) > 1 else ''} {_join(ns)}"
    if t.release:
        return f"uninstalling helm release {t.release}{where}"
    if t.objects:
        return f"deleting {_join([f'{k.lower()} {n}' for k, n in t.objects])}{where}"
    sel = ",".join(f"{k}={v}" for k, v in t.selector) if t.selector else "--all"
    return f"deleting {_join([k.lower() for k in t.kinds])} ({sel}){where}"


def _join(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)
