"""`blastwall doctor`, layer 2 (the process boundary): what lets an agent undo its protection.

An agent runs as the user who starts it. Whatever that user can write or read, the agent can
too: hook settings it can edit (the hook is one edit away from gone), a trusted policy, a keys
folder or store it can write, private keys it can read, passwordless sudo, a checker daemon
running as that same user. Each is a `missing` row, with the way out (`blastwall install
--system`: a service user, root-owned settings, the agents' managed settings). A daemon that
is not running is only a note: hooks then check in-process.

Each check is `check_*(where) -> list[Check]`, run by `doctor.CHECKS`; "this user" is the one
running doctor, which in user-level mode is the agents' user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from blastwall.doctor import Check, Status, Where

# Where each agent reads settings its users cannot override (agent-hooks.md, per agent).
SYSTEM_SETTINGS = {
    "claude-code": "/etc/claude-code/managed-settings.json (managed settings; `allowManagedHooksOnly`)",
    "cursor": "/etc/cursor/hooks.json",
    "gemini": "/etc/gemini-cli/settings.json",
    "codex": "managed hooks in requirements.toml",
    "opencode": "no system-level plugin folder: run OpenCode under `blastwall sandbox`",
}
SYSTEM_REMEDY = "sudo blastwall install --system"


def _who() -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(os.getuid()).pw_name}, uid {os.getuid()}"
    except (KeyError, ImportError):
        return f"uid {os.getuid()}"


def editable(path: str) -> bool:
    """True when this user can change `path`: write it, or replace it in its folder."""
    folder = os.path.dirname(os.path.abspath(path)) or "/"
    if os.path.exists(path) and os.access(path, os.W_OK):
        return True
    while not os.path.exists(folder) and folder != "/":
        folder = os.path.dirname(folder)
    return os.access(folder, os.W_OK | os.X_OK)


def check_hook_settings(where: Where) -> list[Check]:
    """Hook settings files this user can edit (user-level mode: all of them)."""
    from blastwall.doors.install_status import hook_status

    rows = []
    for row in hook_status(project_dir=where.project, home=where.home):
        if row.installed and editable(row.path):
            rows.append(Check(f"hook settings: {row.agent} ({row.scope})", Status.MISSING,
                              f"{row.path} can be edited by this user ({_who()}): an agent running as you can remove "
                              "the hook (user-level mode)",
                              f"{SYSTEM_REMEDY} {row.agent}: {SYSTEM_SETTINGS[row.agent]}"))
    return rows


def _trusted_places() -> list[tuple[str, str, str]]:
    """(what, path, what writing it lets an agent do) for blastwall's own state."""
    from blastwall.locations import DATABASE_URL_VAR, config_dir, default_database_url, keys_dir, state_dir

    override = os.environ.get("BLASTWALL_POLICY")
    policy = override or os.path.join(config_dir(), "blastwall.toml")
    places = [("trusted policy", policy, "rewrite the policy that decides every verdict"),
              ("config folder", config_dir(), "write a trusted policy or trust its own project policy"),
              ("keys folder", keys_dir(), "add its own public key, which blastwall then trusts for approvals")]
    url = default_database_url()
    if url.startswith("sqlite:///") and not os.environ.get(DATABASE_URL_VAR, "").startswith("postgres"):
        places.append(("store", url[len("sqlite:///"):], "rewrite approval records and the audit log"))
        places.append(("state folder", state_dir(), "replace the store and the audit log"))
    return places


def check_state(where: Where) -> list[Check]:
    """blastwall's policy, keys folder and store: writable by this user means not protected."""
    rows = []
    for what, path, harm in _trusted_places():
        if editable(path):
            rows.append(Check(f"boundary: {what}", Status.MISSING,
                              f"{path} can be written by this user ({_who()}): an agent running as you can {harm}",
                              f"{SYSTEM_REMEDY} (the daemon's service user alone writes it)"))
    if not rows:
        rows.append(Check("boundary: state", Status.OK, "policy, keys folder and store are not writable by this user"))
    return rows


def check_sudo(where: Where) -> list[Check]:
    """Root, or root one password-less `sudo` away, undoes every boundary."""
    if os.geteuid() == 0:
        return [Check("boundary: root", Status.MISSING, "doctor runs as root: an agent running as root can change or "
                      "stop anything blastwall relies on", "run agents as an unprivileged user")]
    sudo = shutil.which("sudo")
    if not sudo:
        return [Check("boundary: sudo", Status.OK, "no sudo here")]
    try:
        proc = subprocess.run([sudo, "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=5,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [Check("boundary: sudo", Status.WARN, f"could not ask sudo ({type(exc).__name__})")]
    if proc.returncode == 0:
        return [Check("boundary: sudo", Status.MISSING, f"`sudo -n true` succeeds for {_who()}: an agent running as "
                      "you can become root without a password and undo any protection",
                      "require a password for sudo (remove NOPASSWD) for the agents' user")]
    return [Check("boundary: sudo", Status.OK, "sudo asks for a password")]


def check_daemon(where: Where) -> list[Check]:
    """The checker daemon: not running is a note; running as this user is a weakness."""
    from blastwall.cli.daemon import describe

    report: dict[str, Any] = describe(dict(os.environ))
    if not report.get("running"):
        if not report.get("enabled", True):
            return [Check("daemon", Status.WARN, "switched off (BLASTWALL_DAEMON=off): every hook call checks "
                          "in-process, at the cost of a cold start")]
        return [Check("daemon", Status.WARN, f"not running ({report.get('mode')} mode): the next hook call starts it "
                      "and checks in-process meanwhile", "blastwall daemon start")]
    uid = report.get("uid")
    where_ = f"pid {report.get('pid')}, socket {report.get('socket')}"
    if uid == os.getuid():
        return [Check("daemon", Status.MISSING, f"runs as this user ({_who()}; {where_}): an agent running as you can "
                      "stop it, signal it or change what it reads", f"{SYSTEM_REMEDY} (a service user of its own)")]
    return [Check("daemon", Status.OK, f"runs as uid {uid}, not this user ({report.get('mode')} mode; {where_})")]
