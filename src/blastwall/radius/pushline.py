"""What a `git push` command line pushes, read the way git reads it, or why that cannot be told.

    git push --force-with-lease origin feat/x        ->  Push("origin", ["feat/x"], lease)
    git push --force-with-lease                      ->  the current branch to its push target (@{push})
    git push --force-with-lease origin HEAD          ->  HEAD to the current branch's name
    git -c remote.origin.url=X push ...              ->  "git options before push ..." (not measured)

A force push is measured only when where it goes is certain. These are left to a human, with
the reason: a delete (`:dst`, `--delete`, `--prune`), every ref at once (`--all`, `--mirror`,
`--tags`), a destination that is not a branch of the remote (`refs/tags/...`, `heads/main`,
a name a local tag holds), git options or environment that change the repository or its settings
(`-c`, `--git-dir`, `GIT_*=`, `HOME=`), a remote that is not one of this clone's (a URL), and
configuration that maps or mirrors what is pushed (`remote.<name>.push`, `.mirror`, `.pushurl`,
`push.default = matching`).
"""

from __future__ import annotations

import re
import shlex
from typing import NamedTuple

from blastwall.radius.base import MeasureContext
from blastwall.radius.files import git

# Options of `git push` that take a value in the next word (unless given as --opt=value).
VALUE_OPTIONS = frozenset({"--repo", "--receive-pack", "--exec", "-o", "--push-option"})
# Options that push or delete more than the refspecs name.
WIDE = {"--all": "it pushes every branch", "--branches": "it pushes every branch", "--mirror": "it mirrors every ref",
        "--tags": "it pushes every tag", "--prune": "it deletes remote branches this clone does not have",
        "--delete": "it deletes the branches it names on the remote", "-d": "it deletes the branches it names on the remote"}
# git options before `push` that change neither the repository nor its settings (`-C` is followed).
QUIET_GIT_OPTIONS = frozenset({"--no-pager", "-p", "--paginate", "-P", "--no-optional-locks", "--no-replace-objects"})
# Variables that give git another repository or other settings when set on the line.
_ENV = re.compile(r"(?:^|[\s;&|(`])(?:export\s+|env\s+)?(GIT_[A-Z0-9_]*|HOME|XDG_CONFIG_HOME)=")


class Push(NamedTuple):
    remote: str
    specs: list[str]  # as written (`+HEAD:feat/x`), or `HEAD:<branch>` for git's own choice
    args: list[str]  # the words after `push`, for the lease


class Unknown(NamedTuple):
    why: str


def read_push(repo: str, line: str, source: str, ctx: MeasureContext) -> Push | Unknown:
    """Where `source` (one `git ... push ...` command of `line`) pushes, from inside `repo`."""
    if _ENV.search(line):
        return Unknown("the line sets git's environment (GIT_*, HOME): where it pushes is not what this clone says")
    try:
        argv = shlex.split(source)
    except ValueError:
        return Unknown("the command line cannot be read")
    if "push" not in argv:
        return Unknown("no git push found")
    at = argv.index("push")
    before = argv[argv.index("git") + 1 if "git" in argv[:at] else 0:at]
    i = 0
    while i < len(before):
        if before[i] == "-C":
            i += 2
            continue
        if before[i] not in QUIET_GIT_OPTIONS:
            return Unknown(f"git {before[i]} before push changes which repository or settings it uses")
        i += 1
    args = argv[at + 1:]
    remote, specs, why = _positionals(args)
    if why:
        return Unknown(why)
    config = _config(repo, ctx)
    if not remote:
        upstream = git(repo, "rev-parse", "--abbrev-ref", "@{push}", ctx=ctx, check=False).strip()
        if "/" not in upstream:
            return Unknown("the branch pushed to is not known (no upstream)")
        remote = next((r for r in _remotes(config) if upstream.startswith(r + "/")), "")
        if not remote:
            return Unknown(f"the push target {upstream} is not on a remote of this clone")
    if f"remote.{remote}.url" not in config:
        return Unknown(f"{remote} is not a remote of this clone: its default branch and protections are not known here")
    for key, why in ((f"remote.{remote}.push", f"remote.{remote}.push maps what is pushed to other branches"),
                     (f"remote.{remote}.pushurl", f"{remote} pushes to another URL than the one it fetches from"),
                     (f"remote.{remote}.mirror", f"{remote} is a mirror: every ref is pushed")):
        if key in config and not (key.endswith(".mirror") and config[key][-1].lower() in ("false", "no", "off", "0")):
            return Unknown(why)
    if not specs:
        default = (config.get("push.default") or ["simple"])[-1].lower()
        if default in ("matching", "nothing"):
            return Unknown(f"push.default = {default}: which branches it pushes is not one branch")
        branch = _push_branch(repo, remote, ctx) if default in ("simple", "upstream", "tracking") else ""
        branch = branch or current_branch(repo, ctx)
        if not branch:
            return Unknown("HEAD is detached: no branch to push")
        specs = [f"HEAD:{branch}"]
    return Push(remote, specs, args)


