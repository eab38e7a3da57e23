"""Strip wrapper programs (`sudo`, `env`, `timeout`, `docker exec`, `ssh`, `xargs`...).

The knowledge is in `rules/shell_wrappers.toml`; this module only applies it. `peel(argv)`
returns what the wrapper runs: more argv, a shell string to parse again, or nothing.
"""

from __future__ import annotations

import functools
import posixpath
from typing import Any, NamedTuple

from blastwall.analyze.ruleset import load_table
from blastwall.analyze.shell.ir import Word
from blastwall.analyze.shell.names import program_name


class Peeled(NamedTuple):
    wrapper: str
    argv: list[Word] | None = None  # the wrapped command's argv
    shell: Word | None = None  # a shell string to analyze instead
    stdin_args: bool = False  # the command receives more arguments from stdin (xargs)
    remote: bool = False
    privileged: bool = False
    replace_token: str | None = None  # xargs -I{}: the token replaced by each input
    env_files: tuple[str, ...] = ()  # files whose variables the wrapper loads for the command (`--env-file .env`)
    mounts: tuple[tuple[str, str], ...] = ()  # (path in the container, path here): `-v $PWD:/w`, `--mount ...`
    outputs: tuple[Word, ...] = ()  # files the wrapper itself writes before its command runs (`strace -o FILE`)


@functools.cache
def _index() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    idx: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key, spec in load_table("shell_wrappers")["wrapper"].items():
        for name in spec["names"]:
            idx.setdefault(name, []).append((key, spec))
    return idx


@functools.cache
def _global_options(name: str) -> frozenset[str]:
    """The options `name` takes before its subcommand, each with a value (rules: [global_options])."""
    return frozenset(load_table("shell_wrappers").get("global_options", {}).get(name, ()))


def is_wrapper(name: str) -> bool:
    return name in _index()


def _option_name(arg: str) -> str:
    return arg.split("=", 1)[0] if arg.startswith("--") else arg


def _bundle(arg: str, value_opts: set[str], shell_opts: set[str], noexec: set[str]) -> tuple[str, str | None]:
    """Read a bundle of short options the way getopt does (`-qc CMD`, `-lc CMD`, `-iu root`):
    letters are flags until one takes a value, which is the rest of the word or, when nothing
    is left, the next word. Returns (kind, glued value): kind is "flags", "noexec", "value" or
    "shell"; the glued value is None when the value is the next word."""
    for j, letter in enumerate(arg[1:], 1):
        opt = "-" + letter
        glued = arg[j + 1:] or None
        if opt in noexec:
            return "noexec", None
        if opt in shell_opts:
            return "shell", glued
        if opt in value_opts:
            return "value", glued
    return "flags", None


def peel(argv: list[Word]) -> Peeled | None:
    """Strip one wrapper from `argv`, or None when argv[0] is not a wrapper here."""
    name = program_name(argv[0].text)
    for key, spec in _index().get(name, []):
        rest = argv[1:]
        sub = spec.get("subcommand")
        if sub:
            matched = None
            # the program's own options before its subcommand (`docker -H ssh://h --context c exec`)
            value_opts = set(spec.get("value_options", [])) | _global_options(name)
            for phrase in sub:
                words = phrase.split()
                positional = _positionals(rest, value_opts)[: len(words)]
                if positional == words:
                    matched = words
                    break
            if matched is None:
                continue
            # drop everything up to and including the subcommand words
            rest = rest[_after_positionals(rest, value_opts, len(matched)):]
        result = _peel_with(key, spec, rest)
        if result is not None:
            loaded = _env_files(spec, argv[1:], name)
            mounts = _mounts(spec, argv[1:])
            outputs = _outputs(spec, argv[1:], result) if "output_options" in spec else ()
            return result._replace(env_files=loaded, mounts=mounts, outputs=outputs) \
                if loaded or mounts or outputs else result
    return None


