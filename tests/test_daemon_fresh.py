"""The installation fingerprint the daemon watches (daemon/fresh.py): a rule table edited in place
is seen on the next call, a module or a generated catalog file within FULL_EVERY_S, a file added
or removed at once (its folder changes)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from blastwall.daemon import fresh


def _tree(root: Path) -> None:
    for rel, text in {"analyze/rules/shell_fs.toml": "a = 1\n", "engine.py": "x = 1\n",
                      "analyze/catalogs/data/aws/s3.json": "{}\n"}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _touch(path: Path, text: str) -> None:
    st = path.stat()
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_a_rule_table_edit_is_seen_on_the_next_call(tmp_path: Path) -> None:
    _tree(tmp_path)
    watch = fresh.Watch(str(tmp_path))
    assert not watch.changed()
    _touch(tmp_path / "analyze/rules/shell_fs.toml", "a = 2\n")
    assert watch.changed()


def test_modules_and_generated_catalogs_are_seen_within_the_full_interval(tmp_path: Path) -> None:
    for rel in ("engine.py", "analyze/catalogs/data/aws/s3.json"):
        _tree(tmp_path)
        watch = fresh.Watch(str(tmp_path))
        _touch(tmp_path / rel, "changed\n")
        watch.checked = time.monotonic() - fresh.FULL_EVERY_S  # the interval has passed
        assert watch.changed(), rel


def test_generated_catalogs_are_not_stamped_on_every_call(tmp_path: Path) -> None:
    _tree(tmp_path)
    watch = fresh.Watch(str(tmp_path))
    assert str(tmp_path / "analyze/catalogs/data/aws/s3.json") not in watch.data
    assert str(tmp_path / "analyze/rules/shell_fs.toml") in watch.data


def test_a_file_added_beside_the_code_is_seen_at_once(tmp_path: Path) -> None:
    _tree(tmp_path)
    watch = fresh.Watch(str(tmp_path))
    folder = tmp_path / "analyze/catalogs/data/aws"
    before = folder.stat()
    (folder / "ec2.json").write_text("{}\n")
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert watch.changed()
