"""Paths a policy file names (Cedar policies and schema, Rego modules and data): `~` is expanded
and a relative path is read from the folder of the policy file that names it."""

from __future__ import annotations

import os


def named_path(path: str, base: str | None) -> str | None:
    """`path` absolute and normalized; None when it is relative and there is no policy file's
    folder (`base`) to read it from."""
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return os.path.normpath(path)
    if base is None:
        return None
    return os.path.normpath(os.path.join(base, path))
