"""Can bubblewrap build a sandbox here, and with which extra flags?

    probe(net=True) -> Probe(ok=True, bwrap="/usr/bin/bwrap", flags=(), error="")

It runs `bwrap ... --ro-bind / / true` with the namespaces the sandbox uses. When that fails
and a user namespace helps (root in a container without CAP_SYS_ADMIN, where mounting needs
a namespace of its own), the flags say `--unshare-user`. Otherwise `error` is one line: what
bubblewrap said and what to do about it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import NamedTuple

TIMEOUT_S = 15
REMEDIES = (  # (text in bubblewrap's error, what to do)
    ("uid map", "unprivileged user namespaces are restricted: allow them (sysctl kernel.unprivileged_userns_clone=1; "
                "on Ubuntu 23.10+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap)"),
    ("No permissions to create", "this system does not let you create namespaces: allow user namespaces, or in a "
                                 "container run it privileged or with a seccomp profile that allows unshare"),
    ("Operation not permitted", "the kernel refused a namespace or mount: in a container, run it privileged or "
                                "with a seccomp/AppArmor profile that allows unshare and mount"),
    ("Permission denied", "the kernel refused a namespace or mount: allow unprivileged user namespaces, or run "
                          "bwrap setuid as your distribution packages it"),
)


class Probe(NamedTuple):
    ok: bool
    bwrap: str
    flags: tuple[str, ...] = ()
    error: str = ""


def _try(bwrap: str, flags: list[str]) -> str:
    """'' when bubblewrap worked, else the first line it printed."""
    argv = [bwrap, *flags, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return ""
    lines = [ln.strip() for ln in (done.stderr or "").splitlines() if ln.strip()]
    return lines[0] if lines else f"bwrap exited with status {done.returncode}"


def remedy(error: str) -> str:
    return next((fix for needle, fix in REMEDIES if needle.lower() in error.lower()),
                "check that bwrap works: bwrap --ro-bind / / true")


def probe(*, net: bool = False, bwrap: str | None = None) -> Probe:
    found = bwrap or shutil.which("bwrap")
    if not found:
        return Probe(False, "", (), "bubblewrap is not installed (apt-get install bubblewrap, dnf install bubblewrap, "
                                    "pacman -S bubblewrap)")
    base = ["--unshare-pid", "--unshare-ipc"] + (["--unshare-net"] if net else [])
    base += ["--cap-drop", "ALL"] if os.geteuid() == 0 else []
    first = _try(found, base)
    if not first:
        return Probe(True, found)
    if not _try(found, ["--unshare-user", *base]):
        return Probe(True, found, ("--unshare-user",))
    return Probe(False, found, (), f"bubblewrap cannot create a sandbox here ({first}); {remedy(first)}")