def _positionals(args: list[str]) -> tuple[str, list[str], str]:
    """The remote, the refspecs, and why the push reaches more than they name ("" when it does not)."""
    words: list[str] = []
    repo_option = ""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            words.extend(args[i + 1:])
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if name in WIDE:
                return "", [], WIDE[name]
            if name in VALUE_OPTIONS and not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if name == "--repo":
                repo_option = value
        elif a.startswith("-") and a != "-":
            for j, c in enumerate(a[1:], 1):
                if f"-{c}" in WIDE:
                    return "", [], WIDE[f"-{c}"]
                if f"-{c}" in VALUE_OPTIONS:
                    i += 0 if a[j + 1:] else 1
                    break
        else:
            words.append(a)
        i += 1
    remote = words[0] if words else repo_option
    specs = words[1:] if words else []
    for spec in specs:
        if spec.lstrip("+").startswith(":") or spec.lstrip("+") == "":
            return "", [], "it deletes the branch it names on the remote"
        if "*" in spec:
            return "", [], "a pattern refspec pushes every branch it matches"
    return remote, specs, ""


def _config(repo: str, ctx: MeasureContext) -> dict[str, list[str]]:
    """Every setting git reads in `repo` (its names as `git config --list` spells them: section and
    key in lowercase, the remote's name as written) -> its values, last one last."""
    out: dict[str, list[str]] = {}
    for entry in git(repo, "config", "-z", "--list", ctx=ctx, check=False).split("\0"):
        key, _, value = entry.partition("\n")
        if key:
            out.setdefault(key, []).append(value)
    return out


def _remotes(config: dict[str, list[str]]) -> list[str]:
    names = [k[len("remote."):-len(".url")] for k in config if k.startswith("remote.") and k.endswith(".url")]
    return sorted(names, key=len, reverse=True)  # `a/b` before `a`


def _push_branch(repo: str, remote: str, ctx: MeasureContext) -> str:
    """The branch git pushes the current one to on `remote` (its @{push}), "" when elsewhere."""
    upstream = git(repo, "rev-parse", "--abbrev-ref", "@{push}", ctx=ctx, check=False).strip()
    return upstream[len(remote) + 1:] if upstream.startswith(remote + "/") else ""


def current_branch(repo: str, ctx: MeasureContext) -> str:
    return git(repo, "symbolic-ref", "-q", "--short", "HEAD", ctx=ctx, check=False).strip()


def destination(repo: str, remote: str, spec: str, ctx: MeasureContext) -> tuple[str, str, str]:
    """A refspec's source, the remote branch it updates, and why that is not certain ("")."""
    src, colon, dst = spec.lstrip("+").partition(":")
    if not colon:
        dst = src
    if dst in ("HEAD", "@"):
        if colon:
            return src, "", "the destination HEAD is not a branch name"
        dst = current_branch(repo, ctx)
        if not dst:
            return src, "", "HEAD is detached: no branch of that name to push to"
    if dst.startswith("refs/heads/"):
        return src, dst.removeprefix("refs/heads/"), ""
    if dst.startswith(("refs/", "heads/", "tags/", "remotes/")):
        return src, "", f"{dst} is not spelled as a branch of {remote} (refs/heads/NAME or NAME)"
    tag = git(repo, "rev-parse", "-q", "--verify", f"refs/tags/{dst}", ctx=ctx, check=False).strip()
    if tag:
        return src, "", f"{dst} is also a tag here: git may update the tag of that name on {remote}"
    return src, dst, ""
