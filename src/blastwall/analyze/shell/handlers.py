"""Programs whose arguments are themselves code: shells, eval, interpreters, database CLIs,
HTTP clients, find, task runners. Each handler hands the inner code to the right analyzer.

A handler returns findings, or None to let the rule tables judge the command as usual.
"""

from __future__ import annotations

import functools
import posixpath
import shlex
from collections.abc import Callable
from typing import Any

from blastwall import rx
from blastwall.analyze import globs
from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.paths import PathClass, classify, classify_in, is_regenerable_anywhere, is_regenerable_pattern
from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Selection, SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.stdin import has_stdin, stdin_of
from blastwall.model import Effect, Finding, Severity

Handler = Callable[[str, list[Word], SimpleCommand, Scope], "list[Finding] | None"]

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash", "posh", "osh"})
REMOTE_FETCHERS = frozenset({"curl", "wget", "http", "https", "xh", "fetch", "aria2c", "nc", "ncat", "socat"})


def _shell_text(text: str, scope: Scope, origin: str) -> list[Finding]:
    from blastwall.analyze.shell import analyze_command

    return analyze_command(text, scope.deeper(origin))


def inherit_stdin(scope: Scope, cmd: SimpleCommand) -> Scope:
    """The scope for code `cmd` hands to a shell: its commands read `cmd`'s stdin."""
    if not has_stdin(cmd):
        return scope
    if cmd.stdin_text is None and cmd.stdin_file is None:
        return scope._replace(stdin=cmd.stdin_from)
    feeder = [r for r in cmd.redirects if r.op in ("<", "<<", "<<-", "<<<")]
    return scope._replace(stdin=SimpleCommand([Word.lit("cat")], redirects=feeder, stdin_from=cmd.stdin_from,
                                              source=cmd.source))


def _option_value(argv: list[Word], names: tuple[str, ...], *, cluster_letter: str | None = None) -> Word | None:
    """The value of `-c VALUE`, `--command=VALUE`, or a cluster like `-lc VALUE`."""
    for i, w in enumerate(argv):
        t = w.text
        for n in names:
            if t == n and i + 1 < len(argv):
                return argv[i + 1]
            if n.startswith("--") and t.startswith(n + "="):
                return Word(t[len(n) + 1:], dynamic=w.dynamic)
        if cluster_letter and len(t) > 2 and t[0] == "-" and t[1] != "-" and t[1:].isalpha() and t.endswith(cluster_letter):
            if i + 1 < len(argv):
                return argv[i + 1]
    return None


def _positionals(argv: list[Word], value_options: tuple[str, ...] = ()) -> list[Word]:
    out: list[Word] = []
    i = 0
    dashdash = False
    while i < len(argv):
        t = argv[i].text
        if dashdash or not t.startswith("-") or t == "-":
            out.append(argv[i])
        elif t == "--":
            dashdash = True
        elif t in value_options:
            i += 1
        i += 1
    return out


# ---- shells and eval -------------------------------------------------------------------------
def _script_name_findings(name: str, source: str) -> list[Finding]:
    base = name.rsplit("/", 1)[-1]
    if _destructive_name(base.rsplit(".", 1)[0]):
        row = load_table("shell_scripts")["rule"][0]
        return [Finding(rule_id=row["id"], effect=Effect(row["effect"]), severity=Severity.parse(row["severity"]),
                        reason=row["reason"].replace("{target}", base), target=base, safer=row["safer"], source=source)]
    return []


