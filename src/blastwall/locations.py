"""Where blastwall keeps its own files (all outside any project, all guarded from agent writes).

- config: `$XDG_CONFIG_HOME/blastwall` (default `~/.config/blastwall`): user policy, trust
  records, approver keys (`keys/`).
- state:  `$XDG_STATE_HOME/blastwall` (default `~/.local/state/blastwall`): the embedded SQLite
  store (`blastwall.db`) holding approval requests, grants and the audit log.

`BLASTWALL_DATABASE_URL` (a `postgresql://` URL or `sqlite:///path`) replaces the embedded store.

The home folder is the one the environment names (`$HOME`) and the user's passwd entry, never
guessed from a prefix such as `/home/`: `home_dirs()` gives both, as written and with symlinks
resolved. `installation()` lists, at run time, the places whose change changes the code that runs
for blastwall and its hooks (its interpreter, site-packages, package, console script) and its
own state; the file analyzer denies writes to them wherever they live.
"""

from __future__ import annotations

import functools
import os
import sys

from blastwall.memo import once

DATABASE_URL_VAR = "BLASTWALL_DATABASE_URL"


def config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "blastwall")


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "blastwall")


def keys_dir() -> str:
    return os.path.join(config_dir(), "keys")


def default_database_url() -> str:
    return os.environ.get(DATABASE_URL_VAR) or "sqlite:///" + os.path.join(state_dir(), "blastwall.db")


def private_dir(path: str) -> str:
    """Create `path` (and parents) with 0700 permissions if missing; returns it."""
    parent = os.path.dirname(path.rstrip(os.sep))
    if parent and not os.path.isdir(parent) and parent.endswith("blastwall"):
        os.makedirs(parent, mode=0o700, exist_ok=True)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def home_dirs() -> tuple[str, ...]:
    """The user's home folder as `$HOME` names it and as the passwd entry names it, each also
    with symlinks and `..` resolved; no duplicates, longest first. Read once per check
    (blastwall.memo): a check asks for it many times."""
    return once("locations.home_dirs", _current_home_dirs)


def _current_home_dirs() -> tuple[str, ...]:
    return _home_dirs(os.environ.get("HOME") or "")


@functools.lru_cache(maxsize=4)
def _home_dirs(named: str) -> tuple[str, ...]:
    try:
        import pwd

        entry = pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, OSError):
        entry = ""
    found: list[str] = []
    for home in (named, entry):
        if home and home.startswith("/"):
            for variant in (os.path.normpath(home), _real(home)):
                if variant != "/" and variant not in found:
                    found.append(variant)
    return tuple(sorted(found, key=len, reverse=True))


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.normpath(path)


def _sqlite_path() -> str:
    url = default_database_url()
    rest = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    return "/" + rest.lstrip("/") if rest.startswith("/") else ""


_INSTALL_VARS = ("HOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "BLASTWALL_POLICY", DATABASE_URL_VAR, "XDG_CONFIG_HOME",
                 "XDG_STATE_HOME")


def installation() -> tuple[tuple[str, str], ...]:
    """(path, what it is) for every place blastwall runs from or keeps its state, found at run
    time, as written and with symlinks resolved. A write inside any of them can change the code
    that runs for blastwall or an agent's hook, or blastwall's record of what happened. Read
    once per check (blastwall.memo)."""
    return once("locations.installation", _current_installation)


def _current_installation() -> tuple[tuple[str, str], ...]:
    return _installation(tuple(os.environ.get(k, "") for k in _INSTALL_VARS))


@functools.lru_cache(maxsize=4)
def _installation(_env: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    import site
    import sysconfig

    import blastwall

    out: list[tuple[str, str]] = []

    def add(path: str | None, label: str) -> None:
        if path and path.startswith("/"):
            for variant in (os.path.normpath(path), _real(path)):
                if variant != "/" and all(variant != p for p, _ in out):
                    out.append((variant, label))

    add(os.path.dirname(os.path.abspath(blastwall.__file__)), "blastwall's own package")
    if sys.prefix != sys.base_prefix:  # a virtualenv: all of it is blastwall's
        add(sys.prefix, "the virtualenv blastwall runs from")
    venv = _venv_of(sys.executable)  # also when started with -S, where sys.prefix does not say
    if venv:
        add(venv, "the virtualenv blastwall runs from")
        add(os.path.join(venv, "bin", "blastwall"), "blastwall's console script")
    sites = list(getattr(site, "getsitepackages", list)())
    try:
        sites.append(site.getusersitepackages())
    except (AttributeError, OSError):
        pass
    sites += [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    for path in sites:
        add(path, "the site-packages of blastwall's interpreter")
    for key in ("stdlib", "platstdlib"):
        add(sysconfig.get_path(key), "the standard library of blastwall's interpreter")
    add(sys.executable, "blastwall's interpreter")
    scripts = sysconfig.get_path("scripts")
    add(os.path.join(scripts, "blastwall"), "blastwall's console script")
    if sys.argv and os.path.basename(sys.argv[0]).startswith("blastwall"):
        add(os.path.abspath(sys.argv[0]), "blastwall's console script")
    add(os.environ.get("PYTHONSTARTUP"), "the PYTHONSTARTUP file, which runs in every interactive interpreter")
    add(config_dir(), "blastwall's configuration")
    add(state_dir(), "blastwall's state")
    add(os.environ.get("BLASTWALL_POLICY"), "blastwall's policy file")
    add(_sqlite_path(), "blastwall's store")
    return tuple(out)


def _venv_of(executable: str) -> str | None:
    """The virtualenv whose interpreter `executable` is (its folder holds `pyvenv.cfg`), or None."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(executable)))
    return root if root != "/" and os.path.isfile(os.path.join(root, "pyvenv.cfg")) else None


def inside(path: str, root: str) -> bool:
    """True when `path` is `root` or inside it (both absolute and normalized)."""
    return path == root or path.startswith(root.rstrip("/") + "/")
