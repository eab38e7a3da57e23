"""Resolve one `SimpleCommand` to what really runs and collect its findings.

Order: strip wrappers (sudo, env, timeout, docker exec, ssh, xargs...) -> the secrets the
program reads (files it prints, copies or uploads, the environment: `reads.py`) -> handlers for
programs whose arguments are code (shells, interpreters, database and HTTP clients, find,
task runners) -> the program rule tables -> filesystem operations -> redirections.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import PathClass, classify_in, content_kind
from blastwall.analyze.shell.cache_paths import verify_command
from blastwall.analyze.shell.fsops import analyze_fs, in_place_findings, redirect_findings
from blastwall.analyze.shell.globname import is_pattern
from blastwall.analyze.shell.handlers import (
    HANDLERS,
    _shell_text,
    handle_path_program,
    handler_for,
    inherit_stdin,
    trusted_generator,
)
from blastwall.analyze.shell.ir import Selection, SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.optcmds import option_commands
from blastwall.analyze.shell.programs import match
from blastwall.analyze.shell.reads import environment_dump, input_reads, secret_reads, wrapper_reads
from blastwall.analyze.shell.stdin import stdout_of
from blastwall.analyze.shell.subcommands import _operands_only, verb_findings
from blastwall.analyze.shell.wrappers import peel
from blastwall.analyze.verbs import safe_flags_present
from blastwall.model import Finding, Severity

MAX_PEEL = 16
_WRITE_OPS = (">", ">|", "&>", ">&", "&>>")


def analyze_simple(cmd: SimpleCommand, scope: Scope, *, with_redirects: bool = True) -> list[Finding]:
    out: list[Finding] = []
    if isinstance(scope.stdin, SimpleCommand) and cmd.stdin_from is None and cmd.stdin_text is None \
            and cmd.stdin_file is None:
        cmd = cmd._replace(stdin_from=scope.stdin)  # code run by `... | sh -c CODE` reads that pipe
    if scope.env:  # code run by `export VERSION=0; bash -c CODE`: the shell's environment is its commands'
        cmd = cmd._replace(env={**dict(scope.env), **cmd.env})  # type: ignore[arg-type]
    if cmd.env or cmd.assigns:  # and what this command runs (`bash -c`, `eval`, `xargs`) inherits them
        scope = scope._replace(env=tuple({**cmd.env, **cmd.assigns}.items()))
    cmd = verify_command(cmd, scope)  # `rm -rf "$(go env GOCACHE)"`: where the cache is on this machine
    if with_redirects:
        for r in cmd.redirects:
            if r.op in _WRITE_OPS and r.target is not None and not r.target.text.isdigit() and r.target.text != "-":
                reader = _reads_before_write(cmd, r) if r.op != "&>>" else None
                out.extend(redirect_findings(r.target, scope, cmd.source, empty=_prints_nothing(cmd, scope),
                                             read_by=reader))
        if cmd.redirects or any(w.text.endswith("tee") for w in cmd.argv):  # `tee`, `sudo tee`
            from blastwall.analyze.shell.writes_later import later_writes

            out.extend(later_writes(cmd, scope))  # a script, migration or CI file written with known text
        if cmd.redirects:  # files fed with `<` are read whatever runs (`exec 3< .env`, `ssh host CMD < .env`)
            out.extend(input_reads(cmd, scope, program_name(cmd.argv[0].text) if cmd.argv else "the shell"))
    argv = list(cmd.argv)
    for _ in range(MAX_PEEL):
        if not argv:  # nothing runs (`exec 3< .env`): the files it opens are still read
            return out
        if argv[0].dynamic and argv[0].path_class is None:
            if trusted_generator(argv[0].raw):
                return out
            from blastwall.analyze.shell.looked_up import looked_up

            named = looked_up(argv[0])  # `` `which python3` -m pytest ``: that program runs
            if named is not None:
                argv = [named, *argv[1:]]
                continue
            out.append(unknown("shell.exec:dynamic-command",
                               f"runs a command named by {argv[0].text}, which blastwall cannot resolve", cmd.source))
            return out
        command = _command_option(argv)
        if command is not None:
            out.extend(_shell_text(command.text, inherit_stdin(scope, cmd), program_name(argv[0].text)))
            return out
        out.extend(wrapper_reads(argv, scope))  # `xargs -a FILE`: the wrapper reads FILE
        out.extend(option_commands(argv, scope, cmd.source))  # `tar --checkpoint-action=exec=CMD`
        peeled = peel(argv)
        if peeled is None:
            break
        out.extend(_wrapper_assignments(argv, peeled.argv or [], scope, cmd.source))
        set_here = _set_by_wrapper(argv, peeled.argv or [])
        if set_here:  # `env VERSION=0 rails db:migrate`: the command's environment, as if written before it
            cmd = cmd._replace(assigns={**cmd.assigns, **set_here})
            scope = scope._replace(env=tuple({**cmd.env, **cmd.assigns}.items()))
        if peeled.env_files:  # `docker run --env-file .env IMAGE env`: the command runs with those variables
            scope = scope._replace(sourced=(*scope.sourced, *(_here(f, scope) for f in peeled.env_files)))
        if peeled.mounts:  # `docker run -v $PWD:/w IMAGE cat /w/.env`: /w is this folder
            from blastwall.analyze.shell.reads import mount_reads

            out.extend(mount_reads(peeled.mounts, scope, f"{peeled.wrapper} mounts"))
            scope = scope._replace(mounts=(*scope.mounts, *((c, _here(h, scope)) for c, h in peeled.mounts)))
        for output in peeled.outputs:  # `strace -o FILE CMD`: the wrapper writes FILE first, as `>` does
            out.extend(redirect_findings(output, scope, cmd.source))
        if peeled.shell is None and not peeled.argv and program_name(argv[0].text) == "env":
            out.extend(environment_dump("env", cmd.source, scope))  # env with nothing to run prints it all
        if peeled.shell is not None:
            if peeled.shell.dynamic and peeled.shell.text.startswith("$") and " " not in peeled.shell.text:
                out.append(unknown("shell.exec:dynamic-command",
                                   f"{peeled.wrapper} runs {peeled.shell.text}, which blastwall cannot resolve", cmd.source))
                return out
            out.extend(_shell_text(peeled.shell.text, inherit_stdin(scope, cmd), peeled.wrapper))
            return out
        argv = list(peeled.argv or [])
        if peeled.stdin_args and argv:
            out.extend(_stdin_code(argv, peeled.replace_token, cmd, scope))
            argv = _with_stdin_args(argv, peeled.replace_token, cmd, scope, _xargs_split(cmd.argv))
    else:
        out.append(unknown("shell.exec:too-many-wrappers", "too many nested wrapper programs to analyze", cmd.source))
        return out
    if "\\" in argv[0].text or (argv[0].text and min(argv[0].text) < " "):  # a backslash or a control character
        out.append(unknown("shell.exec:undecoded-name", f"runs a command named {argv[0].text!r}, whose escapes "
                           "blastwall does not decode; spell the command out", cmd.source))
        return out
    if (argv[0].glob or argv[0].raw == argv[0].text) and argv[0].path_class is None:  # unquoted: bash expands it
        if is_pattern(argv[0].text):
            return out + _glob_program(argv, cmd, scope)
    name = program_name(argv[0].text)
    if name == "git" and (scope.earlier or "alias." in cmd.source):  # aliases set on the line (git_alias.py)
        from blastwall.analyze.shell.git_alias import config_written, expand_alias

        out.extend(config_written(scope, cmd.source))
        argv = expand_alias(argv) or argv
    if "/" in argv[0].text and argv[0].path_class is None:
        out.extend(handle_path_program(argv, cmd.with_argv(argv), scope))
    out.extend(secret_reads(name, argv, cmd, scope, with_redirects=False))
    if name.lower().removesuffix(".exe") in _windows_programs():
        from blastwall.analyze.shell.windows import windows_program

        found = windows_program(name, cmd.source, scope)
        if found is not None:
            return out + found
    if name in _copy_programs():  # cp x /etc/cron.daily/x: what lands in a file that runs later
        out.extend(_copied_later()(name, argv, scope, cmd.source))
    if name in _build_tools():  # `gradle -b x.gradle`, `cmake -P x.cmake`: the build file named
        from blastwall.analyze.shell.build_files import build_file_findings

        out.extend(build_file_findings(name, argv, scope, cmd.source) or [])
    if name in _fed_programs():  # `systemctl edit --stdin U <<EOF`, `supervisorctl -c <(...)`: the file's commands
        out.extend(_fed_config_findings()(name, argv, cmd, scope))
    if name in _PACKAGE_MANAGERS:  # `npm install`: the root package.json's lifecycle scripts run
        from blastwall.analyze.shell.install_scripts import install_script_findings

        out.extend(install_script_findings(name, argv, scope))
    handler = handler_for(name)
    if handler is not None:
        found = handler(name, argv, cmd.with_argv(argv), scope)
        if found is not None:
            return out + found + in_place_findings(name, argv, scope, cmd.source)  # perl -pi -e CODE f
    assigns = {**cmd.env, **cmd.assigns} if cmd.env else cmd.assigns  # `export VERSION=0; rails db:migrate`
    found = match(name, argv, source=cmd.source, assigns=assigns) + analyze_fs(name, argv, scope, cmd.source)
    known = _known(name)
    if not found and len(argv) > 1 and not known and name not in _TEXT_PROGRAMS:
        found = _unknown_wrapper(name, argv, cmd, scope) or _unknown_sql(name, argv, scope)
    if not found and name not in _TEXT_PROGRAMS:
        found = verb_findings(name, argv, cmd.source, known=known, scope=scope)
        if found:
            from blastwall.environment.test_keys import cli_test_mode

            words = [w.text if not w.dynamic else "$" for w in argv[1:]]
            env = [(k, v.text if not v.dynamic else "$") for k, v in cmd.assigns.items()]
            if cli_test_mode(name, words, env):
                found = []  # `stripe customers delete X --api-key sk_test_...`: test-mode data only
    return out + found


def _set_by_wrapper(argv: list[Word], inner: list[Word]) -> dict[str, Word]:
    """The NAME=value words a wrapper sets for the command it runs (`env A=1 sudo B=2 CMD`)."""
    end = next((i for i, w in enumerate(argv) if inner and w is inner[0]), 0)
    out: dict[str, Word] = {}
    for w in argv[1:end]:
        name, eq, value = w.text.partition("=")
        if eq and name.isidentifier():
            out[name] = w._replace(text=value, raw=value)
    return out


def _wrapper_assignments(argv: list[Word], inner: list[Word], scope: Scope, source: str) -> list[Finding]:
    """`env GIT_SSH_COMMAND=CMD git fetch`, `sudo LD_PRELOAD=x.so ls`: a variable a wrapper sets whose
    value a program runs or loads (parse.py CODE_VARIABLES) is judged like the same assignment
    written before the command."""
    from blastwall.analyze.shell.parse import code_variable_kind, code_variable_problem, library_outside_system

    end = next((i for i, w in enumerate(argv) if inner and w is inner[0]), len(argv))
    out: list[Finding] = []
    for w in argv[1:end + 1]:  # and the word taken for the command (`env 'BASH_FUNC_f%%=() {...}' bash -c f`)
        name, eq, value = w.text.partition("=")
        kind = code_variable_kind(name) if eq and (name.isidentifier() or name.startswith("BASH_FUNC_")) else None
        if kind is None or not value:
            continue
        if kind == "function" and not w.dynamic:
            out.extend(_shell_text(f"f{value}", scope, f"{program_name(argv[0].text)} {name}="))
        elif kind in ("code", "pipe") and not w.dynamic:
            if name == "GIT_SEQUENCE_EDITOR":  # git runs it on the rebase todo list (todo_editor.py)
                from blastwall.analyze.shell.todo_editor import dropped_commits

                if (why := dropped_commits(value)) is not None:
                    out.append(unknown("shell.git:sequence-editor-drops", why, source))
            out.extend(_shell_text(value.lstrip("|- ").replace("%s", "FILE") if kind == "pipe" else value, scope,
                                   f"{program_name(argv[0].text)} {name}="))
        elif kind in ("file", "options") and not w.dynamic:
            problem = code_variable_problem(kind, name, value)
            if problem:
                out.append(unknown("shell.exec:code-variable", f"{program_name(argv[0].text)} sets {problem}", source))
        elif kind != "prompt" and (kind != "library" or w.dynamic or library_outside_system(value)):
            out.append(unknown("shell.exec:code-variable", f"{program_name(argv[0].text)} sets {name}, whose value "
                               f"({value[:60]}) a program runs or loads and blastwall cannot read", source))
    return out


def _glob_program(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`/bin/r? -rf ~/x`: each program the pattern names here is judged with the same arguments;
    a pattern blastwall cannot expand is asked about (globname.py)."""
    from blastwall.analyze.shell.globname import names_of

    names = names_of(argv[0].text, scope)
    if names is None:
        return [unknown("shell.exec:glob-name", f"runs a program named by the pattern {argv[0].text[:80]}, which "
                        "blastwall cannot expand here; spell the program's name out", cmd.source)]
    inner = scope.deeper(f"{argv[0].text[:80]} (a pattern)")
    return [f for n in names for f in analyze_simple(cmd.with_argv([Word.lit(n), *argv[1:]]), inner,
                                                     with_redirects=False)]


