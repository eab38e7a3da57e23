"""Shell writes whose content is known: `cat > deploy.sh <<'EOF'`, `echo '0 3 * * * rm -rf /srv' >> crontab`,
`tee .github/workflows/x.yml <<EOF`. The written text goes to the analyzer of files that run
later (`analyze/later/`), which says what the file will do when it runs."""

from __future__ import annotations

import posixpath

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand
from blastwall.analyze.shell.names import program_name
from blastwall.model import Finding

_WRITES = {">": False, ">|": False, "&>": False, ">>": True, "&>>": True}  # op -> appends


def later_writes(cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """Findings for the files `cmd` writes with text known without running anything."""
    targets = [(r.target.text, _WRITES[r.op]) for r in cmd.redirects
               if r.op in _WRITES and r.target is not None and not r.target.dynamic and r.target.text not in ("", "-")
               and not r.target.text.isdigit()]
    targets += _after_heredoc(cmd)
    name = program_name(cmd.argv[0].text) if cmd.argv and not cmd.argv[0].dynamic else ""
    if name == "tee":
        words = [w for w in cmd.argv[1:] if not w.dynamic]
        append = any(w.text in ("-a", "--append") for w in words)
        targets += [(w.text, append) for w in words if not w.text.startswith("-")]
    targets = [(t, append) for t, append in targets if not t.startswith("/dev/")]  # devices run nothing later
    if not targets:
        return []
    from blastwall.analyze.shell.stdin import stdin_of, stdout_of

    content = stdin_of(cmd, scope) if name == "tee" else stdout_of(cmd, scope)
    out: list[Finding] = []
    for target, append in targets:
        path = posixpath.join(scope.shell_dir, target) if scope.shell_dir and not target.startswith(("/", "~", "$")) \
            else target
        if content is None:  # `curl URL >> ~/.profile`: a file that runs later gets text no one has read
            from blastwall.analyze.shell.later_copies import unread_text

            out.extend(unread_text(path, name or "the command", scope, cmd.source, append=append))
            continue
        from blastwall.analyze.later.written import written_findings

        if not append and _new_named_script(path, content, scope):
            continue
        out.extend(written_findings(path, content, scope, append=append))
    return out


def _new_named_script(path: str, content: str, scope: Scope) -> bool:
    """A new script that runs only when a command names it (`cat > scripts/x.sh <<'EOF'`): data
    until then, as for every door (later/written.py `new_named_script`)."""
    from blastwall.analyze.later.written import new_named_script

    return new_named_script(path, content, scope)


def _after_heredoc(cmd: SimpleCommand) -> list[tuple[str, bool]]:
    """`cat <<EOF > file`: the parser keeps `> file` as the text after the heredoc's start."""
    out = []
    for r in cmd.redirects:
        text = r.target.text.strip() if r.op in ("<<", "<<-") and r.target is not None else ""
        if not text.startswith(">"):
            continue
        append = text.startswith(">>")
        words = text.lstrip(">|").split()
        if words and "$" not in words[0] and "`" not in words[0]:
            out.append((words[0].strip("'\""), append))
    return out
