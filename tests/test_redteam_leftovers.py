"""Red team leftovers, round 7: Kubernetes manifests sent through MCP, filesystem tools' other
spellings, firewall rules that lock the operator out, Snowflake ownership transfers and Kafka
compaction. Each destructive spelling beside the look-alikes that must stay allowed.

Payloads live only in these strings and dictionaries; nothing here runs them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from verdicts import decide

# ---- filesystem tools: uploads, several files at once, operations given as a list -------------


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git project with one committed file and one file git does not hold (`notes.txt`)."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "tracked.txt").write_text("kept by git\n")
    subprocess.run(["git", "add", "tracked.txt"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "init"], cwd=tmp_path,
                   check=True)
    (tmp_path / "notes.txt").write_text("only copy\n")
    return tmp_path


def fs(tool: str, arguments: dict[str, Any], folder: Path, server: str = "filesystem") -> str:
    return decide({"server": server, "tool": tool, "arguments": arguments}, "mcp", cwd=folder, probe=True)


FS_OVERWRITES = [
    ("upload_file", {"path": "notes.txt", "content": "x"}),
    ("upload", {"path": "notes.txt", "content": "x"}),
    ("upload_file", {"destination": "notes.txt", "content": "x"}),
    ("upload_file", {"source": "/tmp/elsewhere.txt", "destination": "notes.txt"}),
    ("uploadFile", {"filePath": "notes.txt", "content": "x"}),
    ("write_multiple_files", {"files": {"notes.txt": "x"}}),
    ("write_multiple_files", {"files": {"new.txt": "x", "notes.txt": "x"}}),
    ("write_multiple_files", {"files": [{"path": "notes.txt", "content": "x"}]}),
    ("write_multiple_files", {"files": [{"path": "new.txt", "content": "x"}, {"path": "notes.txt", "content": "x"}]}),
    ("fs", {"action": ["delete"], "path": "tracked.txt"}),
    ("fs", {"action": ["read", "delete"], "path": "notes.txt"}),
    ("fs", {"operation": ["remove"], "path": "notes.txt"}),
    ("fs", {"action": ["write"], "path": "notes.txt", "content": "x"}),
    ("fs", {"action": "write", "path": "notes.txt", "content": "x"}),
    ("fs", {"action": ["write", "delete"], "path": "notes.txt", "content": "x"}),
]


@pytest.mark.parametrize(("tool", "arguments"), FS_OVERWRITES)
def test_filesystem_spellings_of_an_overwrite_or_delete_are_asked(tool: str, arguments: dict[str, Any],
                                                                  repo: Path) -> None:
    assert fs(tool, arguments, repo) != "allow"


def test_an_upload_over_a_file_outside_the_project_is_asked(repo: Path) -> None:
    outside = Path.home() / ".bashrc"
    assert fs("upload_file", {"path": str(outside), "content": "x"}, repo) != "allow"
    assert fs("write_multiple_files", {"files": {str(outside): "x"}}, repo) != "allow"


FS_SAFE = [
    ("upload_file", {"path": "fresh.txt", "content": "x"}),
    ("upload_file", {"path": "tracked.txt", "content": "x"}),
    ("write_multiple_files", {"files": {"new.txt": "x", "other/new.txt": "y"}}),
    ("write_multiple_files", {"files": [{"path": "new.txt", "content": "x"}]}),
    ("write_multiple_files", {"files": {"tracked.txt": "x"}}),
    ("fs", {"action": ["read"], "path": "notes.txt"}),
    ("fs", {"action": ["write"], "path": "fresh.txt", "content": "x"}),
]


@pytest.mark.parametrize(("tool", "arguments"), FS_SAFE)
def test_filesystem_spellings_that_lose_nothing_pass(tool: str, arguments: dict[str, Any], repo: Path) -> None:
    assert fs(tool, arguments, repo) == "allow"


@pytest.mark.parametrize(("server", "arguments"), [
    ("slack", {"channels": "C1", "filename": "notes.txt", "content": "report"}),
    ("s3", {"bucket": "b", "key": "k", "file_path": "notes.txt"}),
])
def test_another_servers_upload_sends_the_file_away(server: str, arguments: dict[str, Any], repo: Path) -> None:
    assert fs("upload_file", arguments, repo, server=server) == "allow"