def _here(path: str, scope: Scope) -> str:
    """`path` from the folder a `cd` earlier on the line moved to."""
    import posixpath

    base = scope.shell_dir
    if base and not base.startswith("$") and not path.startswith(("/", "~", "$")):
        return posixpath.normpath(posixpath.join(base, path))
    return path


# Wrappers whose option runs a shell command instead of their arguments: `flock FILE -c CMD`
# (the wrapper table reads `flock FILE CMD ARGS`): program -> (options that take the command,
# options that take another value).
COMMAND_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "flock": (("-c", "--command"), ("-w", "--wait", "--timeout", "-E", "--conflict-exit-code")),
}


def _command_option(argv: list[Word]) -> Word | None:
    """The shell command given to a COMMAND_OPTIONS wrapper, if it was given one."""
    spec = COMMAND_OPTIONS.get(program_name(argv[0].text)) if argv else None
    if spec is None:
        return None
    command_opts, value_opts = spec
    i = 1
    while i < len(argv):
        t = argv[i].text
        if t == "--":
            return None
        if t in command_opts:
            return argv[i + 1] if i + 1 < len(argv) else Word("")
        if t.startswith("--") and t.split("=", 1)[0] in command_opts:
            return Word(t.split("=", 1)[1], dynamic=argv[i].dynamic)
        if t in value_opts:
            i += 2
            continue
        if t.startswith("-") and not t.startswith("--") and len(t) > 2:
            for j, letter in enumerate(t[1:], 1):  # a bundle: -nc CMD, -xcCMD
                if "-" + letter in command_opts:
                    glued = t[j + 1:]
                    return Word(glued, raw=glued) if glued else (argv[i + 1] if i + 1 < len(argv) else Word(""))
                if "-" + letter in value_opts:
                    break
        i += 1
    return None


