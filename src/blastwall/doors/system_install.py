"""`sudo blastwall install --system`: the checker as its own OS user, out of the agent's reach.

What it does, as root (see daemon/system.py for the layout and why):

1. creates the service user (`blastwall`, no login shell, no home of its own);
2. copies blastwall and the libraries it runs on to `/opt/blastwall/lib` (root's), so the code
   that guards the agent is not in a folder the agent's user can write (a project's `.venv`);
   the hook and the daemon run it with a root-owned interpreter under `-I -S`;
3. creates `/etc/blastwall` (policy, `system.toml`, approver public keys), `/var/lib/blastwall`
   (store, audit log, snapshots: the service user's alone) and `/run/blastwall`;
4. writes each agent's hook into its system-level (managed) settings, which the agent's user
   cannot edit or override (`MANAGED` below, with sources);
5. starts the daemon: a systemd unit where systemd runs, otherwise directly (it drops root).

`--uninstall` removes the managed hooks and stops the daemon; the store and audit log stay.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from blastwall.daemon import place
from blastwall.daemon.system import ETC, OPT, SERVICE_USER, VAR
from blastwall.doors.hooks.budget import DEFAULT_TIMEOUT_S

LIB = os.path.join(OPT, "lib")
UNIT = "/etc/systemd/system/blastwall.service"
START_S = 30.0  # a loaded machine can take seconds to import the checker
STOP_S = 5.0


class Managed(NamedTuple):
    path: str
    source: str


# Each agent's system-level settings on Linux: read by the agent for every user, writable by root only.
MANAGED: dict[str, Managed] = {
    "claude-code": Managed("/etc/claude-code/managed-settings.json",
                           "code.claude.com/docs/en/settings (managed settings; `allowManagedHooksOnly`)"),
    "cursor": Managed("/etc/cursor/hooks.json", "cursor.com/docs/hooks (enterprise hooks, Linux/WSL)"),
    "gemini": Managed("/etc/gemini-cli/settings.json", "gemini-cli docs/cli/configuration.md (system settings)"),
}
NOT_MANAGED = {
    "codex": "Codex reads managed hooks from requirements.toml/MDM, whose hook format is not documented yet; its "
             "user-level hooks stay editable by the agent's user (doctor says so)",
    "opencode": "OpenCode has no system-level plugin folder; its plugin stays editable by the agent's user",
}


class SystemInstallError(Exception):
    """A step failed; the message says which and what to do."""


class Report(NamedTuple):
    steps: tuple[str, ...]
    notes: tuple[str, ...]


def install_system(users: list[str], *, agents: tuple[str, ...] = ("claude-code", "cursor", "gemini"),
                   timeout_s: int = DEFAULT_TIMEOUT_S, managed_hooks_only: bool = False,
                   start: bool = True, approver_keys: tuple[str, ...] = ()) -> Report:
    if os.geteuid() != 0:
        raise SystemInstallError("system mode is set up by root: run `sudo blastwall install --system`")
    if not users:
        raise SystemInstallError("name the users whose agents blastwall guards: --user NAME (repeatable)")
    for name in users:
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise SystemInstallError(f"no such user: {name}") from None
    steps: list[str] = []
    notes: list[str] = []
    python = safe_interpreter()
    ensure_service_user()
    steps.append(f"service user {SERVICE_USER}")
    copied = copy_runtime()
    check_runtime(python)
    steps.append(f"blastwall and {copied} libraries copied to {LIB}")
    make_folders()
    write_system_toml(users)
    steps.append(f"{ETC} (policy, keys), {VAR} (store, audit), {place.SYSTEM_RUN_DIR}")
    for path in approver_keys:
        key = register_approver_key(path)
        steps.append(f"approver key {key.name} ({key.key_id[:16]}) from {path}")
    if not approver_keys and not registered_keys():
        notes.append("no approver key is registered: as each approver, `blastwall keys init`; then, as root, "
                     "`blastwall install --system --approver-key ~USER/.config/blastwall/keys/USER.pub` after "
                     "comparing the fingerprint it shows with `blastwall keys list` in the approver's own terminal")
    for agent in agents:
        if agent in NOT_MANAGED:
            notes.append(f"{agent}: {NOT_MANAGED[agent]}")
            continue
        path = write_managed(agent, python, timeout_s, managed_hooks_only=managed_hooks_only)
        steps.append(f"{agent} hook in {path} ({MANAGED[agent].source})")
    if start:
        steps.append(start_daemon(python))
    return Report(tuple(steps), tuple(notes))


def uninstall_system(*, agents: tuple[str, ...] = ("claude-code", "cursor", "gemini")) -> Report:
    if os.geteuid() != 0:
        raise SystemInstallError("run `sudo blastwall install --system --uninstall`")
    steps = [f"{agent}: {write_managed(agent, '', 0, uninstall=True)}" for agent in agents if agent in MANAGED]
    stop_daemon()
    steps.append("daemon stopped; the store and audit log stay in " + VAR)
    try:
        os.unlink(place.SYSTEM_CONFIG)
    except FileNotFoundError:
        pass
    return Report(tuple(steps), ())


# --- the steps -------------------------------------------------------------------------------------


def safe_interpreter() -> str:
    """The interpreter the hook and the daemon run: this one, resolved, if root owns it and
    nobody else can write it or its folder."""
    python = os.path.realpath(sys.executable)
    for path in (python, os.path.dirname(python)):
        st = os.stat(path)
        if st.st_uid != 0 or st.st_mode & 0o022:
            raise SystemInstallError(f"{path} is not root's alone (owner uid {st.st_uid}, mode "
                                     f"{stat.filemode(st.st_mode)}); run the install with a system Python, "
                                     "e.g. `sudo /usr/bin/python3 -m blastwall install --system`")
    return python


def ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
        return
    except KeyError:
        pass
    nologin = next((p for p in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false") if os.path.exists(p)), "/bin/false")
    run(["useradd", "--system", "--user-group", "--home-dir", VAR, "--no-create-home", "--shell", nologin,
         SERVICE_USER])


def runtime_distributions() -> list[metadata.Distribution]:
    """blastwall's distribution and every one it needs at run time (extras left out)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = ["blastwall"]
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional or platform-specific requirement that is not installed
        seen[name] = dist
        for req in dist.requires or []:
            head, _, marker = req.partition(";")
            if "extra" in marker:
                continue
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", head)
            if m:
                todo.append(m.group(1))
    return list(seen.values())


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def copy_runtime() -> int:
    """Copy blastwall and its libraries to a fresh folder, then swap it in. Returns the count."""
    import blastwall

    fresh = LIB + ".new"
    shutil.rmtree(fresh, ignore_errors=True)
    os.makedirs(fresh, mode=0o755)
    dists = runtime_distributions()
    for dist in dists:
        if _norm(dist.metadata["Name"]) == "blastwall":
            continue
        base = Path(str(dist.locate_file("")))
        for rel in dist.files or []:
            src = base / rel
            if not src.is_file() or ".." in Path(rel).parts or str(rel).endswith(".pth"):
                continue
            dst = Path(fresh) / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    package = os.path.dirname(os.path.abspath(blastwall.__file__))
    shutil.copytree(package, os.path.join(fresh, "blastwall"), ignore=shutil.ignore_patterns("__pycache__"))
    for folder, dirs, files in os.walk(fresh):
        os.chown(folder, 0, 0)
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            os.chown(path, 0, 0)
            os.chmod(path, 0o755 if name.endswith(".so") else 0o644)
    os.makedirs(OPT, mode=0o755, exist_ok=True)
    old = LIB + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(LIB):
        os.rename(LIB, old)
    os.rename(fresh, LIB)
    shutil.rmtree(old, ignore_errors=True)
    return len(dists) - 1


