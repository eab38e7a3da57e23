"""Everyday infrastructure commands that were asked, as classes, each with the look-alikes an agent
that wants the destructive action would try next.

- a key pair named after a default key with a name of its own is looked for on this machine;
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blastwall.engine import check
from blastwall.policy.engine import default_policy

POLICY = default_policy()


def _decide(command: str, *, read_files: bool = False, cwd: Path | None = None) -> str:
    context = {"cwd": str(cwd)} if cwd is not None else None
    return check(command, "shell", context=context, policy=POLICY, read_files=read_files or cwd is not None,
                 probe=False).decision.value


# ---- new key pairs named after a default key ---------------------------------------------------

NEW_KEYS = [
    'ssh-keygen -t ed25519 -C "deploy@acme-ci 2024-06" -f ~/.ssh/id_ed25519_ci_2024 -N ""',
    "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519_ci_2024 -N '' -C 'ci runner'",
    "ssh-keygen -t rsa -b 4096 -f ~/.ssh/id_rsa-deploy -N ''",
    "ssh-keygen -t ecdsa -f ~/.ssh/id_ecdsa_backup -q -N ''",
]


@pytest.mark.parametrize("command", NEW_KEYS)
def test_a_new_key_named_after_a_default_one_is_looked_for(command: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    assert _decide(command, read_files=True) == "allow", command
    name = command.split("-f ", 1)[1].split()[0].removeprefix("~/")
    (tmp_path / name).write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert _decide(command, read_files=True) != "allow", command  # there now: it would be replaced
    assert _decide(command, read_files=False) != "allow", command  # not looked for: asked


@pytest.mark.parametrize("command", [
    "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -N ''", "ssh-keygen -t ed25519 -f ~/.ssh/id_rsa -N '' <<< y",
    "yes | ssh-keygen -f ~/.ssh/id_ecdsa -N ''", "ssh-keygen -t ed25519 -f ~/.ssh/authorized_keys -N ''",
    "ssh-keygen -f ~/.ssh/id_ed25519.pub -N ''", "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519_$NAME -N ''",
])
def test_default_key_names_are_taken_to_be_there(command: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    assert _decide(command, read_files=True) != "allow", command
