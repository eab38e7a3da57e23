"""A Makefile given to make on its input, written on the same line:

    printf 'all:\\n\\t@echo ok\\n' | make -f -          -> the recipe `echo ok` is analyzed
    make -f /dev/stdin test <<'MK' ... MK              -> the recipes of `test` are analyzed

The text is read as a Makefile on disk is (tasks.recipes_in) when it holds nothing make runs while
it reads the file: `$(shell ...)`, `!=`, `$(eval ...)`, `$(file ...)`, `include`, `load`, or a
changed SHELL/.SHELLFLAGS/MAKEFLAGS. Otherwise, or when its text or a requested target is not
known, None: the caller asks, as for any streamed task file.

    streamed_recipes(text, targets) -> [recipe line, ...] or None
"""

from __future__ import annotations

from blastwall import rx

STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_READ_TIME = rx.compile(
    r"\$[({]\s*(?:shell|eval|file|guile|call|value)\b|!=|^\s*-?(?:s?include|load)\b|"
    r"^\s*(?:override\s+|export\s+)?(?:SHELL|\.SHELLFLAGS|MAKEFLAGS|MAKEFILES|MFLAGS|MAKE)\s*[:+?]{0,3}=|"
    r"^\s*define\b", rx.M)


def streamed_recipes(text: str | None, targets: list[str]) -> list[str] | None:
    if text is None or _READ_TIME.search(text):
        return None
    from blastwall.analyze.shell.tasks import recipes_in

    return recipes_in(text, targets)
