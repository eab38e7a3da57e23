"""Where the daemon's socket lives, and whether it can be trusted (standard library only).

User-level mode: one daemon per user and per blastwall configuration, in a private folder:
`$XDG_RUNTIME_DIR/blastwall/` when that is the user's own, otherwise `/tmp/blastwall-<uid>/`.
The folder must be a real directory (not a symlink) owned by the user with mode 0700; anything
else (another user planted it, loose permissions) makes it unusable and the hook checks
in-process. Its files are named by a key over the interpreter, blastwall's package and the
environment variables that choose blastwall's files (`BLASTWALL_*`, `HOME`, `XDG_*`), so a
different configuration never gets another one's verdicts.

System mode (`blastwall install --system`): the daemon runs as the service user and listens on
`/run/blastwall/hook.sock`; `/etc/blastwall/system.toml` (root's) says so, and the client then
ignores the environment, which the agent can influence.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - the hook client imports only the cheapest modules
    from collections.abc import Mapping

SYSTEM_CONFIG = "/etc/blastwall/system.toml"
SYSTEM_RUN_DIR = "/run/blastwall"
SYSTEM_SOCKET = os.path.join(SYSTEM_RUN_DIR, "hook.sock")
MODE_VAR = "BLASTWALL_DAEMON"  # user-level mode only: "off" checks in-process, never starts a daemon
_KEY_PREFIXES = ("BLASTWALL_", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
_NOT_KEYED = ("BLASTWALL_ENVIRONMENT", "BLASTWALL_DAEMON", "BLASTWALL_DAEMON_IDLE", "BLASTWALL_DEBUG",
              "BLASTWALL_HOOK_FALLBACK")  # also in hookc.c
_MAX_SUN_PATH = 103  # sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS (with its NUL)


class Place(tuple):
    """The files of one daemon: folder, socket, lock, log, system (a plain tuple class:
    NamedTuple would import typing on the hook's hot path)."""

    __slots__ = ()

    def __new__(cls, folder: str, socket: str, lock: str, log: str, system: bool = False) -> Place:
        return tuple.__new__(cls, (folder, socket, lock, log, system))

    folder = property(lambda self: self[0])
    socket = property(lambda self: self[1])
    lock = property(lambda self: self[2])
    log = property(lambda self: self[3])
    system = property(lambda self: self[4])


def system_mode() -> bool:
    """True when root installed blastwall system-wide (the file is root's; an agent cannot make it)."""
    try:
        st = os.lstat(SYSTEM_CONFIG)
    except OSError:
        return False
    return st.st_mode & 0o170000 == 0o100000 and st.st_uid == 0  # a regular file of root's


def daemon_key(env: Mapping[str, str]) -> str:
    """Which daemon serves a hook started with `env`: same interpreter, same package, same files."""
    keyed = sorted((k, v) for k, v in env.items()
                   if (k.startswith(_KEY_PREFIXES) or k == "HOME") and k not in _NOT_KEYED)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    blob = "\0".join([os.path.realpath(sys.executable), here, *(f"{k}={v}" for k, v in keyed)])
    try:
        from _sha256 import sha256  # the built-in one: hashlib would load OpenSSL on the hot path
    except ImportError:  # pragma: no cover
        from hashlib import sha256
    return sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def private_folder(path: str, *, create: bool) -> str | None:
    """`path` when it is a directory of ours that nobody else can enter (created 0700 if missing
    and `create`), else None."""
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if st.st_mode & 0o170000 != 0o040000 or st.st_uid != os.getuid() or st.st_mode & 0o077:  # not a private dir
        return None
    return path


def user_folder(env: Mapping[str, str], *, create: bool = True) -> str | None:
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and len(runtime) + len("/blastwall/") + 25 <= _MAX_SUN_PATH:
        try:
            st = os.stat(runtime)
            if st.st_uid == os.getuid():
                found = private_folder(os.path.join(runtime, "blastwall"), create=create)
                if found:
                    return found
        except OSError:
            pass
    return private_folder(f"/tmp/blastwall-{os.getuid()}", create=create)


def user_place(env: Mapping[str, str], *, create: bool = True) -> Place | None:
    """The user-level daemon's files for a hook started with `env`, or None when no private
    folder can be had."""
    folder = user_folder(env, create=create)
    if folder is None:
        return None
    key = daemon_key(env)
    base = os.path.join(folder, key)
    return Place(folder, base + ".sock", base + ".lock", base + ".log")


def system_place() -> Place:
    return Place(SYSTEM_RUN_DIR, SYSTEM_SOCKET, os.path.join(SYSTEM_RUN_DIR, "hook.lock"),
                 "/var/log/blastwall/daemon.log", system=True)


def enabled(env: Mapping[str, str]) -> bool:
    """False when the user asked for in-process checks (`BLASTWALL_DAEMON=off`; user-level mode)."""
    return env.get(MODE_VAR, "").lower() not in ("off", "0", "no", "false")
