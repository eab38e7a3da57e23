"""Classify filesystem paths (`rules/paths.toml`) and rate deleting or overwriting them.

`classify("rm target", cwd)` answers which kind of place a path is: the root, a device, a
system or home folder, a temp folder, regenerable build output, a secret, data, history
(migrations, .git), the project, or something blastwall cannot resolve (`dynamic`).
"""

from __future__ import annotations

import functools
import posixpath
from typing import Any, Literal, NamedTuple

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.ruleset import load_table
from blastwall.model import Severity

Operation = Literal["delete", "delete_recursive", "overwrite", "wipe"]
_VAR = rx.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


_WINDOWS_DRIVE = rx.compile(r"^[A-Za-z]:(?:[\\/]|$)")
_WINDOWS_HOME = rx.compile(r"^%(?:USERPROFILE|HOMEPATH|HOME)%", rx.I)


def posix_form(path: str) -> str:
    """A Windows path as the POSIX path it would be classified as: `C:\\Users\\ana\\x` -> /Users/ana/x
    (a home folder), `D:\\data` -> /data, `\\\\server\\share\\x` -> /server/share/x, `%USERPROFILE%\\x` -> ~/x.
    Another machine's absolute path is never a file of this project."""
    if path[1:2] == ":" and _WINDOWS_DRIVE.match(path):  # the pattern's own second character, tested first
        rest = path[2:].replace("\\", "/")
        return rest if rest.startswith("/") else "/" + rest
    if path.startswith("\\\\"):
        return "/" + path.lstrip("\\").replace("\\", "/")
    home = _WINDOWS_HOME.match(path) if path[:1] == "%" else None
    if home:
        return "~" + path[home.end():].replace("\\", "/")
    return path


class PathClass(NamedTuple):
    kind: str
    path: str

    def severity(self, op: Operation) -> Severity:
        return Severity.parse(_table()["kinds"][self.kind][op])

    @property
    def label(self) -> str:
        return _LABELS.get(self.kind, self.kind)


_LABELS = {
    "null": "a null device",
    "device": "a block device",
    "root": "the root filesystem",
    "system_top": "a top-level system directory",
    "system": "a path outside the project",
    "home_top": "the home directory",
    "home": "a path in the home directory",
    "temp": "a temporary path",
    "temp_top": "the shared temp directory",
    "regenerable": "regenerable build output or cache",
    "secret": "a secret or credential file",
    "data": "a data file or directory",
    "history": "history (migrations or .git internals)",
    "project_top": "the whole project directory",
    "project": "a project file",
    "project_glob": "project files chosen by a glob",
    "parent": "a path outside the project (..)",
    "tracked": "files tracked by git",
    "dynamic": "a path that depends on an unresolved variable",
    "new_file": "a new name stamped with the current date",
}


@functools.cache
def _table() -> dict[str, Any]:
    return load_table("paths")


def _match_any(name: str, patterns: list[str]) -> bool:
    return globs.matcher(tuple(patterns))(name)  # one cached predicate per table list


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c not in ("", ".")]


@functools.lru_cache(maxsize=4096)
def _content_kind(rel: str) -> str | None:
    """Secret, history, data or regenerable, judged from the path's own components (from the
    table alone: remembered)."""
    t = _table()
    parts = _components(rel)
    if not parts:
        return None
    base = parts[-1]
    joined = "/".join(parts)
    sec = t["secret"]
    if not _match_any(base, sec["not_globs"]) and (base in sec["names"] or _match_any(base, sec["globs"])):
        return "secret"
    if any(joined == d or joined.startswith(d + "/") or f"/{d}/" in f"/{joined}/" for d in sec["dirs"]):
        return "secret"
    if any(f"/{d}/" in f"/{joined}/" for d in t["history"]["dirs"]):
        return "history"
    regen = t["regenerable"]
    if any("/" in d and f"/{d}/" in f"/{joined}/" for d in regen["names"]):
        return "regenerable"  # a tool's own cache folder inside a data folder (`storage/framework/cache`)
    data = t["data"]
    stem, dot, suffix = base.rpartition(".")
    if dot and suffix in regen.get("copy_suffixes", ()) and stem in regen["names"] and not any(
            p in data["dirs"] for p in parts):
        return "regenerable"  # `.terraform.lock.hcl.bak`: a copy of what the tool writes again
    if _match_any(base, data["globs"]) or any(p in data["dirs"] for p in parts):
        return "data"
    if any(p in regen["names"] for p in parts) or _match_any(base, regen["globs"]) or _rotated(base, regen):
        return "regenerable"
    return None