# Programs that take a command as text to show or search, never to run (`man git push`).
_TEXT_PROGRAMS = frozenset({"echo", "printf", "grep", "egrep", "fgrep", "rg", "ag", "ack", "man", "tldr", "help",
                            "info", "which", "whereis", "type", "whatis", "apropos", "hash", "complete", "compgen",
                            "alias", "unalias", "history", "fc", "cat", "less", "more", "head", "tail", "wc", "say",
                            "notify-send", "logger", "figlet", "cowsay", "banner",
                            # searchers and viewers of compressed or highlighted text: their words are patterns
                            "zgrep", "zegrep", "zfgrep", "bzgrep", "xzgrep", "zstdgrep", "lzgrep", "pcregrep",
                            "pcre2grep", "ugrep", "sift", "zcat", "zless", "zmore", "bat", "batcat",
                            # code searchers: their words are patterns (`semgrep -e`, `ast-grep -p`, `comby`)
                            "semgrep", "ast-grep", "comby",
                            "findstr", "findstr.exe"})  # Windows' grep


_PACKAGE_MANAGERS = frozenset(("npm", "yarn", "pnpm", "bun"))


@functools.cache
def _copy_programs() -> frozenset[str]:
    from blastwall.analyze.shell.later_copies import copy_programs

    return copy_programs()


