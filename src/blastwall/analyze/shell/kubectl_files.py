"""`kubectl apply|create|replace -f FILE` (and `-f -` on stdin): the manifest's objects, judged by
analyze/k8s_manifests.py as the MCP door judges a manifest a Kubernetes tool applies.

    kubectl apply -f gone.yaml      (gone.yaml holds `$patch: delete`)   -> kube.manifest:patch-delete
    kubectl replace -f pvc.yaml     (a PersistentVolumeClaim)            -> kube.manifest:replace-data
    kubectl apply -f deploy.yaml    (an ordinary Deployment)             -> the rule tables alone

A file blastwall cannot read here (a URL, a folder, no working directory) leaves the command to
the rule tables, as before; what the manifest says is added to what they find.
"""

from __future__ import annotations

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.handlers import register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.model import Finding

_PROGRAMS = ("kubectl", "oc", "kubecolor")
_WRITES = frozenset({"apply", "create", "replace"})
_FILE_OPTIONS = ("-f", "--filename")
_GLOBAL_VALUE_OPTIONS = frozenset({"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s",
                                   "--server", "--token", "--as", "--as-group", "--request-timeout",
                                   "--certificate-authority", "--client-certificate", "--client-key"})
# Options whose value is a piece of an object, per verb.
_FRAGMENT_OPTIONS = {"patch": ("-p", "--patch"), "run": ("--overrides",)}


def handle_kubectl(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    words = [w.text for w in argv[1:]]
    verb = _verb(words)
    if verb in _FRAGMENT_OPTIONS and not any(w.startswith("--dry-run") and w != "--dry-run=none" for w in words):
        return _fragments(name, verb, argv, cmd, scope)
    if verb not in _WRITES or any(w.startswith("--dry-run") and w != "--dry-run=none" for w in words):
        return None
    replaces = verb == "replace" or "--force" in words
    from blastwall.analyze.k8s_manifests import manifest_findings

    found: list[Finding] = []
    for text in _manifests(argv, cmd, scope):
        found += manifest_findings(text, replaces=replaces, source=cmd.source, scope=scope)
    if not found:
        return None
    from blastwall.analyze.shell.programs import match

    return found + match(name, argv, source=cmd.source)


def _verb(words: list[str]) -> str | None:
    """kubectl's verb: the first word that is neither an option nor a global option's value (`-n prod`)."""
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w in _GLOBAL_VALUE_OPTIONS:
            skip = True
        elif not w.startswith("-"):
            return w
    return None


def _fragments(name: str, verb: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`kubectl patch ... -p '{...}'`, `kubectl run --overrides='{...}'`: the containers' commands the
    piece of object names (analyze/k8s_commands.py), beside what the rule tables find."""
    options = _FRAGMENT_OPTIONS[verb]
    texts: list[str] = []
    for i, w in enumerate(argv[1:], 1):
        name_, eq, value = w.text.partition("=")
        if name_ in options and eq:
            texts.append(value)
        elif w.text in options and i + 1 < len(argv):
            texts.append(argv[i + 1].text)
    if not texts:
        return None
    from blastwall.analyze.k8s_commands import fragment_findings

    kind = "Pod" if verb == "run" else "object"
    found = [f for t in texts for f in fragment_findings(t, scope, cmd.source, kind)]
    if not found:
        return None
    from blastwall.analyze.shell.programs import match

    return found + match(name, argv, source=cmd.source)


def _manifests(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[str]:
    """The texts of the files `-f` names that can be read here (`-` is stdin)."""
    from blastwall.analyze.shell.stdin import stdin_of
    from blastwall.analyze.shell.tree_changes import read_as_run

    out: list[str] = []
    for i, w in enumerate(argv[1:], 1):
        value: Word | None = None
        if w.text in _FILE_OPTIONS:  # the parser keeps no word for `-` (stdin) of a command fed one
            after = argv[i + 1] if i + 1 < len(argv) else None
            value = after if after is not None and not after.text.startswith("--") and after.text[:1] != "-" or \
                after is not None and after.text == "-" else Word.lit("-")
        elif w.text.startswith(("--filename=", "-f=")):
            value = Word(w.text.split("=", 1)[1], dynamic=w.dynamic)
        elif w.text.startswith("-f") and len(w.text) > 2 and not w.text.startswith("--"):
            value = Word(w.text[2:], dynamic=w.dynamic)
        if value is None or value.dynamic:
            continue
        text = stdin_of(cmd, scope) if value.text == "-" else read_as_run(value.text, scope)
        if text:
            out.append(text)
    return out


register(list(_PROGRAMS), handle_kubectl)