def _rotated(base: str, regen: dict[str, Any]) -> bool:
    """`npm-debug.log*`: a regenerable file name with an extension and a `rotated_globs` tail."""
    if base[-1:] != "*":
        return False
    for tail in regen.get("rotated_globs", ()):
        name = base[:-len(tail)] if base.endswith(tail) else ""
        if "." in name[1:] and name in regen["names"] and not any(ch in name for ch in "*?[]"):
            return True
    return False


def content_kind(rel: str) -> str | None:
    """What a relative path's own components say it holds: "secret", "history", "data",
    "regenerable" or None."""
    return _content_kind(rel)


def presumed_there(name: str) -> bool:
    """Whether a file named `name` is taken to be there without looking: a name that says what
    the file holds (a credential, data, history). A secret's name counts only when it is one every
    user of a tool has (`id_ed25519`, `authorized_keys`, `.env`, `id_rsa.pub`): a key pair named after
    one with a name of its own (`id_ed25519_ci_2024`, `id_rsa-deploy`) is looked for."""
    kind = _content_kind(name)
    if kind != "secret":
        return kind is not None
    sec = _table()["secret"]
    base = _components(name)[-1]
    return base in sec["names"] or not any(base.startswith(n) and base[len(n):len(n) + 1] in ("_", "-")
                                           for n in sec["names"])


def classify(path: str, cwd: str | None = None) -> PathClass:
    """Classify one path as written in a command (variables and `~` unexpanded)."""
    t = _table()
    sysinfo = t["system"]
    raw = posix_form(path.strip())
    if raw in ("", "''", '""'):
        return PathClass("dynamic", path)
    if _match_any(raw, sysinfo["null"]):
        return PathClass("null", path)
    if _match_any(raw, sysinfo["devices"]):
        return PathClass("device", path)

    # Leading variables and ~
    m = _VAR.match(raw) if raw[:1] == "$" else None
    if raw == "~" or raw.startswith("~/") or (m and m.group(1) in sysinfo["home_vars"]):
        rest = raw[1:] if raw.startswith("~") else raw[m.end():] if m else ""
        return _in_home(rest, path)
    if raw[:1] == "~" and rx.match(r"^~[A-Za-z_]", raw):  # ~user
        return _in_home(raw.split("/", 1)[1] if "/" in raw else "", path)
    if m and m.group(1) in sysinfo["temp_vars"]:
        rest = raw[m.end():]
        return PathClass("temp" if _components(rest) else "temp_top", path)
    if m and m.group(1) in sysinfo["project_vars"]:
        return _in_project(raw[m.end():].lstrip("/"), path)
    if "$" in raw and "`" not in raw:
        numbered = _numbers(raw, (*sysinfo.get("number_vars", ()), *sysinfo.get("name_vars", ())))
        if numbered != raw and "$" not in numbered:
            return PathClass(classify(numbered, cwd).kind, path)  # `/tmp/x-$$`: a number there
    if "$" in raw or "`" in raw:
        return PathClass("dynamic", path)

    if raw.startswith("/"):
        norm = posixpath.normpath(raw)
        if norm == "/" or rx.fullmatch(r"/[*?]+", norm):
            return PathClass("root", path)
        if cwd and cwd != "/" and (norm == cwd or norm.startswith(cwd.rstrip("/") + "/")):
            return _in_project(norm[len(cwd.rstrip("/")):].lstrip("/"), path)
        home_end = _home_end(norm)
        if home_end:  # the real home folder, wherever it is (also under /tmp)
            return _in_home(norm[home_end:], path)
        for tmp in sysinfo["temp"]:
            if norm == tmp or globs.match(norm, tmp + "/[*]") or norm == tmp + "/*":
                return PathClass("temp_top", path)
            if norm.startswith(tmp + "/"):
                work = _work_tree(norm, tmp)
                if work:  # the most specific class wins: a repository under /tmp holds project data
                    return _in_project(norm[len(work):].lstrip("/"), path)
                return PathClass("temp", path)
        # a home folder, also as Git Bash, MSYS, Cygwin and WSL spell Windows' (`/c/Users/dana`)
        home = rx.match(r"^(/home/[^/]+|/Users/[^/]+|/root|/(?:mnt/|cygdrive/)?[a-zA-Z]/Users/[^/]+)(/.*)?$", norm)
        if home:
            return _in_home(home.group(2) or "", path)
        top = "/" + _components(norm)[0] if _components(norm) else "/"
        if norm in sysinfo["top"] or (norm.endswith("/*") and norm[:-2] in sysinfo["top"]):
            return PathClass("system_top", path)
        if any(norm == c or norm.startswith(c + "/") for c in sysinfo["package_caches"]):
            return PathClass("regenerable", path)  # `rm -rf /var/cache/apt/archives/*.deb`: apt fetches them again
        kind = _content_kind(norm)
        if kind in ("secret", "data", "history"):
            return PathClass("system" if top in sysinfo["top"] else kind, path)
        return PathClass("system", path)
    return _in_project(raw, path)