def check_runtime(python: str) -> None:
    """Import what a check needs from the copy alone, as the hook and the daemon will."""
    code = (f"import sys; sys.path[:0] = [{json.dumps(LIB)}]; import blastwall.daemon.server as s; s.warm(); "
            "import blastwall.engine, blastwall.doors.hooks.base, blastwall.approvals.gate, blastwall.audit.log")
    proc = subprocess.run([python, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120)
    problems = [line for line in proc.stderr.splitlines() if "Error" in line]
    if proc.returncode != 0 or problems:
        raise SystemInstallError(f"blastwall does not run from {LIB}: {(problems or ['exit ' + str(proc.returncode)])[-1][:300]} "
                                 "(reinstall blastwall with pip so that its requirements are recorded, then retry)")


def _own(path: str, user: str | None, mode: int) -> None:
    if user is None:
        os.chown(path, 0, 0)
    else:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(path, mode)


def make_folders() -> None:
    for path, user, mode in ((ETC, None, 0o755), (os.path.join(ETC, "keys"), SERVICE_USER, 0o700),
                             (VAR, SERVICE_USER, 0o700), (place.SYSTEM_RUN_DIR, SERVICE_USER, 0o755)):
        os.makedirs(path, exist_ok=True)
        _own(path, user, mode)
    policy = os.path.join(ETC, "blastwall.toml")
    if not os.path.exists(policy):
        with open(policy, "w", encoding="utf-8") as f:
            f.write("# blastwall's trusted policy in system mode (root edits it; agents cannot).\n"
                    "# The built-in defaults apply where this file says nothing: `blastwall policy check`.\n")
    _own(policy, None, 0o644)


def write_system_toml(users: list[str]) -> None:
    known: list[str] = []
    try:
        from blastwall.daemon.system import read_config

        known = list(read_config().users)
    except Exception:  # noqa: BLE001 - a first install, or a broken file that this rewrites
        pass
    merged = sorted(set(known) | set(users))
    text = ("# blastwall system mode (written by `blastwall install --system`; root's alone)\n[system]\n"
            f"service_user = {json.dumps(SERVICE_USER)}\nusers = {json.dumps(merged)}\n")
    tmp = place.SYSTEM_CONFIG + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    _own(tmp, None, 0o644)
    os.replace(tmp, place.SYSTEM_CONFIG)


def read_approver_key(path: str) -> Any:
    """The approver public key in `path` (KeyError_ when it is not one)."""
    from blastwall.approvals.keys import KeyError_, read_public_file

    key = read_public_file(path)
    if key.role != "approver":
        raise KeyError_(f"{path} is a {key.role} key, not an approver key")
    return key


def register_approver_key(path: str) -> Any:
    """Trust one approver public key: copy it to the keys the daemon reads. Registration is a
    human's explicit act with the file named: keys are never picked up from a folder the agent's
    user can write (an agent could plant its own key there before an administrator re-runs the
    install). Private keys stay where they are: only the human's passphrase opens them."""
    key = read_approver_key(path)
    dst = os.path.join(ETC, "keys", f"{key.name}.pub")
    shutil.copyfile(path, dst)
    _own(dst, SERVICE_USER, 0o600)
    return key


def registered_keys() -> list[str]:
    folder = os.path.join(ETC, "keys")
    return sorted(n for n in os.listdir(folder) if n.endswith(".pub")) if os.path.isdir(folder) else []


def hook_command(python: str, agent: str, timeout_s: int) -> str:
    """The hook command over the copy in LIB: its hook client in C when it was built, else the
    interpreter with LIB first on sys.path (doors/hook_command.py)."""
    from blastwall.doors.hook_command import hook_argv, shell_command

    return shell_command(hook_argv(agent, timeout_s, python=python, paths=[LIB]))


def write_managed(agent: str, python: str, timeout_s: int, *, uninstall: bool = False,
                  managed_hooks_only: bool = False) -> str:
    from blastwall.doors import install

    path = Path(MANAGED[agent].path)
    if uninstall and not path.exists():
        return f"{path}: nothing to remove"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o755)
    command = hook_command(python, agent, timeout_s or DEFAULT_TIMEOUT_S)
    install._install_json(agent, path, command, uninstall, timeout_s or DEFAULT_TIMEOUT_S)
    if agent == "claude-code" and managed_hooks_only and not uninstall:
        doc = json.loads(path.read_text("utf-8"))
        doc["allowManagedHooksOnly"] = True
        path.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    _own(str(path), None, 0o644)
    return str(path)