def _env_files(spec: dict[str, Any], rest: list[Word], name: str) -> tuple[str, ...]:
    """The files a wrapper loads variables from: its `env_file_options` (`docker run --env-file
    .env`, `dotenv -e .env --`), or the file it loads by default (`dotenv run`: .env)."""
    options = set(spec.get("env_file_options", []))
    out: list[str] = []
    for i, w in enumerate(rest):
        if w.text == "--" or (not w.text.startswith("-") and i and rest[i - 1].text not in options
                              and not rest[i - 1].text.startswith("-")):
            break
        key, eq, value = w.text.partition("=")
        if key in options:
            out.append(value if eq else rest[i + 1].text if i + 1 < len(rest) else "")
    if not out:
        out = list((spec.get("default_env_files") or {}).get(name, []))
    return tuple(f for f in out if f and "$" not in f)


def _outputs(spec: dict[str, Any], words: list[Word], result: Peeled) -> tuple[Word, ...]:
    """The log files a wrapper opens for writing before its command runs: the values of its
    `output_options` (`strace -o F`, `valgrind --log-file=F`, `time -o F`) and, with
    `output_positional`, its first positional (`script F`). None when an `append_options` is given."""
    end = len(words)
    if result.argv:
        end = next((i for i, w in enumerate(words) if w is result.argv[0]), end)
    before = words[:end]
    options = set(spec["output_options"])
    appends = set(spec.get("append_options", ()))
    out: list[Word] = []
    value_opts = set(spec.get("value_options", [])) | set(spec.get("shell_string_options", [])) | options
    skip = False
    positional = int(spec.get("output_positional", 0))
    for i, w in enumerate(before):
        if skip:
            skip = False
            continue
        t = w.text
        if t == "--":
            break
        key, eq, value = t.partition("=") if t.startswith("--") else (t, "", "")
        if key in appends or (not t.startswith("--") and len(t) > 2 and t[0] == "-"
                              and any("-" + c in appends for c in t[1:])):
            return ()
        if key in options:
            if eq:
                out.append(Word(value, dynamic=w.dynamic, raw=value))
            elif i + 1 < len(before):
                out.append(before[i + 1])
            skip = not eq
            continue
        if not eq and t[:2] in options and len(t) > 2 and not t.startswith("--"):  # `-oFILE`
            out.append(Word(t[2:], dynamic=w.dynamic, raw=t[2:]))
            continue
        if t.startswith("-") and len(t) > 1:
            skip = key in value_opts and not eq
            continue
        if positional and t not in ("-c", "--command"):
            out.append(w)
            positional = 0
    return tuple(o for o in out if o.text and o.text != "/dev/null")


def _mounts(spec: dict[str, Any], words: list[Word]) -> tuple[tuple[str, str], ...]:
    """Bind mounts a container wrapper gives its command: `-v HOST:CTR[:ro]`, `--volume=...`,
    `--mount type=bind,source=HOST,target=CTR` -> ((CTR, HOST), ...). Named volumes are left out."""
    options = set(spec.get("mount_options", []))
    if not options:
        return ()
    out: list[tuple[str, str]] = []
    for i, w in enumerate(words):
        key, eq, value = w.text.partition("=") if w.text.startswith("--") else (w.text, "", "")
        if key not in options:
            continue
        value = value if eq else words[i + 1].text if i + 1 < len(words) else ""
        if key == "--mount":
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            host = fields.get("source") or fields.get("src") or ""
            ctr = fields.get("target") or fields.get("destination") or fields.get("dst") or ""
        else:
            host, _, rest = value.partition(":")
            ctr = rest.split(":", 1)[0]
        if host.startswith(("/", "~", ".", "$")) and ctr.startswith("/"):
            out.append((ctr.rstrip("/") or "/", host))
    return tuple(out)


def _positionals(rest: list[Word], value_opts: set[str]) -> list[str]:
    """The words of `rest` that are not options or their values (`dotenv -f .env run` -> run)."""
    out: list[str] = []
    skip = False
    for w in rest:
        if skip:
            skip = False
            continue
        if w.text.startswith("-"):
            skip = _option_name(w.text) in value_opts and "=" not in w.text
            continue
        out.append(w.text)
    return out