def _numbers(raw: str, names: tuple[str, ...]) -> str:
    """`raw` with each variable bash always sets to a number (`$$`, `$RANDOM`, `${PPID}`) written as
    the number 0, so the path around it can be placed; other variables are left as they are."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] != "$" or i + 1 == len(raw):
            out.append(raw[i])
            i += 1
            continue
        if raw[i + 1] == "$":
            name, end = "$", i + 2
        elif raw[i + 1] == "{":
            close = raw.find("}", i + 2)
            name, end = (raw[i + 2:close], close + 1) if close > 0 else ("", i + 1)
        else:
            end = i + 1
            while end < len(raw) and (raw[end].isalnum() or raw[end] == "_"):
                end += 1
            name = raw[i + 1:end]
        if name and name in names:
            out.append("0")
            i = end
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def _home_end(norm: str) -> int:
    """Where the user's home folder ends in `norm` (0 when it is not in it): the folder `$HOME`
    and the passwd entry name, as written and with symlinks resolved (locations.home_dirs)."""
    from blastwall.locations import home_dirs, inside

    for home in home_dirs():
        if inside(norm, home):
            return len(home)
    return 0


def _work_tree(norm: str, tmp: str) -> str:
    """The git work tree under the temp folder `tmp` that holds `norm`, or ""."""
    import os

    folder = norm
    while folder.startswith(tmp + "/"):
        try:
            if os.path.lexists(folder + "/.git"):
                return folder
        except (OSError, ValueError):
            return ""
        folder = posixpath.dirname(folder)
    return ""


def _in_home(rest: str, original: str) -> PathClass:
    parts = _components(posixpath.normpath(rest)) if ".." in rest else _components(rest)
    if not parts or parts == ["*"] or parts == [".*"]:
        return PathClass("home_top", original)
    if parts[0] == "..":
        return PathClass("home", original)  # `~/..`: another user's home, or the folder of homes
    kind = _content_kind("/".join(parts))
    if "/".join(parts) in _table()["system"].get("home_temp", ()):
        return PathClass("temp_top", original)
    if kind == "regenerable" and len(parts) > 1 or kind is None and _home_cache(tuple(parts)):
        return PathClass("regenerable", original)
    return PathClass("home", original)


def _home_cache(parts: tuple[str, ...]) -> bool:
    """Below one of the per-user caches of [system] home_caches (`AppData/Local/Temp/x`)."""
    for pattern in _table()["system"].get("home_caches", ()):
        want = pattern.split("/")
        if len(parts) > len(want) and all(globs.match(p, w) for p, w in zip(parts, want, strict=False)):
            return True
    return False


def _in_project(rel: str, original: str) -> PathClass:
    norm = posixpath.normpath(rel) if rel else "."
    if norm == ".." or norm.startswith("../"):
        return PathClass("parent", original)
    parts = _components(norm)
    if not parts or parts in (["*"], [".*"], ["**"]):
        return PathClass("project_top", original)
    kind = _content_kind(norm)
    if kind:
        return PathClass(kind, original)
    if any(ch in norm for ch in "*?["):
        return PathClass("project_glob", original)
    return PathClass("project", original)


def is_regenerable_pattern(pattern: str) -> bool:
    """True when a name pattern (as in `find -name PATTERN`) only selects regenerable files; a
    bracket class counts when each of its spellings does (`*.py[co]`: `*.pyc` and `*.pyo`)."""
    spellings = _class_spellings(pattern)
    if spellings is None:
        return False
    regen = _table()["regenerable"]
    return all(p in regen["names"] or _match_any(p, regen["globs"]) or any(
        globs.match(p, g) or p == g for g in regen["globs"]) for p in spellings)


def is_regenerable_anywhere(pattern: str) -> bool:
    """True when a name pattern selects only output that tools make again wherever it is found
    (`node_modules`, `__pycache__`, `*.pyc`), even below a home or system folder: names too common
    for anything else (`build`, `logs`, `tmp`) are not."""
    anywhere = _table()["regenerable"].get("anywhere", [])
    spellings = _class_spellings(pattern)
    return spellings is not None and all(p in anywhere or any(globs.match(p, g) or p == g for g in anywhere
                                                                if "*" in g) for p in spellings)


_MAX_SPELLINGS = 16


def _class_spellings(pattern: str) -> list[str] | None:
    """`*.py[co]` -> [`*.pyc`, `*.pyo`]; a pattern without a class is its own spelling; None for a
    negated class (`[!x]`), an unclosed one or too many spellings."""
    out = [""]
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c != "[":
            out = [o + c for o in out]
            i += 1
            continue
        end = pattern.find("]", i + 2)
        body = pattern[i + 1:end]
        if end < 0 or body[:1] in ("!", "^"):
            return None
        chars: list[str] = []
        k = 0
        while k < len(body):
            if k + 2 < len(body) and body[k + 1] == "-":
                chars.extend(chr(x) for x in range(ord(body[k]), ord(body[k + 2]) + 1))
                k += 3
            else:
                chars.append(body[k])
                k += 1
        out = [o + ch for o in out for ch in dict.fromkeys(chars)]
        if len(out) > _MAX_SPELLINGS:
            return None
        i = end + 1
    return out


def migration_presumed_new(path: str) -> bool:
    """A migration file (history, not repository internals) that is not its project's first:
    when blastwall cannot check whether it exists, writing it is taken to create it."""
    hist = _table()["history"]
    parts = _components(path.replace("\\", "/"))
    at = next((i for i in range(len(parts)) for d in hist["dirs"]
               if "/".join(parts[i:i + d.count("/") + 1]) == d), None)
    if at is None or any(p in hist["internals"] for p in parts):
        return False
    after = parts[at + 1:]
    return bool(after) and not any(_match_any(p.casefold(), [g.casefold() for g in hist["first_migration"]])
                                   for p in after)


def is_template(path: str) -> bool:
    """True for example/template files (`.env.example`, `config.sample.yml`)."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    return _match_any(base, _table()["secret"]["not_globs"]) or any(
        part in ("example", "sample", "template", "dist") for part in base.lower().split(".")[1:]
    )


def classify_in(path: str, scope: Any) -> PathClass:
    """Classify a path as seen from the directory a command runs in (after `cd`)."""
    base = getattr(scope, "shell_dir", None)
    raw = path.strip()
    if base and raw and not raw.startswith(("/", "~", "$")):
        joined = posixpath.normpath(posixpath.join(base, raw))
        return PathClass(classify(joined, scope.cwd).kind, path)
    return classify(path, scope.cwd)