@functools.cache
def _fed_config_findings() -> Callable[[str, list[Word], SimpleCommand, Scope], list[Finding]]:
    from blastwall.analyze.shell.fed_configs import fed_config_findings

    return fed_config_findings


@functools.cache
def _copied_later() -> Callable[[str, list[Word], Scope, str], list[Finding]]:
    from blastwall.analyze.shell.later_copies import copied_later

    return copied_later


@functools.cache
def _fed_programs() -> frozenset[str]:
    """Programs told which configuration to read, whose commands are judged (rules/fed_configs.toml)."""
    from blastwall.analyze.shell.fed_configs import fed_programs

    return fed_programs()


@functools.cache
def _build_tools() -> frozenset[str]:
    """Build tools judged by the build file an option names; task runners (make, just, task) read
    theirs in handlers.handle_runner."""
    from blastwall.analyze.ruleset import load_table
    from blastwall.analyze.shell.build_files import build_tools

    return build_tools() - set(load_table("shell_scripts")["scripts"]["runners"])


@functools.cache
def _windows_programs() -> frozenset[str]:
    from blastwall.analyze.ruleset import load_table

    return frozenset(load_table("shell_windows")["cmd"]["programs"]) - {"rmdir"}  # rmdir /x is also Unix's


def _known(name: str) -> bool:
    return name in _known_names() or name in HANDLERS  # HANDLERS is live: a lazily imported module adds handlers