def _after_positionals(rest: list[Word], value_opts: set[str], count: int) -> int:
    """The index just after the `count`-th positional word of `rest` (options and their values skipped)."""
    skip = False
    for i, w in enumerate(rest):
        if skip:
            skip = False
        elif w.text.startswith("-"):
            skip = _option_name(w.text) in value_opts and "=" not in w.text
        else:
            count -= 1
            if count <= 0:
                return i + 1
    return len(rest)


def _peel_with(key: str, spec: dict[str, Any], rest: list[Word]) -> Peeled | None:
    early = _peel_by_option(key, spec, rest)
    if early is not None:
        return early
    words_in = rest
    if spec.get("needs_dashdash") and not any(w.text == "--" for w in rest):
        return None  # `fab deploy`: task names, judged by the program's tables and the verb model
    if any(w.text in spec.get("argv_options", ()) for w in rest):  # `watch -x CMD ARGS`: no shell in between
        spec = {**spec, "join_shell": False}
        rest = [w for w in rest if w.text not in spec["argv_options"]]
    value_opts = set(spec.get("value_options", []))
    shell_opts = set(spec.get("shell_string_options", []))
    noexec = set(spec.get("noexec_options", []))
    skip = int(spec.get("skip", 0))
    start = spec.get("start", "positional")
    common = Peeled(
        wrapper=key,
        remote=bool(spec.get("remote")),
        privileged=bool(spec.get("privileged")),
        stdin_args=bool(spec.get("stdin_args")),
    )
    replace_token: str | None = None
    entry_opts = set(spec.get("entrypoint_options", []))
    entry: Word | None = None
    if start == "dashdash_or_positional" and any(w.text == "--" for w in rest):
        after = rest[[w.text for w in rest].index("--") + 1:]
        return common._replace(argv=after)
    i = 0
    while i < len(rest):
        w = rest[i]
        t = w.text
        if t == "--":
            i += 1
            break
        if t.startswith("-") and len(t) > 1 and not w.dynamic:
            opt = _option_name(t)
            if opt in noexec:  # runs nothing; with `judge_noexec` the program's own rules judge it (wsl --unregister)
                return None if spec.get("judge_noexec") else Peeled(wrapper=key, argv=[])
            if opt in shell_opts:
                glued = "=" in t and t.startswith("--")
                value = Word(t.split("=", 1)[1], raw=t) if glued else (rest[i + 1] if i + 1 < len(rest) else None)
                if value is None:
                    return Peeled(wrapper=key, argv=[])
                if spec.get("split_string_joins_rest"):
                    value = _joined(value, rest[i + (1 if glued else 2):])
                return common._replace(shell=value)
            if opt in ("-I", "-i", "--replace") and spec.get("stdin_args"):
                if opt == "-I" and i + 1 < len(rest):
                    replace_token = rest[i + 1].text
                    i += 2
                    continue
                replace_token = "{}"
            if opt in entry_opts:  # `docker run --entrypoint rm IMAGE -rf /d`: the program run is rm
                entry = Word(t.split("=", 1)[1], raw=t) if "=" in t else (rest[i + 1] if i + 1 < len(rest) else None)
            if opt in value_opts and "=" not in t:
                i += 2
                continue
            if not t.startswith("--") and len(t) > 2 and not spec.get("stdin_args"):
                kind, glued = _bundle(t, value_opts, shell_opts, noexec)
                if kind == "noexec":
                    return Peeled(wrapper=key, argv=[])
                if kind == "shell":
                    value = Word(glued, raw=glued) if glued else (rest[i + 1] if i + 1 < len(rest) else None)
                    if value is not None and spec.get("split_string_joins_rest"):
                        value = _joined(value, rest[i + (1 if glued else 2):])
                    return common._replace(shell=value) if value is not None else Peeled(wrapper=key, argv=[])
                i += 2 if kind == "value" and glued is None else 1
                continue
            if spec.get("stdin_args") and t[:2] in value_opts and len(t) > 2:
                if t[:2] == "-I":
                    replace_token = t[2:]
                i += 1
                continue
            i += 1
            continue
        if spec.get("assignments") and "=" in t and not t.startswith("=") and t.split("=", 1)[0].isidentifier():
            i += 1
            continue
        if start == "dashdash":
            i += 1
            continue
        break
    rest = rest[i:]
    if spec.get("noexec_only"):
        return Peeled(wrapper=key, argv=[])
    if spec.get("functions"):
        return _function_call(common, spec, rest)
    if skip:
        if start == "dashdash_or_positional" and any(w.text == "--" for w in rest):
            rest = rest[[w.text for w in rest].index("--") + 1:]
        else:
            rest = rest[skip:]
            if rest and rest[0].text == "--":
                rest = rest[1:]
    if entry is not None and entry.text:
        rest = [entry, *rest]
    if spec.get("input_separators"):
        return _with_inputs(common, rest, spec, replace_token)
    if not rest and spec.get("default_command"):
        rest = [Word.lit(spec["default_command"])]
    if not rest and _starts_shell(spec, words_in):
        rest = [Word.lit("sh")]  # `sudo -s <<< CMD`, `echo CMD | sudo -i`: the shell reads its commands from stdin
    if spec.get("join_shell"):
        if not rest:
            return Peeled(wrapper=key, argv=[])
        joined = _join_words(spec, rest)
        return common._replace(shell=Word(joined, dynamic=any(w.dynamic for w in rest), raw=joined))
    return common._replace(argv=rest, replace_token=replace_token)