def handle_shell(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    shellopts = cmd.assigns.get("SHELLOPTS")
    if _traces(argv[1:]) or (shellopts is not None and ("xtrace" in shellopts.text or "verbose" in shellopts.text)):
        scope = scope._replace(traced=True)  # `bash -x`: every line it runs is printed, a sourced file's too
    started = _startup_file_findings(name, argv[1:], cmd, scope)
    code = _option_value(argv[1:], ("-c",), cluster_letter="c")
    if code is not None:
        if code.dynamic and code.text.startswith("$") and " " not in code.text:
            return [unknown("shell.exec:dynamic-command", f"{name} -c runs {code.text}, which blastwall cannot resolve",
                            cmd.source)]
        from blastwall.analyze.shell.startup_files import startup_prefix  # aliases a startup file written here defines

        return started + _shell_text(startup_prefix(name, argv[1:], scope) + code.text, inherit_stdin(scope, cmd),
                                     f"{name} -c")
    rest = _positionals(argv[1:], ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"))
    if _reads_stdin(argv[1:]):
        rest = []  # `bash -s -- a b`: the script comes from stdin, the words are its arguments
    if rest and rest[0].raw.startswith("<("):
        return started + _process_substitution(name, rest[0], cmd)
    if _syntax_check_only(argv[1:]):
        return []  # bash -n: reads the script, runs nothing
    if rest and rest[0].text not in ("-", "-s"):
        return started + run_script(name, rest[0], cmd, scope, "shell")
    if has_stdin(cmd):
        return started + _piped_code("shell", cmd, scope, lambda text: _shell_text(text, scope, f"piped into {name}"))
    return started


_STARTUP_FILE_OPTIONS = ("--rcfile", "--init-file")  # bash(1): a file an interactive shell runs first


def _startup_file_findings(name: str, words: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`bash --rcfile f -i`, `bash --init-file f`: the shell runs f before anything else, as a
    script it is named (read when written on the line or on disk, asked about when unreadable)."""
    out: list[Finding] = []
    for i, w in enumerate(words[:-1]):
        if w.text == "--":
            break
        if w.text in _STARTUP_FILE_OPTIONS:
            value = words[i + 1]
            out += _process_substitution(name, value, cmd) if value.raw.startswith("<(") \
                else run_script(name, value, cmd, scope, "shell")
    return out


def _reads_stdin(words: list[Word]) -> bool:
    """`bash -s ARGS`, `sh -es`: the options before the first operand include -s."""
    valued = ("-o", "+o", "-O", "+O", "--rcfile", "--init-file")
    for i, w in enumerate(words):
        t = w.text
        if i and words[i - 1].text in valued:
            continue
        if t in ("--", "-") or not t.startswith(("-", "+")):
            return False
        if t.startswith("-") and not t.startswith("--") and "s" in t[1:] and t[1:].isalpha():
            return True
    return False


def _traces(words: list[Word]) -> bool:
    for i, w in enumerate(words):
        t = w.text
        if t == "--" or (not t.startswith(("-", "+")) and (i == 0 or words[i - 1].text not in ("-o", "+o"))):
            return False
        if (t == "-o" and i + 1 < len(words) and words[i + 1].text in ("xtrace", "verbose")) or t == "--verbose":
            return True
        if t.startswith("-") and not t.startswith("--") and t[1:].isalpha() and set(t[1:]) & {"x", "v"}:
            return True
    return False


def _piped_code(kind: str, cmd: SimpleCommand, scope: Scope, analyze: Callable[[str], list[Finding]]) -> list[Finding]:
    if kind != "shell" and cmd.stdin_expands:
        # `node - <<< "$CODE"`: the program reads what the shell expands at run time, not this text (a
        # shell's own heredoc is read as shell, where each expansion is judged where it stands)
        return [unknown(f"shell.exec:piped-{kind}", f"{kind} code on stdin is made when the command runs "
                        f"({(cmd.stdin_text or '').strip()[:60]!r}); a human must read what it expands to", cmd.source)]
    text = stdin_of(cmd, scope)
    if text is not None:
        return analyze(text)
    producer = cmd.stdin_from
    pname = program_name(producer.argv[0].text) if producer and producer.argv else ""
    if pname in REMOTE_FETCHERS:
        return [Finding(rule_id="shell.exec:remote-script", effect=Effect.UNKNOWN_CODE, severity=Severity.HIGH,
                        reason=f"runs code downloaded by {pname} without anyone reading it",
                        target=" ".join(w.text for w in producer.argv[1:])[:120] if producer else "",
                        safer="download the script, read it, then run the file", source=cmd.source[:200])]
    made = f"text made at run time by {pname}" if pname else "text blastwall cannot read"
    return [unknown(f"shell.exec:piped-{kind}", f"{made} is run as {kind} code; run the first part alone and read "
                    "what it prints", cmd.source)]


def substituted_program(raw: str) -> str:
    """The program whose output a `$(...)`, `` `...` `` or `<(...)` word carries."""
    inner = raw.strip("\"'")
    for opener in ("$(", "<(", "`"):
        if inner.startswith(opener):
            inner = inner[len(opener):].lstrip()
            break
    else:
        return ""
    words = inner.split()
    return program_name(words[0]) if words else ""


def trusted_generator(raw: str) -> bool:
    """`eval "$(pyenv init -)"` and friends: setup code from well-known tools."""
    return substituted_program(raw) in _scripts_table()["generators"]["trusted"]


def _process_substitution(name: str, word: Word, cmd: SimpleCommand) -> list[Finding]:
    """`bash <(curl ...)`: the script is another command's output."""
    inner = word.raw[2:].lstrip()
    fetcher = substituted_program(word.raw)
    if fetcher in _scripts_table()["generators"]["trusted"]:
        return []
    if fetcher in REMOTE_FETCHERS:
        return [Finding(rule_id="shell.exec:remote-script", effect=Effect.UNKNOWN_CODE, severity=Severity.HIGH,
                        reason=f"{name} runs code downloaded by {fetcher} without anyone reading it",
                        target=inner[:120].rstrip(")"), safer="download the script, read it, then run the file",
                        source=cmd.source[:200])]
    return [unknown("shell.exec:substituted-script", f"{name} runs code produced by another command ({inner[:60]})",
                    cmd.source)]


def handle_eval(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if len(argv) < 2:
        return []
    if len(argv) == 2 and argv[1].dynamic and trusted_generator(argv[1].raw):
        return []
    if len(argv) == 2 and argv[1].dynamic and substituted_program(argv[1].raw) in REMOTE_FETCHERS:
        return _process_substitution("eval", Word(argv[1].text, raw="<(" + argv[1].raw.strip("\"'$(`")), cmd)
    if len(argv) == 2 and argv[1].dynamic and argv[1].text.startswith("$") and " " not in argv[1].text:
        return [unknown("shell.exec:eval-dynamic", f"eval runs {argv[1].text}, which blastwall cannot resolve", cmd.source)]
    return _shell_text(" ".join(w.text for w in argv[1:]), scope, "eval")


def handle_source(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if len(argv) > 1 and argv[1].raw.startswith("<("):
        return _process_substitution(name, argv[1], cmd)
    return run_script(name, argv[1], cmd, scope, "shell") if len(argv) > 1 else []


def handle_path_program(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`./deploy.sh`, `scripts/x`, `~/bin/y`: a program named by its path is a file of the project or
    the user, which blastwall reads and analyzes in the language of its `#!` line. Installed
    programs (system folders, `node_modules/.bin`, a virtualenv's `bin`) and compiled programs are
    judged by their name, as on PATH; a file that is not there (yet) is asked about."""
    from blastwall.analyze.shell.scripts import script_text, written_here

    path = argv[0].text
    name = program_name(path)
    table = _scripts_table()["scripts"]
    if any(globs.match(path, g) for g in table.get("installed", [])) or name in table.get("launchers", []):
        return []
    if not written_here(path, scope):
        found = script_text(path, scope)
        if found.text is None and found.why.startswith("it does not exist") and _installed_name(name):
            return []
        if found.text is not None and "\x00" in found.text[:4096]:
            return []  # a compiled program
    return run_script(path, argv[0], cmd, scope, None)


def _installed_name(name: str) -> bool:
    from blastwall.analyze.shell.resolve import _known

    return _known(name)


def handle_go(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`go run x.go`: the Go files it compiles and runs are read (a package path is a program of
    the project, judged like any build)."""
    runners = _go_runners(argv[1:])
    if runners:  # `go test -exec 'rm -rf x'`: go runs `rm -rf x TESTBINARY`
        return [f for w in runners for f in (
            _shell_text(f"{w.text} /tmp/go-build/pkg.test", scope, "go -exec") if not w.dynamic else
            [unknown("shell.exec:dynamic-command", f"go runs {w.text} on what it builds, which blastwall cannot "
                     "resolve", cmd.source)])]
    pos = _positionals(argv[1:], ("-C", "-o", "-p", "-tags", "-ldflags", "-gcflags", "-exec", "-mod", "-modfile",
                                  "-overlay", "-pkgdir", "-toolexec", "-vettool"))
    if not pos or pos[0].text != "run":
        return None
    files = [w for w in pos[1:] if w.text.endswith(".go")]
    if not files:
        return _go_run_package(argv, pos, scope)
    return [f for w in files for f in run_script("go run", w, cmd, scope, "go")]


def _go_run_package(argv: list[Word], pos: list[Word], scope: Scope) -> list[Finding] | None:
    """`go run ./cmd/migrate down -all`: the package is a program of the project, built and run with
    the words after it; those words are judged as that program's command line (`migrate down -all`:
    the migrate table; `go run ./cmd/tool drop-all-tables`: the verb model), as if it were installed."""
    if len(pos) < 2 or pos[1].dynamic:
        return None
    at = next(i for i, w in enumerate(argv) if w is pos[1])
    args = argv[at + 1:]
    if not args:
        return None
    base = pos[1].text.split("@", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name = base if base and base not in (".", "..") and not base.endswith(".go") else "main"
    words = [w.raw if w.dynamic and w.raw else shlex.quote(w.text) for w in args]  # `$DB` stays a variable
    return _shell_text(" ".join([shlex.quote(name), *words]), scope, "go run") or None


_GO_RUNNER_OPTIONS = ("-exec", "--exec", "-toolexec", "--toolexec", "-vettool", "--vettool")


def _go_runners(args: list[Word]) -> list[Word]:
    """The programs go is told to run its builds or tools with (`-exec CMD`, `-toolexec=CMD`, `-vettool`)."""
    out: list[Word] = []
    for i, w in enumerate(args):
        if w.text == "--":
            break
        key, eq, value = w.text.partition("=")
        if key in _GO_RUNNER_OPTIONS:
            if eq:
                out.append(w._replace(text=value))
            elif i + 1 < len(args):
                out.append(args[i + 1])
    return out


def _syntax_check_only(args: list[Word]) -> bool:
    for w in args:
        t = w.text
        if t == "--" or not t.startswith("-") or t.startswith("--"):
            return False
        if "n" in t[1:] and t[1:].isalpha() and "c" not in t[1:]:
            return True
    return False


def run_script(name: str, script: Word, cmd: SimpleCommand, scope: Scope, language: str | None) -> list[Finding]:
    """A script file run by `name` (`bash f.sh`, `. f`, `./f`, `python f.py`): its text as it is when
    the command runs (written earlier on the line, or on disk), analyzed in its language (`None`:
    the language its `#!` line names). A script blastwall cannot read is asked about, unless it is
    an environment set-up file sourced from outside the project."""
    from blastwall.analyze.shell.scripts import known_setup, script_text, shebang_language, unreadable, written_here

    path = script.text
    if script.dynamic and "$" in path:
        return [unknown("shell.exec:dynamic-command", f"{name} runs the script {path}, which blastwall cannot resolve",
                        cmd.source)]
    if known_setup(path) and not written_here(path, scope):
        return []
    found = script_text(path, scope)
    if found.text is None:
        return [unreadable(name, path, found.why, cmd.source), *_script_name_findings(path, cmd.source)]
    text = found.text
    language = language or shebang_language(text)
    if language is None:
        return [unknown("shell.exec:unread-script", f"{name} runs {path}, a script in a language blastwall does not "
                        f"read ({text.split(chr(10), 1)[0][:60]})", cmd.source)]
    if language == "shell":
        return _shell_text(text, scope, f"{name} {path}")
    from blastwall.analyze.code import analyze_code

    inner = analyze_code(language, text, scope.deeper(path))
    if written_here(path, scope):
        return inner  # written on this line: every finding counts, like a one-liner
    return [f for f in inner if not f.rule_id.startswith("code.interp:")]


# ---- builtins that store code for later ---------------------------------------------------------
def handle_trap(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`trap 'CMD' EXIT INT`: CMD runs when a signal arrives or the shell exits. With one
    argument, or `-`/`""` as the first, trap resets or ignores signals and runs nothing."""
    rest = [w for w in argv[1:] if w.text not in ("-l", "-p", "-P")]
    if rest and rest[0].text == "--":
        rest = rest[1:]
    if len(rest) < 2 or rest[0].text in ("-", "") and not rest[0].dynamic:
        return []
    code = rest[0]
    if code.dynamic and code.text.startswith("$") and " " not in code.text:
        return [unknown("shell.exec:dynamic-command", f"trap runs {code.text}, which blastwall cannot resolve",
                        cmd.source)]
    return _shell_text(code.text, scope, "trap")


def handle_callback(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`mapfile -C CODE`, `complete -C CMD`/`compgen -C CMD`: bash runs the option's value;
    `bind -x 'KEYS: CMD'` binds a key to a command; `enable -f LIB` loads a shared object."""
    if name == "enable" and any(w.text.startswith("-f") or w.text.startswith("-") and "f" in w.text[1:]
                                for w in argv[1:] if not w.text.startswith("--")):
        return [unknown("shell.exec:enable-builtin", "enable -f loads a shared object into the shell, code blastwall "
                        "cannot read", cmd.source)]
    if name == "bind":
        binding = _option_value(argv[1:], ("-x",))
        if binding is None:
            return []
        text = binding.text
        end = text.find('"', 1) if text.startswith('"') else -1
        code = text[end + 1:].lstrip().removeprefix(":") if end > 0 else text.partition(":")[2]
        return _shell_text(code, scope, "bind -x")
    code = _option_value(argv[1:], ("-C",))
    if code is None:
        return []
    if code.dynamic and code.text.startswith("$") and " " not in code.text:
        return [unknown("shell.exec:dynamic-command", f"{name} -C runs {code.text}, which blastwall cannot resolve",
                        cmd.source)]
    return _shell_text(code.text, scope, f"{name} -C")


# ---- interpreters ------------------------------------------------------------------------------
INTERPRETERS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    # program: (language, code options, cluster letter for -xc style)
    "python": ("python", ("-c",), "c"),
    "pypy": ("python", ("-c",), "c"),
    "pypy3": ("python", ("-c",), "c"),
    "ipython": ("python", ("-c",), None),  # IPython: `!cmd` and `%magic` lines do not parse, so they ask
    "IPython": ("python", ("-c",), None),  # python -m IPython
    "node": ("node", ("-e", "--eval", "-p", "--print"), "e"),
    "nodejs": ("node", ("-e", "--eval", "-p", "--print"), "e"),
    "bun": ("node", ("-e", "--eval", "-p", "--print"), None),
    "perl": ("perl", ("-e", "-E"), "e"),
    "ruby": ("ruby", ("-e",), "e"),
    "php": ("php", ("-r", "--run"), None),
    "osascript": ("applescript", ("-e",), None),
    "ts-node": ("node", ("-e", "--eval", "-p", "--print"), None),
    "tsx": ("node", ("-e", "--eval", "-p", "--print"), None),
    "zx": ("node", ("-e", "--eval"), None),  # google/zx: JavaScript whose $`...` runs shell commands
    # read by call patterns only (rules/code.toml): no grammar here
    "lua": ("lua", ("-e",), None),
    "luajit": ("lua", ("-e",), None),
    "Rscript": ("r", ("-e", "--expr"), None),
    "R": ("r", ("-e",), None),
    "julia": ("julia", ("-e", "--eval", "-E", "--print"), None),
}


def handle_interpreter(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    from blastwall.analyze.code import analyze_code

    language, options, letter = INTERPRETERS[name]
    code = _option_value(argv[1:], options, cluster_letter=letter)
    if code is None and name == "deno" and len(argv) > 2 and argv[1].text == "eval":
        code = argv[2]
    if code is not None:
        if language == "applescript":
            return _applescript(argv, cmd, scope)
        if code.dynamic and code.text.startswith("$") and " " not in code.text:
            return [unknown("code.interp:exec-dynamic", f"{name} runs code from {code.text}", cmd.source)]
        return analyze_code(language, code.text, scope.deeper(f"{name} code"))
    if name == "deno":
        pos = _positionals(argv[1:])
        if pos and pos[0].text == "run" and (len(pos) == 1 or pos[1].text == "-") and \
                has_stdin(cmd):  # `deno run - <<< CODE`: the code is stdin (a here-doc's `-` is not a word)
            return _piped_code(language, cmd, scope, lambda text: analyze_code(language, text, scope.deeper("deno stdin")))
        if not pos or pos[0].text != "run" or len(pos) < 2:
            return None  # deno task/test/fmt: the rule tables judge it
        return _script_file_findings(language, pos[1].text, cmd, scope)
    if name == "python" or name.startswith("pypy"):
        mod = _option_value(argv[1:], ("-m",))
        if mod is not None:
            idx = next(i for i, w in enumerate(argv) if w is mod)
            from blastwall.analyze.shell.interp_options import module_code

            statements = module_code(mod.text, argv[idx + 1:])  # python -m timeit 'STMT': code it runs
            if statements is not None:
                return [f for w in statements for f in (
                    [unknown("code.interp:exec-dynamic", f"python -m {mod.text} runs {w.text}, code built at run time",
                             cmd.source)] if w.dynamic and w.text.startswith("$") and " " not in w.text
                    else analyze_code("python", w.text, scope.deeper(f"python -m {mod.text}")))]
            return None if mod.text in ("pip", "venv", "pytest", "http.server", "json.tool") else _rerun(
                [mod] + argv[idx + 1:], cmd, scope, "python -m")
    if name == "R":  # `R CMD TOOL`: R's tool runner, not a script named CMD
        from blastwall.analyze.shell.rcmd import r_cmd

        tools = r_cmd(argv, cmd, scope)
        if tools is not None:
            return tools
    from blastwall.analyze.shell.interp_options import script_words

    opts = script_words(language, argv[1:], program=name)  # the options before the script (interpreter_options.toml)
    found = [unknown("code.interp:option-code", f"{name} {why[:80]}: settings, code or a folder blastwall cannot judge; "
                     "a human must review it", cmd.source) for why in opts.asks]
    found += [f for path in opts.preloads for f in _script_file_findings(language, path, cmd, scope)]
    rest = opts.rest
    if opts.checks_only:
        return found  # `node --check f.js`, `php -l f.php`: the script is parsed, never run
    if rest and rest[0].text != "-":
        script = rest[0].text
        base = script.rsplit("/", 1)[-1]
        if base in ("manage.py", "artisan", "console", "bin/console", "magento"):  # framework consoles
            return found + _rerun([Word.lit(base)] + argv[argv.index(rest[0]) + 1:], cmd, scope, name)
        return found + _script_file_findings(language, script, cmd, scope)
    if found:
        return found
    if has_stdin(cmd) and language == "applescript":
        return _applescript_stdin(argv, cmd, scope)
    if has_stdin(cmd):
        return _piped_code(language, cmd, scope, lambda text: analyze_code(language, text, scope.deeper(f"{name} stdin")))
    return []


def _applescript_stdin(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`osascript <<'EOF'`, `osascript -`, `osascript < f.applescript`: with no script named, osascript runs
    what it reads on stdin, read as `osascript -e` lines are; another language (`-l JavaScript`) asks."""
    from blastwall.analyze.applescript import applescript_findings

    words = [w.text.lower() for w in argv[1:]]
    if "-l" in words and words[words.index("-l") + 1:words.index("-l") + 2] != ["applescript"]:
        return [unknown("code.interp:applescript", "osascript code in a language blastwall does not read; "
                        "a human must read it", cmd.source)]
    return _piped_code("AppleScript", cmd, scope,
                       lambda text: applescript_findings(text, scope.deeper("osascript stdin"), cmd.source))


_PY_VERSION = rx.compile(r"^-(?:[23](?:\.\d+)?(?:-(?:32|64|arm64))?t?|V:\S+)$")


def handle_py_launcher(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """`py [-3 | -3.12 | -3.12-64 | -V:Company/Tag] ARGS` (and `pyw`): the launcher picks a Python and runs
    it with ARGS; `py --list` and `py -0p` list the installed ones."""
    rest = argv[1:2] if argv[1:2] and _PY_VERSION.match(argv[1].text) else []
    return handle_interpreter("python", [Word.lit("python"), *argv[1 + len(rest):]], cmd, scope)


def _applescript(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`osascript -e LINE [-e LINE...]`: the lines read as AppleScript (analyze/applescript.py). Another
    language (`-l JavaScript`) or a line built at run time asks."""
    from blastwall.analyze.applescript import applescript_findings

    words = argv[1:]
    lines: list[str] = []
    for i, w in enumerate(words):
        value = words[i + 1] if i + 1 < len(words) else None
        if w.text == "-l" and (value is None or value.text.lower() != "applescript"):
            return [unknown("code.interp:applescript", "osascript code in a language blastwall does not read; "
                            "a human must read it", cmd.source)]
        if w.text == "-e" and value is not None:
            if value.dynamic:
                return [unknown("code.interp:applescript", "AppleScript code built at run time; a human must read it",
                                cmd.source)]
            lines.append(value.text)
    return applescript_findings("\n".join(lines), scope.deeper("osascript"), cmd.source)


def _script_file_findings(language: str, script: str, cmd: SimpleCommand, scope: Scope) -> list[Finding]:
    """`python tool.py`: what the script does when the file is there to read (as for `bash x.sh`),
    and what its name says; a script blastwall cannot read is asked about. A whole program is full
    of commands built at run time, so only concrete findings count from a file on disk (deletes and
    overwrites of known paths, literal commands, SQL, blastwall's own machinery); run-time guesses
    would make every script an ask."""
    if language == "applescript":
        return [unknown("code.interp:applescript", "AppleScript code; a human must read it", cmd.source)]
    return _script_name_findings(script, cmd.source) + run_script(program_name(cmd.argv[0].text), Word.lit(script),
                                                                  cmd, scope, language)


def handle_awk(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    from blastwall.analyze.code import analyze_code

    program = _option_value(argv[1:], ("-f", "--file"))
    if program is not None:  # awk -f FILE: the program is that file, or the text on stdin (-, /dev/stdin)
        if program.text in ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"):
            return _piped_code("awk", cmd, scope, lambda text: analyze_code("awk", text, scope.deeper("awk stdin")))
        return _script_file_findings("awk", program.text, cmd, scope)
    rest = _positionals(argv[1:], ("-F", "-v", "--assign", "--field-separator"))
    return analyze_code("awk", rest[0].text, scope.deeper("awk program")) if rest else []


def _rerun(argv: list[Word], cmd: SimpleCommand, scope: Scope, origin: str) -> list[Finding]:
    from blastwall.analyze.shell.resolve import analyze_simple

    return analyze_simple(cmd.with_argv(argv), scope.deeper(origin))


# ---- find ---------------------------------------------------------------------------------------
_FIND_VALUE_TESTS = {"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-type",
                     "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-size", "-user", "-group", "-perm",
                     "-newer", "-maxdepth", "-mindepth", "-lname", "-ilname", "-inum", "-links", "-uid", "-gid",
                     "-fstype", "-samefile", "-used", "-context", "-printf", "-fprint", "-fprintf", "-fls",
                     "-regextype", "-D", "-O", "-newermt"}
_FIND_EXEC = ("-exec", "-execdir", "-ok", "-okdir")


def _find_parts(argv: list[Word]) -> tuple[list[Word], list[Word]]:
    """find's start paths and its expression."""
    args = argv[1:]
    starts: list[Word] = []
    i = 0
    while i < len(args) and args[i].text in ("-H", "-L", "-P") or (i < len(args) and args[i].text.startswith("-D")):
        i += 1
    while i < len(args) and not args[i].text.startswith("-") and args[i].text not in ("(", "!", ")"):
        starts.append(args[i])
        i += 1
    return starts, args[i:]


def find_selects(argv: list[Word]) -> Selection:
    """Which files a find command may hand to -exec or xargs: under its start paths, limited to
    its -name patterns when every file it selects matches one (`_name_patterns`)."""
    starts, expr = _find_parts(argv)
    names = tuple(_name_patterns(expr))  # only patterns every selected file's name matches
    return Selection(tuple(w.text for w in starts if not w.dynamic) or (".",), names)


# Programs whose output lists files of the working directory (or names read from a list file).
_LISTERS = frozenset({"git", "grep", "egrep", "fgrep", "rg", "ag", "fd", "fdfind", "locate", "cat", "head", "tail",
                      "sort", "uniq", "cut", "awk", "sed", "tr", "tree", "du"})


def producer_selects(producer: SimpleCommand | None) -> Selection | None:
    """Which files the words a producer prints may name (for `| xargs cat` and `cat $(...)`):
    find's selection, the folder `ls` lists, the working directory for programs that list or
    pass on file names; None for a program whose output names no file blastwall knows of."""
    if producer is None or not producer.argv:
        return None
    name = program_name(producer.argv[0].text)
    if name in ("find", "gfind"):
        return find_selects(producer.argv)
    if name == "ls":
        folders = [w.text if not any(c in w.text for c in "*?[") else posixpath.dirname(w.text) or "."
                   for w in producer.argv[1:] if not w.text.startswith("-") and not w.dynamic]  # `ls docs/*`: docs
        return Selection(tuple(folders) or (".",))
    return Selection() if name in _LISTERS else None


def find_selection(argv: list[Word], scope: Scope) -> PathClass:
    """What kind of files a find command selects (for `find ... | xargs rm`)."""
    starts, expr = _find_parts(argv)
    return _find_selection(starts or [Word.lit(".")], expr, scope, follows=_find_follows(argv))


_FIND_OUTPUTS = ("-fprint", "-fprint0", "-fprintf", "-fls")


def _find_output(argv: list[Word], i: int) -> bool:
    """Whether argv[i] is a -fprint-style action or its file (judged as a write on their own)."""
    return argv[i].text in _FIND_OUTPUTS or (i > 0 and argv[i - 1].text in _FIND_OUTPUTS)


def handle_find(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    starts, expr = _find_parts(argv)
    texts = [w.text for w in expr]
    deletes = "-delete" in texts
    execs: list[list[Word]] = []
    j = 0
    while j < len(expr):
        if expr[j].text in _FIND_EXEC:
            k = j + 1
            inner: list[Word] = []
            while k < len(expr) and expr[k].text not in (";", "+", "\\;"):
                inner.append(expr[k])
                k += 1
            execs.append(inner)
            j = k
        j += 1
    from blastwall.analyze.shell.fsops import analyze_fs

    written = analyze_fs("find", argv, scope, cmd.source)  # -fprint FILE and its kin (rules/shell_fs.toml)
    if not deletes and not execs:
        return written
    if written:
        return written + (handle_find(name, [w for i, w in enumerate(argv) if not _find_output(argv, i)], cmd, scope)
                          or [])
    from blastwall.analyze.shell.expired import expired_selection, options_refused

    expired = None if options_refused(argv, starts) else expired_selection(starts, expr, scope)
    if expired is not None:  # only files past their age in a folder of short-lived files
        # A folder named relative to a working directory nobody gave (a batch line, an MCP call with no
        # context) cannot be looked at or counted: a bounded cleanup is allowed only where it can be.
        unplaced = not (scope.shell_dir or scope.cwd) and any(
            not s.text.startswith(("/", "~", "$")) for s in starts)
        return [Finding(rule_id="shell.fs:find-delete-expired", effect=Effect.DELETE,
                        severity=Severity.MEDIUM if unplaced else Severity.LOW,
                        reason=f"find removes only expired files from {expired}" + (
                            "; with no working directory blastwall cannot see that folder or count its files"
                            if unplaced else ""),
                        target=expired, reversible=False,
                        safer="run the same find with -print first and review the list", source=cmd.source[:200])]
    selection = _find_selection(starts or [Word.lit(".")], expr, scope, follows=_find_follows(argv))
    out: list[Finding] = []
    if deletes:
        sev = selection.severity("delete_recursive")
        out.append(Finding(rule_id="shell.fs:find-delete", effect=Effect.DELETE, severity=sev,
                           reason=f"find -delete removes the files it matches in {selection.path} ({selection.label})",
                           target=selection.path, reversible=sev <= Severity.LOW,
                           safer="run the same find with -print first and review the list", source=cmd.source[:200]))
    for inner in execs:
        if not inner:
            continue
        placeholder = Word("{}", path_class=selection, selects=find_selects(argv))
        replaced = [placeholder if "{}" in w.text else w for w in inner]
        out.extend(_rerun(replaced, cmd, scope, "find -exec"))
    return out


def _find_follows(argv: list[Word]) -> str:
    """Which symbolic links find follows: "all" (-L, -follow), "start" (-H: its start paths), or "" (-P)."""
    leading = [w.text for w in argv[1:] if w.text in ("-H", "-L", "-P")]
    if (leading and leading[-1] == "-L") or any(w.text == "-follow" for w in argv[1:]):
        return "all"
    return "start" if leading and leading[-1] == "-H" else ""


def _start_class(start: Word, scope: Scope, follows: str) -> PathClass:
    """The class of a find start path. Build output or a temp folder is judged by what a mount or a
    symbolic link made earlier on the line shows there: find crosses mounts, and follows links under it
    with -L/-follow, or at the start itself with -H or a trailing slash (`find build/d/`)."""
    pc = start.path_class or classify_in(start.text, scope)
    if pc.kind not in ("regenerable", "temp", "temp_top") or start.path_class is not None or not scope.earlier:
        return pc
    from blastwall.analyze.shell.fsops import links_reached, mounted_class

    linked = links_reached(start.text, scope, below=follows == "all") if follows or start.text.endswith("/") else None
    found = [c for c in (pc, mounted_class(start.text, scope), linked) if c is not None]
    return max(found, key=lambda c: c.severity("delete_recursive"))


def _find_selection(starts: list[Word], expr: list[Word], scope: Scope, *, follows: str = "") -> PathClass:
    texts = [w.text for w in expr]
    negated = any(t in ("!", "-not", "-o", "-or") for t in texts)
    names = [expr[k + 1].text for k, t in enumerate(texts[:-1]) if t in ("-name", "-iname")]
    paths = [expr[k + 1].text for k, t in enumerate(texts[:-1]) if t in ("-path", "-ipath", "-wholename")]
    from blastwall.analyze.shell.fsops import _paired_output

    # `find bin obj -delete` (PowerShell's `Get-ChildItem bin,obj -Recurse | Remove-Item`): .NET's output pair
    classes = [_start_class(s, scope, follows) for s in _paired_output(starts, scope)]
    worst = max(classes, key=lambda pc: pc.severity("delete_recursive"))
    if worst.kind in ("root", "system_top", "home_top", "device", "dynamic", "system", "home") and not names:
        return worst
    chosen = None if any(w.dynamic for w in expr) else _names_selected(texts)
    if chosen and all(is_regenerable_pattern(n) for n in chosen):
        label = f"{starts[0].text} ({', '.join(chosen)})"
        if worst.kind in ("project", "project_top", "regenerable", "temp", "temp_top", "project_glob"):
            return PathClass("regenerable", label)
        if worst.kind in ("home", "home_top") and all(is_regenerable_anywhere(n) for n in chosen):
            # `find ~/code -name node_modules -prune -exec rm -rf {} +`; never from / or a system folder,
            # where the same names hold installed programs (/usr/lib/node_modules holds npm itself)
            return PathClass("regenerable", label)
    if chosen and worst.kind in ("project", "project_top", "regenerable", "temp", "project_glob") and all(
            is_regenerable_pattern(n) or _with_partners(n, chosen) for n in chosen):
        # `find . -type d ( -name bin -o -name obj ) -exec rm -rf {} +`: .NET's output pair, chosen together
        return PathClass("regenerable", f"{starts[0].text} ({', '.join(chosen)})")
    if not negated and paths and all(classify(p.strip("*/"), None).kind == "regenerable" for p in paths):
        return PathClass("regenerable", f"{starts[0].text} ({', '.join(paths)})")
    if worst.kind in ("temp", "regenerable") and not negated:
        return worst
    if worst.kind == "temp_top" and (names or paths) and not negated:  # chosen files inside /tmp
        return PathClass("temp", f"{worst.path} ({', '.join(names + paths)})")
    kept = _name_patterns(expr)  # `ROOT (PATTERNS)`: the radius measures the files so named under ROOT
    if worst.kind in ("project", "project_top") and (names or paths or worst.kind == "project"):
        # the files a search picks in the project are several project files, as a glob picks them
        return PathClass("project_glob", f"{starts[0].text} ({', '.join(kept)})" if kept else starts[0].text)
    return PathClass(worst.kind, worst.path + (f" ({', '.join(kept)})" if kept else ""))


def _with_partners(name: str, chosen: list[str]) -> bool:
    """A folder name that is build output only beside its partners (`bin` with `obj`,
    rules/shell_fs.toml [paired_output]), chosen by the same search as all of them."""
    partners = load_table("shell_fs").get("paired_output", {}).get(name)
    return bool(partners) and all(p in chosen for p in partners)


_FIND_ACTIONS = frozenset({*_FIND_EXEC, "-delete", "-print", "-print0", "-printf", "-fprint", "-ls", "-fls", "-quit"})


def _names_selected(texts: list[str]) -> list[str] | None:
    """`-name` patterns such that every file reaching one of find's actions matches one of them, read
    from the expression's tree: a conjunction is bound by any of its parts (`-type d -name x`), an
    `-o` only when each side is (`( -name a -o -name b )`), and nothing under `!`/`-not`, a
    case-insensitive or path test. A side of an `-o` that holds no action (`-path ./node_modules
    -prune -o -name '*.tsbuildinfo' -delete`) hands its files to no action: it binds nothing and
    needs no bound. None when the files cannot be told by their names."""
    pos = 0
    acted = False  # whether the part read so far holds an action (-delete, -exec, -print...)

    def primary() -> list[str] | None:
        nonlocal pos, acted
        t = texts[pos]
        pos += 1
        if t in _FIND_ACTIONS:
            acted = True
        if t in ("!", "-not"):
            unary()
            return None
        if t == "(":
            inner = disjunction()
            if pos < len(texts) and texts[pos] == ")":
                pos += 1
            return inner
        if t in _FIND_EXEC:
            while pos < len(texts) and texts[pos] not in (";", "\\;", "+"):
                pos += 1
            pos += 1
            return None
        if t in _FIND_VALUE_TESTS:
            value = texts[pos] if pos < len(texts) else ""
            pos += 1
            return [value] if t == "-name" else None
        return None

    def unary() -> list[str] | None:
        return primary()

    def conjunction() -> list[str] | None:
        nonlocal pos
        parts = [unary()]
        while pos < len(texts) and texts[pos] not in _FIND_OR and texts[pos] != ")":
            if texts[pos] in ("-a", "-and"):
                pos += 1
                continue
            parts.append(unary())
        bound = [p for p in parts if p]
        return next((p for p in bound if all(is_regenerable_pattern(n) for n in p)), bound[0] if bound else None)

    def side() -> tuple[list[str] | None, bool]:
        nonlocal acted
        before, acted = acted, False
        bound = conjunction()
        mine, acted = acted, before or acted
        return bound, mine

    def disjunction() -> list[str] | None:
        nonlocal pos
        sides = [side()]
        while pos < len(texts) and texts[pos] in _FIND_OR:
            pos += 1
            sides.append(side())
        if len(sides) > 1 and any(mine for _, mine in sides):
            sides = [(bound, mine) for bound, mine in sides if mine]  # sides with no action act on nothing
        return None if any(not bound for bound, _ in sides) else [n for bound, _ in sides for n in bound or []]

    try:
        found = disjunction() if texts else None
    except IndexError:
        return None
    return found if pos >= len(texts) else None
_FIND_OR = frozenset({"-o", "-or"})
_FIND_NOT = frozenset({"!", "-not"})


def _name_patterns(expr: list[Word]) -> list[str]:
    """`-name` patterns such that every file find selects matches one of them by its name, or []
    when the files cannot be told by their names alone. Without `-o` the tests all hold at once,
    so any `-name` not negated bounds the selection (`-name '*.ts' -not -path './node_modules/*'`);
    with `-o` every test must be a `-name` (or `-prune`) and none negated. A case-insensitive or
    path pattern is no name pattern (the measurer matches names, case-sensitively). With [] every
    file under the start points is measured: more, never fewer, than find selects."""
    texts: list[str] = []
    for w in expr:
        if w.text in _FIND_ACTIONS:
            break
        texts.append(w.text)
    if any(w.dynamic for w in expr):
        return []
    positive = [texts[k + 1] for k, t in enumerate(texts[:-1])
                if t == "-name" and not (k > 0 and texts[k - 1] in _FIND_NOT)]
    if not any(t in _FIND_OR for t in texts):
        return positive
    if any(t in _FIND_NOT for t in texts):
        return []
    tests = [t for k, t in enumerate(texts) if t.startswith("-") and t not in _FIND_OR
             and not (k > 0 and texts[k - 1] == "-name")]
    if any(t not in ("-name", "-prune") for t in tests):  # `-name node_modules -prune -o -name '*.ts'`
        return []
    return positive


# ---- task runners and package scripts -------------------------------------------------------------
@functools.cache
def _scripts_table() -> dict[str, Any]:
    return load_table("shell_scripts")


def _scripts() -> dict[str, Any]:
    return _scripts_table()["scripts"]


def _destructive_name(name: str) -> bool:
    """A task or script name that says it destroys (`db:reset`, `nuke`, `drop-tables`), read by the
    verb model (`analyze/verbs.py`: `build:dropdown` and `cache:clear` do not)."""
    from blastwall.analyze.verbs import read_words

    return read_words([name]) is not None


def _streamed_task_file(name: str, argv: list[Word], cmd: SimpleCommand) -> list[Finding]:
    """`make -f -`, `just --justfile /dev/stdin`, `make -f <(...)`: the tasks come from a stream."""
    taskfile = _option_value(argv[1:], tuple(_scripts()["task_file_options"].get(name, ())))
    if taskfile is None:
        return []
    text = taskfile.text
    if not (text == "-" or taskfile.dynamic or "$" in text or text.startswith(("/dev/", "/proc/")) or "<(" in text):
        return []
    return [unknown("shell.scripts:streamed-task-file", f"{name} reads its tasks from {text} (text made at run "
                    "time, which blastwall does not see); a human must check what they run", cmd.source)]


def handle_runner(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    streamed = _streamed_task_file(name, argv, cmd)
    if streamed and name in ("make", "gmake"):  # `printf 'all:...' | make -f -`: the Makefile is on the line
        read = _streamed_makefile(argv, cmd, scope)
        streamed = streamed if read is None else read
    if streamed:
        return streamed
    if name == "composer" and len(argv) > 2:
        from blastwall.analyze.shell.pkg_scripts import pkg_script_findings

        set_scripts = pkg_script_findings(argv, cmd, scope)  # `composer config scripts.x CMD`: CMD runs later
        if set_scripts is not None:
            return set_scripts
    if name == "mix":
        from blastwall.analyze.shell.unread_code import unread_code

        code = unread_code(name, argv, cmd, scope)  # `mix run -e CODE`, `mix run script.exs`
        if code is not None:
            return code
    targets = [w for w in _positionals(argv[1:], ("-C", "-f", "--file", "-j", "--jobs", "--directory", "-d", "--dir",
                                                  "-t", "--taskfile")) if "=" not in w.text]
    if name in _scripts().get("single_task", []) and targets and targets[0].text not in _scripts()["multi_task"]:
        targets = targets[:1]  # `mix test test/purge_test.exs`: one task, the rest are its arguments
    targets += _task_option_names(name, argv)
    dry = _dry_run(name, argv)
    if name in ("make", "gmake"):
        from blastwall.analyze.shell.tasks import make_recipes

        directory = _option_value(argv[1:], ("-C", "--directory"))
        makefile = _option_value(argv[1:], ("-f", "--file", "--makefile"))
        recipes = make_recipes([t.text for t in targets], scope, directory.text if directory else None,
                               makefile.text if makefile else None, dry_run=dry)
        if dry:
            written = _dry_run_written(makefile.text if makefile else "Makefile", [t.text for t in targets], scope,
                                       cmd)
            if written is not None:
                return written
        if recipes is not None or dry:
            recipes = recipes or []
            found: list[Finding] = []
            for line in recipes:
                found.extend(_shell_text(line, scope, f"make {' '.join(t.text for t in targets) or '(default)'}"))
            return found
    if dry:
        return []  # `just -n nuke`: the runner prints what the task would run
    from blastwall.analyze.shell.build_files import body_decides, read_build_file

    named, read = read_build_file(name, argv, scope, cmd.source)  # `make -f ci.mk x`: the file named decides
    out: list[Finding] = []
    for t in targets if not (read and body_decides(name)) else ():  # `just reset-db`: its body, once read
        if _destructive_name(t.text):
            out.extend(_script_name_findings(t.text, cmd.source))
    found = out + (named if named is not None else _unread_tasks(name, targets, argv, cmd, scope))
    return found if found or (read and body_decides(name)) else None


def _streamed_makefile(argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """The findings of the recipes of a Makefile fed on make's input (streamed_make.py), or None."""
    from blastwall.analyze.shell.stdin import stdin_of
    from blastwall.analyze.shell.streamed_make import STDIN_NAMES, streamed_recipes

    taskfile = _option_value(argv[1:], ("-f", "--file", "--makefile"))
    if taskfile is None or taskfile.dynamic or taskfile.text not in STDIN_NAMES:
        return None
    if {"MAKEFILES", "MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS"} & {*cmd.assigns, *(cmd.env or {})}:
        return None  # more Makefiles or options from the environment
    if any(w.text.startswith(("-f", "--file", "--makefile")) for w in argv[1:]) and \
            sum(1 for w in argv[1:] if w.text in ("-f", "--file", "--makefile")) != 1:
        return None  # a second Makefile beside the streamed one
    targets = [w.text for w in _positionals(argv[1:], ("-C", "-f", "--file", "--makefile", "-j", "--jobs",
                                                        "--directory", "-I", "-o", "-W"))]
    if any("=" in t for t in targets):
        return None  # `make -f - CC=rm x`: a variable set on the command line changes the recipes
    if any(w.text.startswith("-") and w.text not in ("-f", "-s", "--silent", "-k", "-B") and not w.text.startswith("-j")
           for w in argv[1:] if w is not taskfile):
        return None  # -C, -e, -I and others change what runs
    recipes = streamed_recipes(stdin_of(cmd, scope), targets)
    if recipes is None:
        return None
    found: list[Finding] = []
    for line in recipes:
        found.extend(_shell_text(line, scope, f"make -f {taskfile.text} {' '.join(targets) or '(default)'}"))
    return found


def _task_option_names(name: str, argv: list[Word]) -> list[Word]:
    """The tasks an option names (`nx run-many -t destroy,lint`, `nx affected --targets=destroy`),
    one word per comma-separated name (shell_scripts.toml `task_options`)."""
    options = tuple(_scripts().get("task_options", {}).get(name, ()))
    value = _option_value(argv[1:], options) if options else None
    if value is None:
        return []
    return [Word(part, dynamic=value.dynamic) for part in value.text.split(",") if part]


def _dry_run_written(makefile: str, targets: list[str], scope: Scope, cmd: SimpleCommand) -> list[Finding] | None:
    """`printf 'x:\n\t...' >> M && make -n -f M x`: the recipe lines a dry run still runs (`+`,
    $(MAKE)) in what the line wrote to the Makefile are analyzed; a piece written with text blastwall
    cannot know is asked about. None when the line writes no Makefile."""
    from blastwall.analyze.shell.scripts import pieces_written, unreadable
    from blastwall.analyze.shell.tasks import recipes_in

    pieces = pieces_written(makefile, scope)
    if pieces is None:
        return None
    if any(p is None for p in pieces):
        return [unreadable("make", makefile, "an earlier command on this line writes it with content blastwall "
                           "cannot know", cmd.source)]
    text = "".join(p for p in pieces if p is not None)
    if "$(shell" in text or "${shell" in text:
        return [unreadable("make", makefile, "it runs $(shell ...) as it is read, even in a dry run", cmd.source)]
    found: list[Finding] = []
    for line in recipes_in(text, targets, dry_run=True) or []:
        found.extend(_shell_text(line, scope, f"make -n {' '.join(targets)}"))
    return found


def _dry_run(name: str, argv: list[Word]) -> bool:
    """The runner only prints what its tasks would run (`make -n`, `make -kn`, `just --dry-run`)."""
    options = _scripts().get("dry_run_options", {}).get(name, ())
    takes_value = _scripts().get("short_value_options", {}).get(name, "")
    for w in argv[1:]:
        t = w.text
        if w.dynamic or t == "--":
            return False
        if t.partition("=")[0] in options:
            return True
        if t.startswith("-") and not t.startswith("--") and t[1:].isalpha():
            for c in t[1:]:
                if c in takes_value:
                    break
                if f"-{c}" in options:
                    return True
    return False


def _unread_tasks(name: str, targets: list[Word], argv: list[Word], cmd: SimpleCommand, scope: Scope,
                  changed_only: bool = False) -> list[Finding]:
    """Tasks of a runner whose task file blastwall cannot read (it is not there, or files are not
    read for this check): a name that builds, tests or checks runs; any other is asked about. A
    task file an earlier command of the line rewrote with text blastwall cannot know runs whatever
    it now says: every task of it is asked about (task_edits.py)."""
    from blastwall.analyze.shell.tasks import task_files_unread

    files = _scripts()["runner_files"].get(name)
    if files is None and scope.earlier:
        from blastwall.analyze.shell.task_edits import edited_only_files

        files, changed_only = edited_only_files(name), True  # `mv x.json composer.json && composer install`
    directory = _option_value(argv[1:], ("-C", "--directory", "--dir", "--cwd", "-d"))
    why = task_files_unread(files, scope, directory.text if directory else None) if files else None
    if why is None:
        return []
    from blastwall.analyze.shell.task_edits import UNKNOWN_WHY

    changed = why.endswith(UNKNOWN_WHY)  # edited on this line; a pull brings the repository's history: as before
    if changed_only and not changed:
        return []
    unsafe = [t.text for t in targets if changed or (not _safe_task(t.text) and not _destructive_name(t.text))]
    if changed and not unsafe:
        unsafe = ["(default)"]
    if not unsafe:
        return []
    return [unknown("shell.scripts:unread-task", f"{name} runs the task {unsafe[0]}, which blastwall cannot read "
                    f"({why}); a human must check what it does", cmd.source)]


def _safe_task(name: str) -> bool:
    from blastwall.analyze.shell.scripts import safe_task

    return safe_task(name)


def handle_package_manager(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    if name == "bun" and _option_value(argv[1:], ("-e", "--eval", "-p", "--print")) is not None:
        return handle_interpreter(name, argv, cmd, scope)  # bun -e CODE
    pos = _positionals(argv[1:], ("--prefix", "-C", "--cwd", "--dir", "--filter", "-F", "-w", "--workspace"))
    if not pos:
        return None
    first = pos[0].text
    if first in ("pkg", "pm", "set-script"):
        from blastwall.analyze.shell.pkg_scripts import pkg_script_findings

        set_scripts = pkg_script_findings(argv, cmd, scope)  # `npm pkg set scripts.x=CMD`: CMD runs later
        if set_scripts is not None:
            return set_scripts
    script_name = pos[1].text if first in ("run", "run-script") and len(pos) > 1 else (
        first if first in ("test", "start", "stop", "restart") or (name != "npm" and first not in _scripts()["builtins"])
        else None)
    if script_name is not None:
        from blastwall.analyze.shell.tasks import package_script

        prefix = _option_value(argv[1:], ("--prefix", "-C", "--cwd", "--dir"))
        commands = package_script(script_name, scope, prefix.text if prefix else None)
        if commands is not None:
            found_in_script: list[Finding] = []
            for line in commands:
                found_in_script.extend(_shell_text(line, scope, f"{name} script {script_name}"))
            return found_in_script
    unread: list[Finding] = []
    prefix = _option_value(argv[1:], ("--prefix", "-C", "--cwd", "--dir"))
    if script_name is not None and not _destructive_name(script_name) and \
            (first in ("run", "run-script", "test", "start", "stop", "restart") or not _installed_name(script_name)):
        unread = _unread_tasks(name, [Word.lit(script_name)], [argv[0], *([Word.lit("-C"), prefix] if prefix else [])],
                               cmd, scope, changed_only=_safe_task(script_name))
    elif script_name is None and scope.earlier:
        from blastwall.analyze.shell.task_edits import install_runs_hooks

        if install_runs_hooks(name, first):  # `curl -o package.json URL && npm i`: its install hooks run
            unread = _unread_tasks(name, [Word.lit(first)], [argv[0], *([Word.lit("-C"), prefix] if prefix else [])],
                                   cmd, scope, changed_only=True)
    if first in ("run", "run-script") and len(pos) > 1:
        script = pos[1]
        found = unread + (_script_name_findings(script.text, cmd.source) if _destructive_name(script.text) else [])
        if name != "npm":  # yarn/pnpm/bun run also run binaries from node_modules/.bin
            found += _rerun(argv[argv.index(script):], cmd, scope, f"{name} run")
        return found
    if first in ("exec", "dlx", "x") and len(pos) > 1:
        return _rerun(argv[argv.index(pos[1]):], cmd, scope, f"{name} {first}")
    if name != "npm" and first not in _scripts()["builtins"]:
        found = unread + (_script_name_findings(first, cmd.source) if _destructive_name(first) else [])
        return found + _rerun(argv[argv.index(pos[0]):], cmd, scope, name)
    return unread or None


HANDLERS: dict[str, Handler] = {
    **{s: handle_shell for s in SHELLS},
    "eval": handle_eval,
    "source": handle_source,
    ".": handle_source,
    **{p: handle_interpreter for p in INTERPRETERS},
    "py": handle_py_launcher,  # Windows' Python launcher: `py -3.12 -c CODE` is python
    "pyw": handle_py_launcher,
    "deno": handle_interpreter,
    "go": handle_go,
    "awk": handle_awk,
    "gawk": handle_awk,
    "mawk": handle_awk,
    "nawk": handle_awk,
    "find": handle_find,
    "gfind": handle_find,
    "trap": handle_trap,
    **dict.fromkeys(("mapfile", "readarray", "complete", "compgen", "bind", "enable"), handle_callback),
}
INTERPRETERS["deno"] = ("node", ("--eval",), None)


def register(names: list[str], handler: Handler) -> None:
    for n in names:
        HANDLERS[n] = handler


# Handlers in modules of their own, imported the first time one of their programs appears
# (a hook that checks `git push` never loads the database or HTTP clients). A test checks
# that these lists match what the modules register.
LAZY_MODULES: dict[str, str] = {
    **{n: "blastwall.analyze.shell.dbcli" for n in (
        "psql", "mysql", "mariadb", "sqlite3", "duckdb", "clickhouse-client", "cockroach", "cqlsh", "bq", "snowsql",
        "usql", "mongosh", "mongo", "redis-cli", "valkey-cli", "keydb-cli", "wrangler", "heroku", "turso", "sqlcmd",
        "fly", "flyctl", "railway", "sqlplus", "mycli", "litecli", "isql", "tsql", "pgcli")},
    **{n: "blastwall.analyze.shell.httpcli" for n in (
        "curl", "curlie", "wget", "http", "https", "xh", "xhs", "gh", "glab", "az")},
    **{n: "blastwall.analyze.shell.carriers" for n in (  # rules/carriers.toml
        "at", "batch", "crontab", "tmux", "screen", "vim", "vi", "nvim", "ex", "view", "rvim", "rview", "gvim",
        "vimdiff", "evim", "vimx", "ed", "red", "gdb", "gdb-multiarch", "cgdb", "lldb", "lldb-14", "lldb-15", "lldb-16",
        "lldb-17", "lldb-18", "lldb-19", "tclsh", "tclsh8.6", "tclsh9.0", "wish",
        "expect", "jimsh", "less", "more", "most", "man", "sed", "gsed", "artisan", "rails", "manage.py",
        "django-admin", "emacs", "emacs-nox", "emacsclient", "rake",
        "sftp", "ftp", "pftp", "tnftp", "ncftp", "tftp", "lftp", "smbclient")},
    **{n: "blastwall.analyze.shell.catalogcli" for n in ("aws", "gcloud")},
    **{n: "blastwall.analyze.shell.archives" for n in ("tar", "gtar", "bsdtar")},
    **{n: "blastwall.analyze.shell.fdfind" for n in ("fd", "fdfind")},
    "java": "blastwall.analyze.shell.jars",  # rules/jars.toml
    **{n: "blastwall.analyze.shell.archive_moves" for n in (  # rules/archive_moves.toml
        "zip", "7z", "7za", "7zz", "7zr", "rar", "zstd", "lz4", "brotli", "lzip", "plzip", "lzop")},
    **{n: "blastwall.analyze.shell.ansible" for n in ("ansible", "ansible-playbook")},
    "curator_cli": "blastwall.analyze.shell.curator",  # Elasticsearch Curator: expired index deletions
    **{n: "blastwall.analyze.shell.kubectl_files" for n in ("kubectl", "oc", "kubecolor")},  # manifests -f names
    **{n: "blastwall.analyze.shell.firewall" for n in (  # rules/firewall.toml: rules that lock the operator out
        "iptables", "ip6tables", "iptables-nft", "iptables-legacy", "ip6tables-nft", "ip6tables-legacy", "nft",
        "firewall-cmd")},
    **{n: "blastwall.analyze.shell.firewall_files" for n in (  # rules/firewall.toml [files]: rule files loaded
        "iptables-restore", "ip6tables-restore", "iptables-legacy-restore", "ip6tables-legacy-restore",
        "iptables-nft-restore", "ip6tables-nft-restore")},
    **{n: "blastwall.analyze.shell.kafka_cli" for n in (  # rules/queues.toml [kafka]: retention cuts
        "kafka-configs", "kafka-configs.sh", "kafka-topics", "kafka-topics.sh")},
    "sysctl": "blastwall.analyze.shell.sysctl",  # rules/sysctl.toml: kernel settings that run programs
    **{n: "blastwall.analyze.shell.rawclients" for n in (  # rules/raw_clients.toml: text for a service's port
        "nc", "ncat", "netcat", "nc.openbsd", "nc.traditional", "telnet", "socat")},
    "run-parts": "blastwall.analyze.shell.run_parts",  # every program in a folder
    **{n: "blastwall.analyze.shell.jq_scripts" for n in ("jq", "gojq", "jaq")},  # package scripts a filter sets
    **{n: "blastwall.analyze.shell.powershell" for n in ("pwsh", "pwsh.exe", "powershell", "powershell.exe", "cmd",
                                                                 "cmd.exe", "runas", "runas.exe", "wmic", "wmic.exe",
                                                                 "schtasks", "schtasks.exe", "start", "sc", "sc.exe")},
    **{n: "blastwall.analyze.shell.unread_code" for n in (  # rules/unread_code.toml, but mix (a task runner)
        "elixir", "iex", "erl", "escript", "groovy", "scala", "scala-cli", "amm", "kotlin", "kotlinc", "jshell",
        "clojure", "clj", "bb", "babashka", "racket", "guile", "sbcl", "ecl", "clisp", "ccl", "ccl64", "raku",
        "perl6", "rakudo", "ghc", "ghci", "runghc", "runhaskell", "crystal", "ocaml", "utop", "nu", "nushell",
        "xonsh", "elvish", "ion", "ysh", "oil", "swift", "dotnet", "dotnet.exe", "dotnet-script")},
}


def handler_for(name: str) -> Handler | None:
    handler = HANDLERS.get(name)
    if handler is None and name in LAZY_MODULES:
        import importlib

        importlib.import_module(LAZY_MODULES[name])
        handler = HANDLERS.get(name)
    return handler


register(list(_scripts()["runners"]), handle_runner)
register(list(_scripts()["package_managers"]), handle_package_manager)
