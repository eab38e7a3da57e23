"""The agent's hook configuration for one `blastwall run` session.

    binds, command = session_hooks("claude-code", home="/home/me", project="/src/app", staging="/tmp/bw-run-x")
    # binds: [("/tmp/bw-run-x/home/.claude/settings.json", "/home/me/.claude/settings.json")]

The user's own file (if any) is copied to a staging folder outside the sandbox, blastwall's hook
is merged into the copy the way `blastwall install <agent>` does it, and the copy is bound
read-only over the user's file inside the sandbox. The user's real configuration is never
changed, and the agent cannot edit the hook away.
"""

from __future__ import annotations

import os
import shutil

from blastwall.doors.hook_command import hook_argv, shell_command
from blastwall.doors.hooks.budget import DEFAULT_TIMEOUT_S


def hook_command(agent: str, timeout_s: int = DEFAULT_TIMEOUT_S) -> str:
    return shell_command(hook_argv(agent, timeout_s))


def session_hooks(agent: str, *, home: str, project: str, staging: str) -> tuple[list[tuple[str, str]], str]:
    """(read-only binds: staged file -> the agent's user config path, the hook command)."""
    from blastwall.doors.install import config_path, install

    rel = str(config_path(agent, "user"))
    staged_home = os.path.join(staging, "home")
    staged = os.path.join(staged_home, rel)
    os.makedirs(os.path.dirname(staged), mode=0o700, exist_ok=True)
    own = os.path.join(home, rel)
    if os.path.isfile(own):
        shutil.copyfile(own, staged)
    command = hook_command(agent)
    install(agent, scope="user", project_dir=project, home=staged_home)  # the default command, as above
    return [(staged, own)], command