def _join_words(spec: dict[str, Any], rest: list[Word]) -> str:
    """The one command line a joining wrapper hands to its shell. By default the words are joined
    with spaces (ssh); `join_raw` keeps their quotes (wsl); `join_quote` lists the characters for
    which the wrapper itself wraps a word in double quotes, escaping `"` (heroku run quotes a word
    holding a space or a quote when it is given more than one)."""
    if spec.get("join_raw"):
        return " ".join(w.raw or w.text for w in rest)
    marks = tuple(spec.get("join_quote", ()))
    if not marks or len(rest) == 1:
        return " ".join(w.text for w in rest)
    return " ".join('"' + w.text.replace('"', '\\"') + '"' if any(m in w.text for m in marks) else w.text
                    for w in rest)


def _starts_shell(spec: dict[str, Any], words: list[Word]) -> bool:
    """Whether one of the wrapper's `shell_flags` (`sudo -s`, `sudo -i`, `-is`) is given."""
    flags = set(spec.get("shell_flags", ()))
    for w in words:
        t = w.text
        if t == "--" or not t.startswith("-"):
            continue
        if _option_name(t) in flags or (not t.startswith("--") and any("-" + c in flags for c in t[1:])):
            return True
    return False


def _joined(string: Word, after: list[Word]) -> Word:
    """`env -S 'rm -rf' /srv`: env splits the string into words and runs them with the words
    after it; the line is the string followed by those words, each quoted as one word."""
    import shlex

    if not after:
        return string
    text = " ".join([string.text, *(w.raw if w.dynamic and w.raw else shlex.quote(w.text) for w in after)])
    return Word(text, dynamic=string.dynamic or any(w.dynamic for w in after), raw=text)


