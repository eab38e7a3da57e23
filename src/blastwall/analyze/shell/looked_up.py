"""A program named by a lookup of its own name: `` `which python3` -m pytest ``, `"$(command -v node)" x.js`.

The substitution prints where the PATH finds the program, so the command runs that program: it is
judged as if the name were written (`$(which rm) -rf ~` is `rm -rf ~`). Only a lookup of one plain
name (no slash, no variable, no option other than the lookup's own) by a command listed in
`_LOOKUPS` is read; anything else stays a command blastwall cannot resolve.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.shell.ir import Word

# The lookups that print the path of the program a name runs.
_LOOKUPS = r"(?:which|command\s+-v|command\s+-V|type\s+-P|type\s+-p|whence\s+-p|whereis\s+-b)"
_FORM = rx.compile(r'^"?(?:\$\(\s*' + _LOOKUPS + r"\s+([A-Za-z0-9_][A-Za-z0-9_.+-]*)\s*\)|`\s*" + _LOOKUPS +
                   r'\s+([A-Za-z0-9_][A-Za-z0-9_.+-]*)\s*`)"?$')


def looked_up(word: Word) -> Word | None:
    """The program word a lookup substitution stands for, or None when `word` is not one."""
    raw = word.raw or ""
    if not word.dynamic or ("which" not in raw and "-v" not in raw and "-P" not in raw and "-p" not in raw
                            and "-b" not in raw and "-V" not in raw):
        return None
    m = _FORM.match(raw)
    if m is None:
        return None
    return Word.lit(m.group(1) or m.group(2))
