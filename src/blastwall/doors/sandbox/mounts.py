"""The sandbox's mount table as bubblewrap arguments, in order, remembering what each path is.

Every bind keeps the host path (source and destination are the same path), so a host path and
its sandbox path are one string. Later mounts cover earlier ones; `source_of` answers what a
path shows inside the sandbox: host content (`ro` or `rw`), an empty `tmpfs`, or a `mask`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEV_NULL = "/dev/null"
MAX_LINKS = 16


def inside(path: str, folder: str) -> bool:
    return path == folder or folder == "/" or path.startswith(folder.rstrip("/") + "/")


@dataclass
class Mounts:
    args: list[str] = field(default_factory=list)
    points: list[tuple[str, str]] = field(default_factory=list)  # (path, "ro" | "rw" | "tmpfs" | "tmpfs-ro" | "mask")

    def _add(self, path: str, kind: str, *args: str) -> None:
        self.args.extend(args)
        self.points.append((path, kind))

    def bind(self, path: str, mode: str) -> None:
        self._add(path, mode, "--bind" if mode == "rw" else "--ro-bind", path, path)

    def tmpfs(self, path: str) -> None:
        self._add(path, "tmpfs", "--tmpfs", path)

    def symlink(self, target: str, path: str) -> None:
        self._add(path, "symlink", "--symlink", target, path)

    def seal(self, path: str) -> None:
        """Make the tmpfs at `path` read-only (after everything bound inside it)."""
        self.args.extend(["--remount-ro", path])
        self.points = [(p, "tmpfs-ro" if p == path and k == "tmpfs" else k) for p, k in self.points]

    def empty_dir(self, path: str) -> None:
        """An empty, read-only folder at `path`."""
        self.tmpfs(path)
        self.seal(path)

    def mask_file(self, path: str) -> None:
        """`path` stays where it is but cannot be read or written (a read-only /dev/null on a
        `nodev` mount: opening it fails with EACCES)."""
        self._add(path, "mask", "--ro-bind", DEV_NULL, path)

    def mask(self, path: str) -> None:
        if os.path.isdir(path) and not os.path.islink(path):
            self.empty_dir(path)
        else:
            self.mask_file(path)

    def source_of(self, path: str) -> str:
        """What `path` shows: "ro"/"rw" (host content), "tmpfs"/"tmpfs-ro", "mask", "symlink" or
        "root" (the sandbox's own empty root)."""
        for point, kind in reversed(self.points):
            if inside(path, point):
                return kind
        return "root"

    def bind_point(self, path: str) -> str | None:
        """The bind that `path` shows host content through (None: a tmpfs, a mask or nothing)."""
        for point, kind in reversed(self.points):
            if inside(path, point):
                return point if kind in ("ro", "rw") else None
        return None

    def sandbox_path(self, path: str) -> str | None:
        """Where host `path` is inside the sandbox, following symlinks below the bind that shows
        it the way the sandbox would (a bind point itself is a real folder inside); None when the
        path, or where it points, is not shown."""
        for _ in range(MAX_LINKS):
            point = self.bind_point(path)
            if point is None:
                return None
            current, rest = point, [p for p in path[len(point):].split("/") if p]
            for i, part in enumerate(rest):
                current = os.path.join(current, part)
                if os.path.islink(current):
                    target = os.path.join(os.path.dirname(current), os.readlink(current))
                    path = os.path.normpath(os.path.join(target, *rest[i + 1:]))
                    break
            else:
                return path
        return None

    def shows_host(self, path: str) -> bool:
        return self.source_of(path) in ("ro", "rw")

    def covered(self, path: str) -> bool:
        """`path` is already host content, read-only (a system folder, say)."""
        return self.source_of(path) == "ro"