def _function_call(common: Peeled, spec: dict[str, Any], rest: list[Word]) -> Peeled | None:
    """Remote runners that call a named function on the hosts (`salt TARGET cmd.run 'CMD'`,
    `salt-call cmd.shell CMD`, `salt-ssh TARGET -r 'CMD'`): after the target (`skip`), a function
    of `functions` runs the rest as one shell line; one of `unknown_functions` runs code or a
    script blastwall cannot read; any other function is left to the program's own rules."""
    skip = int(spec.get("skip", 0))
    value_opts = set(spec.get("value_options", []))
    positionals: list[Word] = []
    after_value = False
    for w in rest:
        if after_value:
            after_value = False
        elif w.text.startswith("-") and not w.dynamic:
            after_value = _option_name(w.text) in value_opts and "=" not in w.text
        else:
            positionals.append(w)
    raw = any(w.text.split("=", 1)[0] in spec.get("function_flags", ()) for w in rest)
    if raw:
        line = positionals[skip:]
    else:
        if len(positionals) <= skip:
            return None
        function = positionals[skip]
        if function.dynamic:
            return common._replace(shell=Word("$FUNCTION", dynamic=True, raw=function.raw or function.text))
        if function.text in spec.get("unknown_functions", ()):
            return common._replace(shell=Word(f"${function.text}", dynamic=True, raw=function.text))
        if function.text not in spec["functions"]:
            return None
        line = positionals[skip + 1:]
    if not line:
        return Peeled(wrapper=common.wrapper, argv=[])
    joined = " ".join(w.text for w in line)
    return common._replace(shell=Word(joined, dynamic=any(w.dynamic for w in line), raw=joined))


def _with_inputs(common: Peeled, rest: list[Word], spec: dict[str, Any], token: str | None) -> Peeled:
    """GNU parallel: `CMD ::: A B` runs CMD with each input (in place of `{}` when CMD has it);
    with no CMD every input is itself a command line (`parallel ::: 'rm -rf x'`), and with no
    inputs either the command lines come from stdin, as `| sh` reads them. Inputs from files
    (`:::: FILE`) are not known: a command line made of them is asked about."""
    seps = set(spec["input_separators"])
    cut = next((k for k, w in enumerate(rest) if w.text in seps), None)
    if cut is None:
        if not rest:  # command lines from stdin
            return common._replace(argv=[Word.lit("sh")], stdin_args=False)
        return common._replace(argv=rest, replace_token=token)
    command, tail = rest[:cut], rest[cut:]
    inputs = [w for w in tail if w.text not in seps]
    unknown = any(w.text.startswith("::::") for w in tail if w.text in seps) or any(w.dynamic for w in inputs)
    if not command:
        if unknown or not inputs:
            return common._replace(shell=Word("$PARALLEL_INPUT", dynamic=True, raw="$PARALLEL_INPUT"), stdin_args=False)
        joined = "\n".join(w.text for w in inputs)
        return common._replace(shell=Word(joined, raw=joined), stdin_args=False)
    if not unknown and inputs:  # parallel runs each command line it builds with a shell
        lines = [_parallel_line(command, item.text, token) for item in inputs[:64]]
        joined = "\n".join(lines)
        return common._replace(shell=Word(joined, raw=joined), stdin_args=False, replace_token=None)
    items = inputs[:64] if not unknown else [Word("$PARALLEL_INPUT", dynamic=True, raw="$PARALLEL_INPUT")]
    mark = token or "{}"
    if items and any(mark in w.text for w in command):
        first = items[0]
        argv = [Word(w.text.replace(mark, first.text), dynamic=w.dynamic or first.dynamic, raw=w.raw)
                if mark in w.text else w for w in command]
    else:
        argv = command + items
    return common._replace(argv=argv, stdin_args=False, replace_token=None)


# GNU parallel's replacement strings: the input, without its extension, its base name, its folder,
# its base name without extension (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`).
_PARALLEL_FIELDS: dict[str, Any] = {
    "{/.}": lambda p: posixpath.splitext(posixpath.basename(p))[0],
    "{//}": lambda p: posixpath.dirname(p) or ".",
    "{/}": posixpath.basename,
    "{.}": lambda p: posixpath.splitext(p)[0],
    "{}": lambda p: p,
}


def _parallel_line(command: list[Word], item: str, token: str | None) -> str:
    """The command line parallel builds for one input: each replacement string filled in (the input
    quoted when it holds blanks or shell syntax), or the input appended when there is none."""
    import shlex

    fields = {token: _PARALLEL_FIELDS["{}"]} if token else _PARALLEL_FIELDS
    text = " ".join(w.text for w in command)
    quote = shlex.quote if any(c in item for c in " \t\n;&|<>()$`'\"\\") else (lambda v: v)
    if not any(f in text for f in fields):
        return f"{text} {quote(item)}"
    for mark, field in fields.items():
        text = text.replace(mark, quote(field(item)))
    return text