@functools.cache
def _known_names() -> frozenset[str]:
    """The programs the rule tables, the lazily imported handler modules and the filesystem table know."""
    from blastwall.analyze.ruleset import program_index
    from blastwall.analyze.shell.fsops import fs_programs
    from blastwall.analyze.shell.handlers import LAZY_MODULES

    return frozenset(program_index()) | frozenset(LAZY_MODULES) | fs_programs()


def _unknown_wrapper(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`mytool rm -rf /`: a program blastwall does not know, given a command it does know among its
    arguments, may well run it (an unknown wrapper). The command may start at any word, after the
    wrapper's own options and values (`s6-setuidgid root rm -rf /`, `lckdo LOCK git push -f`), or be
    one word holding a whole command line that the program hands to a shell (`concurrently 'rm -rf
    x'`, `vagrant ssh -c 'git push -f'`, `--exec=CMD`). The first such command that does something
    is judged; never a pass. Programs whose words are only files or text (linters, formatters:
    rules/verbs.toml `operands_only`) and dry runs (`s5cmd --dry-run rm s3://...`) run nothing."""
    managers_own, own_subcommand = _launched()
    if name in _operands_only() or safe_flags_present(w.text for w in argv[1:] if w.text.startswith("-")):
        return []
    inner = scope.deeper(f"{name} (unknown wrapper)")
    tries = 0
    for i in range(1, len(argv)):
        if tries >= _MAX_WRAPPED_TRIES:
            break
        word = argv[i]
        text = word.text.split("=", 1)[1] if word.text.startswith("-") and "=" in word.text else word.text
        if not text or text in (".", "--") or text.startswith("-"):
            continue  # `jq . file`: a dot is the current folder or a filter, not `source`
        if managers_own(argv, i):
            continue  # `scoop cache rm NAME`: the manager's own subcommand (rules/launched.toml)
        if any(ch.isspace() for ch in text.strip()):
            first = text.split(None, 1)[0]
            if not _known(program_name(first.lstrip("\\'\"({"))):
                continue
            tries += 1
            found = _shell_text(text, inner, name)
        elif word.dynamic or not _known(program_name(text)) or own_subcommand(argv, i):
            continue  # `virsh shutdown web01`: virsh's own verb, not the host's shutdown (launched.py)
        elif "/" in text and not _names_program(text, scope):
            continue  # `pvesh create /nodes/pve1/qemu/104/status/shutdown`: an API path, not /sbin/shutdown
        else:
            tries += 1
            found = analyze_simple(cmd.with_argv(argv[i:]), inner, with_redirects=False)
        found = [f._replace(reason=f"{f.reason} (if {name} runs its arguments)") for f in found
                 if f.severity >= Severity.MEDIUM and f.rule_id not in _GUESSED_SCRIPTS]
        if found:
            return found
    return []


@functools.cache
def _launched() -> tuple[Callable[[list[Word], int], bool], Callable[[list[Word], int], bool]]:
    """(launched.managers_own, launched.own_subcommand), imported on the first unknown program's
    command and kept."""
    from blastwall.analyze.shell.launched import managers_own, own_subcommand

    return managers_own, own_subcommand


def _names_program(path: str, scope: Scope) -> bool:
    """Whether a word with a `/` may be a program that runs: a path relative to the folder it runs in
    (`./shutdown`, `../bin/x`), one in a folder of programs (`/sbin/shutdown`, `/opt/x/bin/rm`,
    `~/.local/bin/x`), a pattern (`/bin/r?`), or a file that is there. Any other path is data
    (`/nodes/pve1/qemu/104/status/shutdown` of an API, `status/reboot` of a URL)."""
    import os
    import posixpath

    if path.startswith(("./", "../")) or is_pattern(path):
        return True
    folder = posixpath.dirname(path.rstrip("/"))
    if posixpath.basename(folder) in ("bin", "sbin", "libexec", "scripts", "script"):
        return True
    from blastwall.analyze.shell.scripts import written_here

    if written_here(path, scope):
        return True  # `cp /bin/rm /opt/t/rm && foo /opt/t/rm -rf x`: made on this line
    from blastwall.analyze.base import on_this_machine

    full = on_this_machine(path, scope, in_shell_dir=True)
    return full is not None and os.path.isfile(full)


# How many of an unknown program's words are tried as the start of a command it may run.
_MAX_WRAPPED_TRIES = 8


def _unknown_sql(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    """`pgcli -e 'DROP TABLE t'`, `dbtool --query="DELETE FROM t"`: SQL given to a program blastwall
    does not know is judged as the SQL it is (rules/shell_db.toml `[sql_arguments]`); never a pass."""
    return [f._replace(reason=f"{f.reason} (if {name} runs it as SQL)") for f in _sql_arguments()(name, argv, scope)
            if f.severity >= Severity.MEDIUM]


@functools.cache
def _sql_arguments() -> Callable[[str, list[Word], Scope], list[Finding]]:
    """dbcli.sql_arguments, imported on the first unknown program's command and kept."""
    from blastwall.analyze.shell.dbcli import sql_arguments

    return sql_arguments


# Scripts an unknown wrapper's arguments would run if it ran them: not read as scripts (a guess).
_GUESSED_SCRIPTS = frozenset({"shell.exec:unread-script", "shell.scripts:unread-task"})


def _xargs_split(wrapper: list[Word]) -> str:
    """How xargs cuts its input into arguments: "nul" (-0), "lines" (-I, -L, -d '\\n'), or "words"."""
    texts = [w.text for w in wrapper[1:]]
    if any(t in ("-0", "--null") or t.startswith("-") and not t.startswith("--") and "0" in t for t in texts):
        return "nul"
    if any(t.startswith(("-I", "-i", "-L", "--replace", "--max-lines")) for t in texts) or \
            any(t in ("-d", "--delimiter") for t in texts):
        return "lines"
    return "words"


def _split_input(text: str, how: str) -> list[str]:
    if how == "nul":
        return [p for p in text.split("\0") if p] or [text]
    if how == "lines":
        return [line for line in text.split("\n") if line.strip()]
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _stdin_code(argv: list[Word], token: str | None, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`echo CMD | xargs sh -c`, `... | xargs -I{} bash -c '{}'`, `... | xargs eval`: a shell or
    interpreter whose code comes from stdin. The whole input is analyzed as code when it can be
    known; otherwise the command is asked about."""
    from blastwall.analyze.shell.handlers import INTERPRETERS, SHELLS

    name = program_name(argv[0].text)
    if name not in SHELLS and name not in INTERPRETERS and name != "eval":
        return []
    if name != "eval":
        letters = ("c",) if name in SHELLS else tuple(o.lstrip("-")[:1] for o in INTERPRETERS[name][1])
        at = next((i for i, w in enumerate(argv[1:], 1) if w.text.startswith("-") and not w.text.startswith("--")
                   and w.text[-1:] in letters), None)
        if at is None:
            return []
        code = argv[at + 1].text.strip() if at + 1 < len(argv) else None
        if code is not None and code != token:
            return []  # the code is on the line; stdin only gives it arguments
    text = stdout_of(cmd.stdin_from, scope) if cmd.stdin_from else None
    if text is None:
        return [unknown("shell.exec:piped-code", f"{name} runs code read from stdin, which blastwall cannot read",
                        cmd.source)]
    if name in SHELLS or name == "eval":
        return _shell_text(text.replace("\0", "\n"), scope, f"xargs {name}")
    from blastwall.analyze.code import analyze_code

    return analyze_code(INTERPRETERS[name][0], text, scope.deeper(f"xargs {name}"))


def _with_stdin_args(argv: list[Word], token: str | None, cmd: SimpleCommand, scope: Scope,
                     how: str = "words") -> list[Word]:
    """xargs/parallel: the command gets words from stdin. Known words are used as they are;
    unknown ones become a placeholder whose path class comes from the producer."""
    from blastwall.analyze.shell.handlers import producer_selects

    text = stdout_of(cmd.stdin_from, scope) if cmd.stdin_from else None
    if text is not None:
        words = [Word.lit(t) for t in _split_input(text, how)][:64]
    else:
        words = [Word("{stdin}", path_class=_producer_class(cmd.stdin_from, scope),
                      selects=producer_selects(cmd.stdin_from) or Selection())]
    if token:
        return [w for a in argv for w in (words[:1] if a.text == token else [_replaced(a, token, words[0])]
                                          if token in a.text else [a])]
    return argv + words


def _replaced(word: Word, token: str, item: Word) -> Word:
    """`sh -c 'rm -rf {}'` with xargs -I{}: the token inside a word is replaced by the input item,
    or by a variable blastwall cannot resolve when the input is not known."""
    known = item.path_class is None
    return Word(word.text.replace(token, item.text if known else "$XARGS_ITEM"), dynamic=word.dynamic or not known,
                raw=word.raw)


def _producer_class(producer: SimpleCommand | None, scope: Scope) -> PathClass:
    if producer is None or not producer.argv:
        return PathClass("dynamic", "input from stdin")
    name = program_name(producer.argv[0].text)
    args = [w for w in producer.argv[1:] if not w.text.startswith("-")]
    if name in ("find", "gfind"):
        from blastwall.analyze.shell.handlers import find_selection

        return find_selection(producer.argv, scope)
    listed = _listed_class(producer, scope)
    if listed is not None:
        return listed
    if name in ("ls", "fd", "echo", "printf", "realpath", "readlink") and args:
        pc = classify_in(args[0].text, scope)
        return PathClass(pc.kind, f"paths from {name} {args[0].text}")
    return PathClass("dynamic", f"paths printed by {name}")


def _listed_class(producer: SimpleCommand, scope: Scope) -> PathClass | None:
    """`grep -rl PAT src`, `rg -l PAT`, `git grep -l PAT`: files under the search's roots (name
    patterns kept as find's `ROOT (PATTERN)`, which the radius measures). Project files chosen
    by a search are project files chosen by a glob; elsewhere the roots' class counts."""
    import posixpath

    from blastwall.analyze.shell.listers import listing, tracked_label

    found = listing(producer.argv)
    if found is None:
        return None
    classes = [classify_in(r, scope) for r in found.roots]
    worst = max(classes, key=lambda pc: pc.severity("delete_recursive"))
    if len(found.roots) == 1:
        where = found.roots[0]
    elif all(not r.startswith(("/", "~", "$")) for r in found.roots):
        where = posixpath.commonpath([posixpath.normpath(r) for r in found.roots]) or "."
    else:
        where = worst.path
    shown = f"{where} ({', '.join(found.names)})" if found.names else where
    if found.names and worst.kind in _PROJECT_KINDS and all(content_kind(n) == "regenerable" for n in found.names):
        return PathClass("regenerable", shown)  # `git ls-files '*.orig'`: leftovers and build output only
    if found.tracked and worst.kind in _PROJECT_KINDS:  # the radius measures the tracked files there
        return PathClass("tracked", tracked_label(shown))
    if worst.kind in _PROJECT_KINDS:
        return PathClass("project_glob", shown)
    return PathClass(worst.kind, shown)


_PROJECT_KINDS = frozenset({"project", "project_top", "project_glob"})


# Programs that write nothing to stdout (`: > f` empties f).
_SILENT = frozenset({":", "true", "false"})


_ECHOES = frozenset({"echo", "printf", ":", "true", "false"})  # they print their words, never open them


def _same_file(a: str, b: str) -> bool:
    import posixpath

    return bool(a) and bool(b) and posixpath.normpath(a) == posixpath.normpath(b)


def _reads_before_write(cmd: SimpleCommand, redirect: object) -> str | None:
    """The program that reads the file a `>` of the same pipeline truncates (`jq 'del(.x)' db.json >
    db.json`, `sort f > f`, `cat f | grep x > f`, `sort < f > f`): the shell empties the file
    before the reader opens it, so all of it is lost. Any word naming the file counts as a read
    (over-approximates), except in programs that only print their words."""
    target = getattr(redirect, "target", None)
    if target is None or target.dynamic:
        return None
    stage: SimpleCommand | None = cmd
    while stage is not None:
        words = [w for w in stage.argv[1:] if not w.dynamic]
        name = program_name(stage.argv[0].text) if stage.argv else "the shell"
        inputs = [r.target for r in stage.redirects if r.op == "<" and r.target is not None]
        if name not in _ECHOES or inputs:
            for w in [*words, *inputs]:
                value = w.text.split("=", 1)[1] if w.text.startswith("-") and "=" in w.text else w.text
                if _same_file(value, target.text):
                    return name
        stage = stage.stdin_from
    return None


def _prints_nothing(cmd: SimpleCommand, scope: Scope) -> bool:
    """Whether `cmd` writes nothing to stdout, so a `>` redirection only empties its file."""
    if not cmd.argv:
        return True
    if len(cmd.argv) == 1 and not cmd.argv[0].dynamic and program_name(cmd.argv[0].text) in _SILENT:
        return True
    return stdout_of(cmd, scope) == ""
