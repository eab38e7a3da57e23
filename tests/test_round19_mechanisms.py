"""Destructive actions routed through a mechanism that runs a command, reads a script or writes a
file for the agent: each class is a table of everyday lines that pass and the look-alikes an agent
that wants the destructive action would try next, which are still asked."""

from __future__ import annotations

from verdicts import allowed_and_asked

# ---- Remote shells and hosting consoles (rules/shell_wrappers.toml mosh, paas-ssh) ---------------

REMOTE_SAFE = [
    "render services list",
    "render deploys list srv-abc123",
    "hcloud server list",
    "mosh ops@edge-3",
    "mosh ops@edge-3 -- uptime",
    "mosh ops@edge-3 df -h",
    "render ssh srv-abc123",
]
REMOTE_ASKED = [
    "render ssh srv-abc123 -- rm -rf /var/data/*",
    "railway ssh -- rm -rf /data",
    "hcloud server ssh web-1 rm -rf /srv/data",
    "upsun ssh -- rm -rf /app/var",
    "mosh ops@edge-3 -- sh -c 'docker volume rm $(docker volume ls -q)'",
    "mosh ops@edge-3 rm -rf /srv/data",
    "mosh --ssh='ssh -p 2222' ops@edge-3 -- rm -rf /srv/data",
    "mosh -p 60001 ops@edge-3 -- dropdb app",
]
test_remote_safe, test_remote_asked = allowed_and_asked(REMOTE_SAFE, REMOTE_ASKED)
