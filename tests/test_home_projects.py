"""Without a working directory (a batch line, an MCP call with no context), a write of a source or
documentation file under a home folder whose path has a project's shape is a project write
(rules/paths.toml [project_shape]); everything else under home still asks, and deletes never
take the guess. Payloads live only in these strings; nothing here runs them."""

from __future__ import annotations

from typing import Any

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _write(path: str, content: str = "x = 1\n") -> dict[str, Any]:
    return {"server": "filesystem", "tool": "write_file", "arguments": {"path": path, "content": content}}


PROJECT_WRITES = [
    _write("/home/dev/acme/api/src/health.ts"),
    _write("/Users/dev/acme/api/app.py"),
    _write("/home/dev/acme/api/docs/adr/0007-soft-delete.md"),
    _write("/home/dev/project/notes/plan-2024-06.md"),
    {"server": "filesystem", "tool": "edit_file",
     "arguments": {"path": "/home/dev/projects/api/src/db.ts", "edits": [{"oldText": "a", "newText": "b"}]}},
    {"server": "desktop-commander", "tool": "edit_block",
     "arguments": {"file_path": "/Users/dev/acme/api/app.py", "old_string": "a", "new_string": "b"}},
    {"server": "filesystem", "tool": "move_file",
     "arguments": {"source": "/home/dev/project/docs/old.md", "destination": "/home/dev/project/docs/design.md"}},
]

STILL_ASKED = [
    _write("/home/dev/Documents/taxes/2023.md"),          # a personal folder
    _write("/home/dev/acme/api/.env"),                    # a dotfile (and a secret)
    _write("/home/dev/.bashrc"),
    _write("/home/dev/notes.md"),                         # right in home
    _write("/home/dev/acme/todo.md"),                     # one folder below home
    _write("/home/dev/.ssh/x/y/authorized_keys"),
    _write("/home/dev/acme/api/../../.bashrc"),
    _write("/home/dev/.config/app/src/x.py"),             # a dot-folder on the way
    _write("/home/dev/acme/api/data/prod.db"),            # data, not source
    _write("/home/dev/acme/api/db/migrate/001_init.rb"),  # an applied migration
    _write("/home/dev/acme/api/deploy.sh", "rm -rf /srv/data\n"),  # a script that runs later
    _write("/home/dev/acme/api/src/$NAME.py"),
    {"server": "filesystem", "tool": "delete_file", "arguments": {"path": "/home/dev/acme/api/src/old.ts"}},
    {"server": "filesystem", "tool": "move_file",
     "arguments": {"source": "/home/dev/acme/api/src/a.ts", "destination": "/dev/null"}},
]


@pytest.mark.parametrize("call", PROJECT_WRITES, ids=range(len(PROJECT_WRITES)))
def test_project_shaped_writes_under_home_pass(call: dict[str, Any]) -> None:
    v = check(call, "mcp", policy=POLICY)
    assert v.decision.value == "allow", (call, v.reasons)


@pytest.mark.parametrize("call", STILL_ASKED, ids=range(len(STILL_ASKED)))
def test_other_home_writes_and_deletes_still_ask(call: dict[str, Any]) -> None:
    v = check(call, "mcp", policy=POLICY)
    assert v.decision.value != "allow", (call, v.reasons)

