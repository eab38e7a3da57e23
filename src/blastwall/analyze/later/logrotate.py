"""Steps of a logrotate configuration (logrotate(8)).

    /var/log/app/*.log {\\n  postrotate\\n    rm -rf /srv/cache\\n  endscript\\n}
      -> [Step("shell", "rm -rf /srv/cache", 3, where="postrotate")]
    /var/lib/app/*.db {\\n  rotate 0\\n}
      -> [Step("shell", "rm -f /var/lib/app/*.db", 2, where="rotate 0")]

The scripts between `prerotate|postrotate|firstaction|lastaction|preremove` and `endscript` run in
a shell. A block whose `rotate` count is 0 keeps no old copy: the files it matches are removed when
they rotate (`logrotate -f` rotates them now), which is read as `rm -f` of its path patterns.
"""

from __future__ import annotations

import shlex

from blastwall import rx
from blastwall.analyze.later.kinds import Kind
from blastwall.analyze.later.steps import Step

_SCRIPT_KEYS = frozenset({"prerotate", "postrotate", "firstaction", "lastaction", "preremove"})
_ROTATE_NONE = rx.compile(r"^rotate\s+0+$")


def logrotate_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    out: list[Step] = []
    script: list[str] | None = None
    script_key, script_line = "", 0
    paths: list[str] = []  # the path patterns of the block being read
    head: list[str] = []  # path patterns seen before the block's `{`
    for i, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if script is not None:
            if line == "endscript":
                if any(s.strip() for s in script):
                    out.append(Step("shell", "\n".join(script), script_line, where=script_key))
                script = None
            else:
                script.append(raw)
            continue
        if not line or line.startswith("#"):
            continue
        if line in _SCRIPT_KEYS:
            script, script_key, script_line = [], line, i + 1
            continue
        if line.endswith("{"):
            paths = head + _patterns(line[:-1])
            head = []
            continue
        if line == "}":
            paths = []
            continue
        if _ROTATE_NONE.match(line) and paths:
            out.append(Step("shell", "rm -f -- " + " ".join(shlex.quote(p) for p in paths), i, where="rotate 0"))
            continue
        if line.startswith(("/", "~", "\"")) and not paths:
            head += _patterns(line)  # `/var/log/a.log /var/log/b.log` on the lines before `{`
    return out


def _patterns(text: str) -> list[str]:
    try:
        return [w for w in shlex.split(text) if w]
    except ValueError:
        return text.split()
