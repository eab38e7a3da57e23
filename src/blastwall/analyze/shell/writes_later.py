"""Shell writes whose content is known: `cat > deploy.sh <<'EOF'`, `echo '0 3 * * * rm -rf /srv' >> crontab`,
`tee .github/workflows/x.yml <<EOF`. The written text goes to the analyzer of files that run
later (`analyze/later/`), which says what the file will do when it runs."""

from __future__ import annotations

import posixpath

from blastwall.analyze.base import Scope
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.model import Finding

_WRITES = {">": False, ">|": False, "&>": False, ">>": True, "&>>": True}  # op -> appends


def later_writes(cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """Findings for the files `cmd` writes with text known without running anything."""
    targets = [(_target(r.target), _WRITES[r.op]) for r in cmd.redirects
               if r.op in _WRITES and r.target is not None and r.target.text not in ("", "-")
               and not r.target.text.isdigit() and _read_target(r.target, _WRITES[r.op])]
    targets += _after_heredoc(cmd)
    cmd = _unwrapped(cmd)  # `sudo tee -a /etc/profile.d/x.sh`: tee's writes, as without sudo
    name = program_name(cmd.argv[0].text) if cmd.argv and not cmd.argv[0].dynamic else ""
    if name == "tee":
        words = list(cmd.argv[1:])
        append = any(not w.dynamic and (w.text == "--append" or (w.text[:1] == "-" and w.text[1:2] != "-"
                                                                  and "a" in w.text)) for w in words)
        targets += [(_target(w), append) for w in words if not w.text.startswith("-") and _read_target(w, append)]
    targets = [(t, append) for t, append in targets if not t.startswith("/dev/")]  # devices run nothing later
    if not targets:
        return []
    from blastwall.analyze.shell.stdin import stdin_of, stdout_of

    content = stdin_of(cmd, scope) if name == "tee" else stdout_of(cmd, scope)
    out: list[Finding] = []
    for target, append in targets:
        path = posixpath.join(scope.shell_dir, target) if scope.shell_dir and not target.startswith(("/", "~", "$")) \
            else target
        if append:
            out.extend(_grant_append(path, name or "the command", cmd.source))
        readings = _echo_readings(cmd) if content is None and name == "echo" else ()
        if readings:  # `echo '\timing on' >> ~/.psqlrc`: bash prints it as written, zsh decodes `\t`: judge both
            from blastwall.analyze.later.written import written_findings

            seen = {f.rule_id: f for text in readings for f in written_findings(path, text, scope, append=append)}
            out.extend(seen.values())
            continue
        if content is None:  # `curl URL >> ~/.profile`: a file that runs later gets text no one has read
            from blastwall.analyze.shell.later_copies import unread_text

            out.extend(unread_text(path, name or "the command", scope, cmd.source, append=append))
            continue
        from blastwall.analyze.later.written import written_findings

        if not append and _new_named_script(path, content, scope):
            continue
        out.extend(written_findings(path, content, scope, append=append))
    return out


def _echo_readings(cmd: SimpleCommand) -> tuple[str, ...]:
    """The two texts an `echo` of literal words may print when shells disagree on its escapes (bash's
    echo prints `\\t` as written, zsh's and dash's decode it); () when a word is made at run time."""
    from blastwall.analyze.shell.echoprint import echo

    if cmd.stdin_from is not None or any(w.dynamic for w in cmd.argv[1:]):
        return ()
    args = [w.text for w in cmd.argv[1:]]
    texts = (echo(args, interpret=False), echo(args, interpret=True))
    return tuple(t for t in texts if t is not None) if all(t is not None for t in texts) else ()


def _read_target(word: Word, append: bool) -> bool:
    """Whether a write to `word` is read here: a name written out, `$HOME/...` written out, or an
    append to a name with a variable (the file is there already: `>> .../crontabs/$USER`). A new file
    whose name is made at run time (`> migrations/$(date +%s).sql`) is judged as a redirection."""
    return not word.dynamic or append or "$" not in _target(word)


def _target(word: Word) -> str:
    """The file a redirection or tee names. A name with a variable keeps the variable as written, so
    a folder whose files run later still says so (`/var/spool/cron/crontabs/$USER`); `$HOME` and
    `${HOME}` at its start are the home directory (`$HOME/.bashrc` is `~/.bashrc`)."""
    text = word.text
    if word.dynamic:
        for home in ("$HOME/", "${HOME}/"):
            if text.startswith(home):
                return "~/" + text[len(home):]
    return text


def _unwrapped(cmd: SimpleCommand) -> SimpleCommand:
    """`cmd` with its wrappers taken off (`sudo`, `doas`, `env X=1`), its redirections and stdin kept."""
    from blastwall.analyze.shell.wrappers import peel

    argv = list(cmd.argv)
    for _ in range(8):
        peeled = peel(argv) if argv else None
        if peeled is None or not peeled.argv:
            break
        argv = list(peeled.argv)
    return cmd.with_argv(argv) if argv is not cmd.argv else cmd


def _grant_append(path: str, what: str, source: str) -> list[Finding]:
    """Text added to a file whose lines run code or grant access (rules/paths.toml runs_or_grants:
    sudoers, passwd, cron, systemd...; not a list of keys, `append_keeps`) that no reader of files that run later
    judges: an added line grants or runs as a new file there would, so it is asked as one is."""
    from blastwall.analyze.later.kinds import kind_of
    from blastwall.analyze.shell.fsops import runs_or_grants
    from blastwall.model import Effect, Severity

    if not runs_or_grants(path, appended=True) or kind_of(path) is not None:
        return []
    return [Finding(rule_id="shell.fs:append-grants", effect=Effect.PRIVILEGE_ESCALATION, severity=Severity.HIGH,
                    reason=f"{what} adds text to {path[:120]}, whose lines run code or grant access (sudoers, "
                           "accounts, keys, services); a human must read what is added",
                    target=path[:200], safer="ask a human to make this change", source=source[:200])]


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