def _script_values(spec: dict[str, Any], first: list[Word], after: list[Word]) -> Word:
    """The shell text an option names. With `script_nargs` (`az vm run-command invoke --scripts A B`)
    every word up to the next option is a line of it; a value read from a file (`@script.sh`) is
    not known here, and so is run-time text."""
    words = list(first) or after[:1]
    if spec.get("script_nargs"):
        rest = after if first else after[1:]
        for w in rest:
            if w.text.startswith("-"):
                break
            words.append(w)
    if any(w.text.startswith("@") for w in words):
        return Word("$SCRIPT_FILE", dynamic=True, raw=" ".join(w.raw or w.text for w in words))
    joined = "\n".join(w.text for w in words)
    return Word(joined, dynamic=any(w.dynamic for w in words), raw=joined) if len(words) > 1 else words[0]


def _peel_by_option(key: str, spec: dict[str, Any], rest: list[Word]) -> Peeled | None:
    """Wrappers whose command is named by an option wherever it stands: `su - root -c CMD`
    (`options_anywhere`: the positionals are a user and `-`; without -c nothing runs but a login
    shell), `start-stop-daemon --start --exec PROG -- ARGS` (`program_options`)."""
    common = Peeled(wrapper=key, remote=bool(spec.get("remote")), privileged=bool(spec.get("privileged")))
    if spec.get("options_anywhere"):
        shell_opts = set(spec.get("shell_string_options", []))
        for i, w in enumerate(rest):
            name, eq, value = w.text.partition("=")
            bundle = len(w.text) > 2 and w.text[0] == "-" and w.text[1] != "-" and w.text[1:].isalpha()
            if w.text in shell_opts or (bundle and "-" + w.text[-1] in shell_opts):  # -c, or -lc
                if i + 1 >= len(rest):
                    return Peeled(wrapper=key, argv=[])
                return common._replace(shell=_script_values(spec, [], rest[i + 1:]))
            if eq and name in shell_opts and name.startswith("--"):
                return common._replace(shell=_script_values(spec, [Word(value, dynamic=w.dynamic, raw=w.raw)],
                                                            rest[i + 1:]))
            if name in spec.get("unknown_script_options", ()):  # the script is at a URL or in storage
                return common._replace(shell=Word(f"${name}", dynamic=True, raw=w.text))
        texts = [w.text for w in rest]
        if spec.get("dashdash_shell") and "--" in texts:  # `vagrant ssh NAME -- CMD`: ssh's remote command
            after = rest[texts.index("--") + 1:]
            if after:
                joined = " ".join(w.text for w in after)
                return common._replace(shell=Word(joined, dynamic=any(w.dynamic for w in after), raw=joined))
        if "command_after" in spec:  # `script -q FILE CMD ARGS` (BSD): the words after the log file
            words = rest[_after_positionals(rest, set(spec.get("value_options", [])), int(spec["command_after"])):]
            words = words[1:] if words and words[0].text == "--" else words  # `mosh HOST -- CMD ARGS`
            return common._replace(argv=words or [Word.lit(spec.get("default_command", "sh"))])
        if spec.get("stdin_shell"):  # `su`, `vagrant ssh` with no command: a shell that reads its commands from stdin
            return common._replace(argv=[Word.lit("sh")])
        return Peeled(wrapper=key, argv=[])
    program_opts = spec.get("program_options")
    if program_opts:
        texts = [w.text for w in rest]
        after = rest[texts.index("--") + 1:] if "--" in texts else []
        for i, w in enumerate(rest):
            name, eq, value = w.text.partition("=")
            if w.text in program_opts and i + 1 < len(rest):
                return common._replace(argv=[rest[i + 1], *after])
            if eq and name in program_opts:
                return common._replace(argv=[Word(value, dynamic=w.dynamic, raw=w.raw), *after])
        return Peeled(wrapper=key, argv=[])
    return None