def _systemd() -> bool:
    return os.path.isdir("/run/systemd/system") and shutil.which("systemctl") is not None


def daemon_argv(python: str) -> list[str]:
    boot = f"import sys; sys.path[:0] = [{LIB!r}]; from blastwall.daemon.system import serve_system; " \
           "raise SystemExit(serve_system())"
    return [python, "-I", "-S", "-c", boot]


def start_daemon(python: str) -> str:
    stop_daemon()
    if _systemd():
        argv = " ".join(json.dumps(a) for a in daemon_argv(python))
        unit = ("[Unit]\nDescription=blastwall checker (hook calls of AI coding agents)\n\n[Service]\n"
                f"ExecStart={argv}\nRestart=always\nRestartSec=1\n\n[Install]\nWantedBy=multi-user.target\n")
        with open(UNIT, "w", encoding="utf-8") as f:
            f.write(unit)
        run(["systemctl", "daemon-reload"])
        run(["systemctl", "enable", "--now", "blastwall.service"])
        return "daemon started by systemd (blastwall.service)"
    subprocess.Popen(daemon_argv(python), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    if _answering(place.SYSTEM_SOCKET, START_S):
        return "daemon started (no systemd here: start it again after a reboot, `sudo blastwall daemon start --system`)"
    raise SystemInstallError(f"the daemon did not start within {START_S:g} s; see {VAR}/daemon.log")


def _answering(path: str, within_s: float) -> bool:
    """Whether a checker accepts connections on `path` within `within_s`: a socket file alone can be
    the one a stopping daemon leaves behind, so the install waits for a connection, not a name."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            try:
                probe.connect(path)
                return True
            except OSError:
                pass
        time.sleep(0.05)
    return False


def stop_daemon() -> None:
    if _systemd() and os.path.exists(UNIT):
        subprocess.run(["systemctl", "stop", "blastwall.service"], check=False, capture_output=True)
        return
    lock = os.path.join(place.SYSTEM_RUN_DIR, "hook.lock")
    try:
        pid = int(Path(lock).read_text().strip())
    except (OSError, ValueError):
        return
    for sig, within_s in ((signal.SIGTERM, STOP_S), (signal.SIGKILL, STOP_S)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemInstallError(f"`{' '.join(argv)}` failed: {proc.stderr.strip()[:300]}")
