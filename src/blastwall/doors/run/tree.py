"""The work tree as the journal sees it: every kept file's git mode and blob, folder by folder,
with each folder's tree object remembered until something below it changes.

    model = TreeModel()
    model.put("src/app.py", FileState(0o100644, b"<sha>", stat_key))
    model.drop_below("build")
    root = model.write_trees(store)       # writes only the trees of folders that changed
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

DIR_MODE = 0o040000


class FileState(NamedTuple):
    mode: int  # 0o100644, 0o100755 or 0o120000 (a symlink)
    sha: bytes  # the blob's hex id
    stat: tuple[int, int, int, int]  # (size, mtime_ns, inode, st_mode): unchanged files are not read again


def parent(rel: str) -> str:
    return rel.rpartition("/")[0]


class TreeModel:
    def __init__(self) -> None:
        self.files: dict[str, FileState] = {}
        self.dirs: dict[str, set[str]] = {"": set()}  # folder -> names of files and folders in it
        self.trees: dict[str, bytes] = {}  # folder -> its tree's hex id, while nothing below changed

    def __len__(self) -> int:
        return len(self.files)

    def _dirty(self, folder: str) -> None:
        while True:
            self.trees.pop(folder, None)
            if not folder:
                return
            folder = parent(folder)

    def put(self, rel: str, state: FileState) -> None:
        if self.files.get(rel) == state:
            return
        if rel in self.dirs:  # a folder became a file
            self.drop_below(rel)
        folder = parent(rel)
        self._ensure_dir(folder)
        self.dirs[folder].add(rel.rpartition("/")[2])
        self.files[rel] = state
        self._dirty(folder)

    def _ensure_dir(self, folder: str) -> None:
        if folder in self.dirs:
            return
        if folder in self.files:  # a file became a folder
            self.drop(folder)
        up = parent(folder)
        self._ensure_dir(up)
        self.dirs[folder] = set()
        self.dirs[up].add(folder.rpartition("/")[2])

    def drop(self, rel: str) -> None:
        if self.files.pop(rel, None) is None:
            return
        self._unlink_name(rel)

    def _unlink_name(self, rel: str) -> None:
        folder = parent(rel)
        names = self.dirs.get(folder)
        if names is not None:
            names.discard(rel.rpartition("/")[2])
            if not names and folder:
                del self.dirs[folder]
                self._unlink_name(folder)
                return
        self._dirty(folder)

    def drop_below(self, rel: str) -> None:
        """Forget `rel` and everything under it (a folder that went away)."""
        self.drop(rel)
        if rel not in self.dirs:
            return
        prefix = rel + "/"
        for path in [p for p in self.files if p.startswith(prefix)]:
            del self.files[path]
        for folder in [d for d in self.dirs if d == rel or d.startswith(prefix)]:
            del self.dirs[folder]
            self.trees.pop(folder, None)
        self._unlink_name(rel)

    def below(self, rel: str) -> Iterator[str]:
        prefix = rel + "/" if rel else ""
        return (p for p in list(self.files) if p == rel or p.startswith(prefix))

    def write_trees(self, store: Any, folder: str = "") -> bytes:
        """The hex id of `folder`'s tree, writing the tree objects that changed."""
        from dulwich.objects import Tree

        cached = self.trees.get(folder)
        if cached is not None:
            return cached
        tree = Tree()
        for name in self.dirs.get(folder, ()):
            rel = f"{folder}/{name}" if folder else name
            state = self.files.get(rel)
            if state is not None:
                tree.add(name.encode("utf-8", "surrogateescape"), state.mode, state.sha)
            elif rel in self.dirs:
                tree.add(name.encode("utf-8", "surrogateescape"), DIR_MODE, self.write_trees(store, rel))
        store.add_object(tree)
        self.trees[folder] = tree.id
        return tree.id

    def load(self, store: Any, tree_id: bytes, folder: str = "") -> None:
        """Fill the model from a stored tree (stat keys unknown: files are read on the next scan)."""
        tree = store[tree_id]
        self.dirs.setdefault(folder, set())
        for item in tree.iteritems():
            name = item.path.decode("utf-8", "surrogateescape")
            rel = f"{folder}/{name}" if folder else name
            self.dirs[folder].add(name)
            if item.mode == DIR_MODE:
                self.load(store, item.sha, rel)
            elif item.mode in (0o100644, 0o100755, 0o120000):
                self.files[rel] = FileState(item.mode, item.sha, (-1, -1, -1, -1))
        self.trees[folder] = tree_id


def flatten(store: Any, tree_id: bytes, folder: str = "") -> dict[str, tuple[int, bytes]]:
    """Every file of a stored tree: path -> (mode, blob id)."""
    out: dict[str, tuple[int, bytes]] = {}
    for item in store[tree_id].iteritems():
        name = item.path.decode("utf-8", "surrogateescape")
        rel = f"{folder}/{name}" if folder else name
        if item.mode == DIR_MODE:
            out.update(flatten(store, item.sha, rel))
        elif item.mode in (0o100644, 0o100755, 0o120000):
            out[rel] = (item.mode, item.sha)
    return out
