"""The fresh install and the project the secret-read tests judge reads in.

A fresh install has its own state, configuration and home folders (empty index, no list, nothing
scanned). The project is a real git repository: `ops/notes.md` holds `RAILWAY_API_TOKEN=<uuid>`
among ordinary notes, `.env` (ignored by git) a Railway token, beside ordinary source."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

TOKEN = "3f1c2b4a-1111-4222-8333-944455556666"  # a Railway-style token (a UUID) # pragma: allowlist secret
NOTES = f"# ops notes\nthe staging deploy uses\nRAILWAY_API_TOKEN={TOKEN}\nask Dana before rotating\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def fresh_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home_files: dict[str, str] | None = None) -> Path:
    """`tmp_path` as a fresh install, with `home_files` in its home folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    home = tmp_path / "home"
    home.mkdir()
    _write(home, home_files or {})
    monkeypatch.setenv("HOME", str(home))
    from blastwall.secrets import content

    content._MEMO.clear()
    return tmp_path


def make_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    """`root/proj`, committed once (all but the ignored .env), with `extra` files beside the usual ones."""
    proj = root / "proj"
    _write(proj, {
        "ops/notes.md": NOTES,
        ".env": f"PORT=3000\nRAILWAY_TOKEN={TOKEN}\n",
        "src/app.py": "import os\n\ndef main():\n    return os.environ['PORT']\n",
        "README.md": "# app\nRun `make dev`.\n",
        ".gitignore": ".env\n",
        **(extra or {}),
    })
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "first")
    return proj
