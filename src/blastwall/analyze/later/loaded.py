"""Steps of files a program loads and runs as code: a `setup.py` that `pip install .` runs, a
`conftest.py` pytest imports, a Rakefile or Vagrantfile Ruby evaluates, a `gulpfile.js`, an ssh
config whose ProxyCommand ssh runs, a `.exrc` vim sources (`rules/later.toml`, extractors `code`
and `lines`).

    code_steps("import shutil; shutil.rmtree('/srv/app')", Kind(language="python", ...), ...)
      -> [Step("python", "import shutil; shutil.rmtree('/srv/app')", 1, block=True)]
    line_steps("Host *\\n  ProxyCommand rm -rf ~/data\\n", Kind(commands=(...ProxyCommand...,)), ...)
      -> [Step("shell", "rm -rf ~/data", 2, where="ProxyCommand")]
"""

from __future__ import annotations

import functools

from blastwall import rx
from blastwall.analyze.later.kinds import Kind, rule_finding
from blastwall.analyze.later.steps import Step, line_at


@functools.cache
def _compiled(patterns: tuple[str, ...]) -> tuple[rx.Pattern, ...]:
    return tuple(rx.compile(p) for p in patterns)


def line_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """The shell commands the kind's `commands` patterns find (group `cmd`), each where it stands."""
    out: list[Step] = []
    for pattern in _compiled(kind.commands):
        for m in pattern.finditer(text):
            command = m.group("cmd").strip()
            if command:
                where = m.group(0).strip().split(None, 1)[0][:40]
                out.append(Step("shell", command, line_at(text, m.start("cmd")), where=where))
    return out


def code_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """The whole file as code of its language, and the shell commands its DSL runs (a Rakefile's
    `sh "..."`, a Vagrantfile's `inline: "..."`) found by the kind's `commands` patterns."""
    if not text.strip():
        return []
    return [Step(kind.language, text, 1, block=True), *line_steps(text, kind, path, fragment)]


def call_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    """Files in a language blastwall does not read (a Cargo `build.rs`, a Gradle build script, a
    CMakeLists.txt): each call of the kind's `calls` patterns (group `call`: a call that deletes
    files or runs a command) is a finding a human must review; the shell commands its `commands`
    patterns find are judged as shell."""
    out: list[Step] = []
    spares = _compiled(kind.spare_calls)
    for pattern in _compiled(kind.calls):
        for m in pattern.finditer(text):
            call = " ".join(m.group("call").split())[:80]
            if any(p.search(call) for p in spares):
                continue
            finding = rule_finding("later.file:unread-call", path, label=call)
            out.append(Step("finding", call, line_at(text, m.start("call")), where=call, finding=finding))
    return [*out, *line_steps(text, kind, path, fragment)]
