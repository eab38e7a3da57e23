"""System mode: the checker daemon runs as its own OS user and alone holds blastwall's state.

    sudo blastwall install --system --user alice     # doors/system_install.py sets this up

Layout (created by `install --system`):

| path | owner, mode | holds |
|---|---|---|
| `/etc/blastwall/system.toml` | root, 0644 | this mode's settings: the service user, the users whose hooks it serves |
| `/etc/blastwall/blastwall.toml` | root, 0644 | the trusted policy (the "user" policy file of system mode) |
| `/etc/blastwall/keys/` | service user, 0700 | approver public keys (`*.pub`), the web/chat server's key |
| `/var/lib/blastwall/` | service user, 0700 | the store: approval requests, grants and their use, the audit log; snapshots |
| `/run/blastwall/hook.sock` | service user; socket 0666 in a 0755 folder | hook calls; SO_PEERCRED admits the listed users |
| `/opt/blastwall/` | root, 0755 | blastwall and its libraries, copied where the agent's user cannot write |

The agent's user can neither write any of it nor read the keys or the store: what the hook
client sends is all it can influence. So a worker does not take the client's environment: it
gets a fixed `PATH`, the agent's home from the passwd entry of the peer's uid (never `$HOME` as
sent), blastwall's folders above, and only the agent's own hints (`CLAUDE_PROJECT_DIR` and the
like, `BLASTWALL_ENVIRONMENT`). `BLASTWALL_POLICY`, `XDG_*`, `PYTHON*`, `GIT_*` and the rest are
dropped: none of them may point blastwall at files the agent wrote.
"""

from __future__ import annotations

import os
import pwd
import signal
import sys
import tomllib
from typing import Any, NamedTuple

from blastwall.daemon import httphook, place, server

ETC = "/etc/blastwall"
VAR = "/var/lib/blastwall"
OPT = "/opt/blastwall"
SERVICE_USER = "blastwall"
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_AGENT_HINTS = ("CLAUDE_", "GEMINI_", "CURSOR_", "CODEX_", "OPENCODE_")
_KEPT = ("BLASTWALL_ENVIRONMENT", "TERM", "LANG", "LC_ALL", "LC_CTYPE")


class SystemConfig(NamedTuple):
    service_user: str
    users: tuple[str, ...]  # whose hook calls (and approvals) the daemon takes
    groups: tuple[str, ...]


class SystemError_(Exception):
    """System mode is not set up, or not set up safely; the message says what to run."""


def read_config(path: str = place.SYSTEM_CONFIG) -> SystemConfig:
    try:
        st = os.lstat(path)
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError as exc:
        raise SystemError_(f"{path} is missing; run `sudo blastwall install --system`") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemError_(f"{path} cannot be read ({exc})") from exc
    if st.st_uid != 0 or st.st_mode & 0o022:
        raise SystemError_(f"{path} must belong to root and be writable by root only")
    section = doc.get("system") if isinstance(doc.get("system"), dict) else {}
    user = str(section.get("service_user", SERVICE_USER))
    users = tuple(str(u) for u in section.get("users", []) if isinstance(u, str))
    groups = tuple(str(g) for g in section.get("groups", []) if isinstance(g, str))
    return SystemConfig(user, users, groups)


def service_env() -> dict[str, str]:
    """The daemon's own environment: blastwall's system folders, nothing of whoever started it."""
    return {"PATH": SAFE_PATH, "HOME": VAR, "LANG": "C.UTF-8", "XDG_CONFIG_HOME": "/etc",
            "XDG_STATE_HOME": "/var/lib", "XDG_DATA_HOME": "/var/lib", "XDG_CACHE_HOME": "/var/cache",
            "BLASTWALL_DATABASE_URL": f"sqlite:///{VAR}/blastwall.db"}


def worker_env(header: dict[str, Any], uid: int) -> dict[str, str]:
    """What a worker checking a call from `uid` runs with (see the module docstring)."""
    env = service_env()
    try:
        entry = pwd.getpwuid(uid)
        env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name)
    except KeyError:
        env["HOME"] = "/nonexistent"
    sent = header.get("env")
    if isinstance(sent, dict):
        for k, v in sent.items():
            if isinstance(k, str) and isinstance(v, str) and "\0" not in k + v and \
                    (k.startswith(_AGENT_HINTS) or k in _KEPT):
                env[k] = v
    return env


def _ids(config: SystemConfig) -> tuple[frozenset[int], frozenset[int]]:
    import grp

    uids, gids = set(), set()
    for name in config.users:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            server._log(f"system.toml names user {name!r}, who does not exist")
    for name in config.groups:
        try:
            gids.add(grp.getgrnam(name).gr_gid)
        except KeyError:
            server._log(f"system.toml names group {name!r}, which does not exist")
    return frozenset(uids), frozenset(gids)


def drop_to(user: str) -> None:
    """Become `user` for good (root starts the daemon; it never keeps root)."""
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemError_("could not give up root")


def prepare_run_dir(user: str) -> None:
    entry = pwd.getpwnam(user)
    os.makedirs(place.SYSTEM_RUN_DIR, mode=0o755, exist_ok=True)
    os.chown(place.SYSTEM_RUN_DIR, entry.pw_uid, entry.pw_gid)
    os.chmod(place.SYSTEM_RUN_DIR, 0o755)


def serve_system() -> int:
    """Run the system daemon: as root, prepare /run/blastwall, drop to the service user, serve."""
    try:
        config = read_config()
        if os.geteuid() == 0:
            prepare_run_dir(config.service_user)
            drop_to(config.service_user)
        elif pwd.getpwuid(os.getuid()).pw_name != config.service_user:
            raise SystemError_(f"the system daemon runs as {config.service_user}; start it as root "
                               "(`sudo blastwall daemon start --system`)")
    except (SystemError_, KeyError, OSError) as exc:
        sys.stderr.write(f"blastwall daemon: {exc}\n")
        return 1
    os.environ.clear()
    os.environ.update(service_env())
    os.umask(0o077)
    where = place.system_place()
    lock = server._lock(where.lock)
    if lock is None:
        sys.stderr.write("blastwall daemon: another system daemon is running\n")
        return 1
    try:
        server._LOG_FD = os.open(os.path.join(VAR, "daemon.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        pass
    uids, gids = _ids(config)
    srv: server.Server | None = None

    def stop(*_: Any) -> None:
        if srv is not None:
            srv.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    server.warm()
    from blastwall.daemon.ops import OPS  # approvals from the humans' terminals (pending, approve, deny)

    srv = server.Server(where, allowed_uids=uids | {0}, allowed_gids=gids, idle_s=float("inf"), env_for=worker_env,
                        store_url=service_env()["BLASTWALL_DATABASE_URL"], endpoint=httphook.load(ETC), ops=OPS)
    srv.bind()
    os.chmod(where.socket, 0o666)  # who may talk is decided by SO_PEERCRED, not the file mode
    server._log(f"system mode: listening on {where.socket} as {config.service_user} for users "
                f"{', '.join(config.users) or '-'} groups {', '.join(config.groups) or '-'}")
    srv.serve()
    os.close(lock)
    return 0
