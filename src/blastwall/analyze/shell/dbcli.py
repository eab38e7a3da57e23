"""Database command-line clients: the SQL (or Mongo/Redis commands) they are told to run goes
to the SQL analyzer; a script file is read when it exists, otherwise it is unverified."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from blastwall.analyze.base import Scope, unknown
from blastwall.analyze.shell import rediscli
from blastwall.analyze.shell.handlers import _option_value, _positionals, register
from blastwall.analyze.shell.ir import SimpleCommand, Word
from blastwall.analyze.shell.names import program_name
from blastwall.analyze.shell.stdin import has_stdin, stdin_of
from blastwall.model import Finding


class Client(NamedTuple):
    dialect: str  # postgres | mysql | sqlite | mongo | redis | generic
    code_options: tuple[str, ...] = ()
    file_options: tuple[str, ...] = ()
    value_options: tuple[str, ...] = ()
    positional_sql: int | None = None  # index of the positional holding SQL (sqlite3 DB SQL)
    dry_run: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # options that turn a dry run on, and off
    script_prefix: str = ""  # a positional with this prefix names a script file it runs (sqlplus `@f.sql`)
    script_suffixes: tuple[str, ...] = ()  # a positional ending so is a script file it runs (mongosh `URI f.js`)


def _dry_run(client: Client, args: list[Word]) -> bool:
    """`bq query --dry_run SQL` only validates the query (`--dry_run=false`, `--nodry_run` run it);
    the last of these options wins, as absl reads flags."""
    on, off = client.dry_run
    state = False
    for w in args:
        name, eq, value = w.text.partition("=")
        if name in on and not w.dynamic:
            state = not eq or value.lower() in ("true", "1", "yes", "t")
        elif name in off or w.dynamic:
            state = False
    return state


CLIENTS: dict[str, Client] = {
    "psql": Client("postgres", ("-c", "--command"), ("-f", "--file"),
                   ("-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "-v", "--set", "--variable",
                    "-o", "--output", "-L", "--log-file", "-P", "--pset", "-F", "-R", "-T")),
    "mysql": Client("mysql", ("-e", "--execute"), (),
                    ("-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-S", "--socket",
                     "--defaults-file", "--login-path", "--protocol", "--default-character-set")),
    "mariadb": Client("mysql", ("-e", "--execute"), (),
                      ("-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-S", "--socket")),
    "sqlite3": Client("sqlite", ("-cmd",), (), ("-separator", "-newline", "-nullvalue", "-init"), positional_sql=1),
    "duckdb": Client("duckdb", ("-c", "-s"), (), ("-init",), positional_sql=1),
    "clickhouse-client": Client("clickhouse", ("-q", "--query"), ("--queries-file",),
                                ("-h", "--host", "--port", "-u", "--user", "-d", "--database", "--password")),
    "cockroach": Client("postgres", ("-e", "--execute"), ("-f", "--file"), ("--url", "--host", "--database", "-d", "--user", "-u")),
    "cqlsh": Client("generic", ("-e", "--execute"), ("-f", "--file"), ("-u", "--username", "-p", "--password", "-k", "--keyspace")),
    "bq": Client("bigquery", (), (), ("--project_id", "--location", "--format"), positional_sql=1,
                 dry_run=(("--dry_run", "-dry_run"), ("--nodry_run", "-nodry_run"))),
    "snowsql": Client("snowflake", ("-q", "--query"), ("-f", "--filename"), ("-a", "-u", "-d", "-s", "-w", "-r", "-c")),
    "usql": Client("postgres", ("-c", "--command"), ("-f", "--file"), ()),
    # mongosh [URI] [FILE.js ...]: the files are scripts it runs, one after another
    "mongosh": Client("mongo", ("--eval",), ("-f", "--file"), ("--host", "--port", "-u", "--username", "-p", "--password",
                                                                  "--authenticationDatabase"),
                      script_suffixes=(".js", ".mjs", ".cjs")),
    "mongo": Client("mongo", ("--eval",), (), ("--host", "--port", "-u", "--username", "-p", "--password",
                                                 "--authenticationDatabase"), script_suffixes=(".js",)),
    # Oracle's SQL*Plus: `sqlplus [-s] user/pw@db [as sysdba] [@script.sql]`, else SQL on its input; the
    # connect string and `as sysdba` are no SQL.
    "sqlplus": Client("oracle", (), (), ("-m", "-markup", "-r", "-restrict", "-c", "-compatibility"), script_prefix="@"),
    "mycli": Client("mysql", ("-e", "--execute"), (),
                    ("-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-S", "--socket",
                     "--login-path", "--myclirc", "--dsn", "-l", "--logfile")),
    "litecli": Client("sqlite", ("-e", "--execute"), (), ("--liteclirc", "-D", "--database", "-l", "--logfile"),
                      positional_sql=None),
    # pgcli reads the SQL on its input when that is no terminal; its options take no SQL.
    "pgcli": Client("postgres", (), (), ("-h", "--host", "-p", "--port", "-U", "--username", "-u", "--user", "-d",
                                         "--dbname", "-D", "--dsn", "--pgclirc", "--row-limit", "--prompt",
                                         "--prompt-dsn", "--application-name", "--log-file")),
    # unixODBC's isql and FreeTDS' tsql read the SQL on their input.
    "isql": Client("generic", (), (), ("-d", "-w", "-m", "-x")),
    "tsql": Client("tsql", (), (), ("-S", "-H", "-p", "-U", "-P", "-D", "-I", "-o", "-t", "-r")),
    "redis-cli": Client("redis", (), (), tuple(sorted(rediscli.VALUE_OPTIONS))),  # read by rediscli.py
    "valkey-cli": Client("redis", (), (), tuple(sorted(rediscli.VALUE_OPTIONS))),
    "keydb-cli": Client("redis", (), (), tuple(sorted(rediscli.VALUE_OPTIONS))),
}


def _analyze(client: Client, text: str, scope: Scope, origin: str, *, stamped: bool = False) -> list[Finding]:
    from blastwall.analyze import sql

    inner = scope.deeper(origin)
    if client.dialect == "mongo":
        return sql.analyze_mongo(text, inner)
    if client.dialect == "redis":
        from blastwall.analyze.sql.nosql import split_redis

        return [f for argv in split_redis(text) for f in sql.analyze_redis(argv, inner)]
    dialect = None if client.dialect in ("generic", "bigquery", "snowflake", "clickhouse") else client.dialect
    meta: list[Finding] = []
    if client.dialect == "mysql":  # `system CMD`, `\! CMD`: the client runs CMD in a shell
        text, meta = _mysql_shell(text, inner)
        if not text.strip():
            return meta
    if client.dialect in ("postgres", "sqlite", "duckdb"):
        text, meta = _meta_commands(client, text, inner, origin, stamped=stamped)
        if not text.strip():
            return meta
    return meta + sql.analyze_sql(text, inner, dialect=dialect)


def _mysql_shell(text: str, scope: Scope) -> tuple[str, list[Finding]]:
    r"""The SQL left and the findings of the shell commands mysql's `system`/`\!` run (mysql_client.py)."""
    from blastwall.analyze.shell.mysql_client import split

    parts = split(text)
    if parts is None:
        return text, []
    from blastwall.analyze.base import AnalysisError
    from blastwall.analyze.shell import analyze_command

    found: list[Finding] = []
    for command in parts[1]:
        try:
            found.extend(analyze_command(command, scope.deeper("mysql system")))
        except AnalysisError as exc:
            found.append(unknown("shell.db:client-shell", f"the mysql client runs a shell command blastwall cannot "
                                 f"read: {exc}", command[:200]))
    return parts[0], found


def _meta_commands(client: Client, text: str, scope: Scope, origin: str, *,
                   stamped: bool = False) -> tuple[str, list[Finding]]:
    """psql's backslash commands and sqlite3's dot commands (`\\! CMD`, `\\i FILE`, `\\o FILE`,
    `.shell`, `.read`, `.once`, `writefile()`): the SQL left, and findings for what they run,
    read and write. A SQL file they run is read, or asked about."""
    from blastwall.analyze.shell import languages
    from blastwall.analyze.shell.carriers import effect_findings
    from blastwall.analyze.shell.scripts import script_text

    if client.dialect == "postgres":
        if "\\" not in text:
            return text, []
        sql_text, effects = languages.psql(text)
    else:
        sql_text, effects = languages.sqlite(text)
    program = origin.split()[0] if origin else client.dialect
    found = effect_findings(program, effects, text[:200], scope, stamped=stamped)
    for path in effects.sql_files:
        script = script_text(path, scope) if path else None
        if script is None or script.text is None:
            found.append(unknown("shell.db:unreadable-script", f"{program} runs SQL from {path or 'a file'}, which "
                                 f"blastwall cannot read ({script.why if script else 'no file named'}); a human must "
                                 "review it", text[:200]))
        else:
            inner, more = _meta_commands(client, script.text, scope, origin)
            from blastwall.analyze import sql

            found.extend(more + sql.analyze_sql(inner, scope, dialect=client.dialect))
    return sql_text, found


def _options_code(client: Client, name: str, args: list[Word], cmd: SimpleCommand, scope: Scope,
                  outer: Scope | None = None) -> tuple[list[Finding], bool]:
    """Findings for the code given in options (`-c SQL`, `--command=SQL`) and script files
    (`-f file.sql`, read when present), and whether any such option was there."""
    out: list[Finding] = []
    found = False
    codes: list[tuple[str, str]] = []
    for i, w in enumerate(args):
        for opt in client.code_options:
            if w.text == opt and i + 1 < len(args):
                codes.append((opt, args[i + 1].text))
            elif opt.startswith("--") and w.text.startswith(opt + "="):
                codes.append((opt, w.text[len(opt) + 1:]))
    whole = len(codes) + sum(1 for o in client.file_options if _option_value(args, (o,)) is not None)
    for opt, code in codes:
        out.extend(_analyze(client, code, _whole(name, opt, whole, outer or scope, scope), f"{name} {opt}"))
        found = True
    for opt in client.file_options:
        f = _option_value(args, (opt,))
        if f is None:
            continue
        found = True
        text = _file_text(f.text, scope)
        if text is None:
            out.append(unknown("shell.db:unreadable-script", f"{name} runs SQL from {f.text}, which blastwall cannot "
                               "read; a human must review it", cmd.source))
        else:
            out.extend(_analyze(client, text, scope, f"{name} {f.text}"))
    return out, found


def _file_text(path: str, scope: Scope) -> str | None:
    """The SQL file as the command reads it: the text an earlier command of the line wrote there
    (`echo 'select 1' > q.sql && psql -f q.sql`; None when that text is unknown, never the file on
    disk), else as an earlier checkout leaves it or as on disk."""
    from blastwall.analyze.shell.scripts import script_text, written_here

    if written_here(path, scope):
        if "$(" in path and sum(1 for c, _ in scope.earlier if "mktemp" in str(getattr(c, "source", ""))) > 1:
            return None  # `a=$(mktemp) b=$(mktemp)`: both read `$(mktemp)`, which one was written is not known
        return script_text(path, scope).text
    from blastwall.analyze.shell.tree_changes import read_as_run

    return read_as_run(path, scope)  # as an earlier command of the line leaves it


def _store_file(client: Client, pos: list[Word], scope: Scope) -> list[Finding]:
    """A file database client (sqlite3, duckdb) opened on one of blastwall's own files: its
    store holds grants and the approval page's key, so any access at all is `modify_guard`."""
    if client.positional_sql is None or client.dialect not in ("sqlite", "duckdb") or not pos or pos[0].dynamic:
        return []
    from blastwall.analyze.files import guard_findings

    return guard_findings(pos[0].text, scope)


# Whether a client ends a script at its first failed statement: (by default, options that make it
# stop, options that make it go on). A DROP of what an earlier CREATE made is the script's own only
# when a failed CREATE would have stopped it (`analyze/sql/scratch.py`); unknown clients go on.
_STOPS_ON_ERROR: dict[str, tuple[bool, tuple[str, ...], tuple[str, ...]]] = {
    "psql": (False, ("ON_ERROR_STOP=1", "ON_ERROR_STOP=on", "ON_ERROR_STOP=true", "-1", "--single-transaction"), ()),
    "mysql": (True, (), ("-f", "--force")),
    "mariadb": (True, (), ("-f", "--force")),
    "sqlite3": (False, ("-bail",), ()),
    "duckdb": (False, ("-bail",), ()),
    "clickhouse-client": (True, (), ("--ignore-error",)),
    "cockroach": (True, (), ("errexit=false",)),
    "bq": (True, (), ()),
}


# Code given as one string that the client ends at its first failed statement whatever its
# options: psql sends a `-c` string as one query, whose statements after a failed one never run;
# sqlite3 runs one SQL argument (`""`: the positional) until a statement fails. Several such
# strings are not one: the client goes on to the next. (Both are tested against the real clients.)
_WHOLE_STRING: dict[str, tuple[str, ...]] = {
    "psql": ("-c", "--command"),
    "sqlite3": ("",),
}


def _whole(name: str, opt: str, count: int, outer: Scope, scope: Scope) -> Scope:
    """The scope one code string runs in: it stops at its first failed statement when it is the
    client's only code string of a kind that does (`_WHOLE_STRING`) and nothing around it goes on."""
    if count == 1 and opt in _WHOLE_STRING.get(name, ()):
        return scope._replace(stops_on_error=outer.stops_on_error)
    return scope


def _stops_on_error(name: str, args: list[Word]) -> bool:
    default, stop, go_on = _STOPS_ON_ERROR.get(name, (False, (), ()))
    words = {w.text.split("=", 1)[-1] if w.text.startswith("--set=") or w.text.startswith("--variable=") else w.text
             for w in args}
    folded = {w.lower() for w in words}
    if any(o.lower() in folded for o in go_on):
        return False
    return default or any(o.lower() in folded for o in stop)


def handle_db_client(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    client = CLIENTS[name]
    args = argv[1:]
    outer = scope
    scope = scope._replace(stops_on_error=scope.stops_on_error and _stops_on_error(name, args))
    if client.dry_run[0] and _dry_run(client, args):
        return []  # nothing runs
    out, found_code = _options_code(client, name, args, cmd, scope, outer)
    pos = _positionals(args, client.value_options)
    if client.dialect == "bigquery" and pos and pos[0].text != "query" and not out:
        return None  # bq rm, bq load, bq cp...: the rule tables (shell_cloud.toml)
    out = _store_file(client, pos, scope) + out
    if client.script_prefix or client.script_suffixes:
        found_code = _script_files(client, name, pos, cmd, scope, out) or found_code
    init = _option_value(args, ("-init",)) if client.dialect in ("sqlite", "duckdb") else None
    if init is not None:  # sqlite3 -init FILE runs FILE's SQL and dot commands first
        from blastwall.analyze.shell.scripts import script_text

        script = script_text(init.text, scope)
        out.extend(_analyze(client, script.text, scope, f"{name} -init") if script.text is not None else [
            unknown("shell.db:unreadable-script", f"{name} -init runs {init.text}, which blastwall cannot read "
                    f"({script.why}); a human must review it", cmd.source)])
    if client.dialect == "redis":
        found, named = rediscli.findings(name, args, cmd.source, scope, _redis_argv,
                                         lambda ws: [_scanned(w, cmd) for w in ws],
                                         lambda: stdin_of(cmd, scope) if has_stdin(cmd) else None)
        out += found
        found_code = found_code or named
    elif client.positional_sql is not None and len(pos) > client.positional_sql:
        text = " ".join(w.text for w in pos[client.positional_sql:])
        if client.dialect == "bigquery" and pos and pos[0].text != "query":
            text = ""
        if text and not text.startswith("."):
            alone = len(pos) - client.positional_sql + int(found_code)
            out.extend(_analyze(client, text, _whole(name, "", alone, outer, scope), name))
            found_code = True
        elif text.startswith(".") and text.split()[0] in (".restore", ".import"):
            out.append(unknown("shell.db:sqlite-meta", f"sqlite3 {text.split()[0]} changes data or runs commands", cmd.source))
        if text.startswith("."):
            out.extend(_analyze(client, "\n".join(w.text for w in pos[client.positional_sql:]), scope, name,
                                stamped=_stamped(pos[client.positional_sql:])))
        found_code = found_code or bool(text)
    if not found_code and has_stdin(cmd):
        piped = stdin_of(cmd, scope)
        if piped is None:
            out.append(unknown("shell.db:unreadable-input", f"{name} reads SQL from input blastwall cannot see; a human "
                               "must review it", cmd.source))
        else:
            out.extend(_analyze(client, piped, scope, f"{name} input"))
    if not found_code and client.dialect not in ("mongo", "redis"):
        # `clickhouse-client --multiquery 'SELECT 1; DROP TABLE t'`, a query given where no option
        # table expects it: an argument shaped like a statement that changes data is read as SQL
        out.extend(sql_arguments(name, argv, scope))
    return out


def _script_files(client: Client, name: str, pos: list[Word], cmd: SimpleCommand, scope: Scope,
                  out: list[Finding]) -> bool:
    """Positional script files the client runs (`sqlplus user/pw@db @drop_all.sql`: `script_prefix`;
    `mongosh "$URI" cleanup.js`: `script_suffixes`): each is read, or asked about when it cannot be.
    Returns whether there was one."""
    found = False
    for w in pos:
        if client.script_prefix and w.text.startswith(client.script_prefix) and \
                len(w.text) > len(client.script_prefix):
            path = w.text.lstrip(client.script_prefix)
        elif client.script_suffixes and w.text.lower().endswith(client.script_suffixes) and "://" not in w.text:
            path = w.text
        else:
            continue
        found = True
        text = None if w.dynamic else _file_text(path, scope)
        if text is None and not w.dynamic and client.script_prefix and "." not in path.rsplit("/", 1)[-1]:
            text = _file_text(path + ".sql", scope)  # SQL*Plus adds .sql to a name without one
        if text is None:
            out.append(unknown("shell.db:unreadable-script", f"{name} runs the script {path}, which blastwall cannot "
                               "read; a human must review it", cmd.source))
        else:
            out.extend(_analyze(client, text, scope, f"{name} {w.text}"))
    return found


def _redis_argv(argv: list[str], scope: Scope, origin: str) -> list[Finding]:
    from blastwall.analyze import sql

    return sql.analyze_redis(argv, scope.deeper(origin))


def _stamped(words: list[Word]) -> bool:
    """Words whose only run-time parts are `$(date ...)` stamps, and at least one (parse.py `stamped`)."""
    return any(w.dynamic for w in words) and all(not w.dynamic or (w.path_class is not None and
                                                                   w.path_class.kind == "new_file") for w in words)


def _scanned(word: Word, cmd: SimpleCommand) -> str:
    """A word xargs fills from stdin (`... | xargs redis-cli DEL`) as the key pattern of the Redis
    client that prints those keys (`redis-cli --scan --pattern 'ratelimit:*'`, `redis-cli KEYS
    'cache:*'`): every key it prints matches it. Any other word stays as it is."""
    producer = cmd.stdin_from
    if word.text != "{stdin}" or word.path_class is None or producer is None or not producer.argv:
        return word.text
    name = program_name(producer.argv[0].text)
    client = CLIENTS.get(name)
    if client is None or client.dialect != "redis" or any(w.dynamic for w in producer.argv):
        return word.text
    args = producer.argv[1:]
    texts = [w.text for w in args]
    if "--scan" in texts:
        pattern = _option_value(args, ("--pattern",))
        return pattern.text if pattern is not None else word.text
    pos = [w.text for w in _positionals(args, client.value_options)]
    if len(pos) == 2 and pos[0].upper() == "KEYS":
        return pos[1]
    return word.text


register(list(CLIENTS), handle_db_client)


class SubClient(NamedTuple):
    """A platform CLI subcommand that runs SQL (`wrangler d1 execute DB --command SQL`)."""

    subcommand: tuple[str, ...]
    dialect: str
    code_options: tuple[str, ...] = ()
    file_options: tuple[str, ...] = ()
    positional_sql: int | None = None  # index among positionals after the subcommand
    local_flags: tuple[str, ...] = ()  # the command runs against a local development copy


SUBCLIENTS: dict[str, tuple[SubClient, ...]] = {
    "wrangler": (SubClient(("d1", "execute"), "sqlite", ("--command",), ("--file",), local_flags=("--local",)),),
    # Platform database shells read the text on their stdin as the client's language
    # (`echo FLUSHALL | heroku redis:cli`, `fly postgres connect -a DB <<< 'TRUNCATE t'`).
    "heroku": (SubClient(("pg:psql",), "postgres", ("-c", "--command"), ("-f", "--file")),
               SubClient(("psql",), "postgres", ("-c", "--command"), ("-f", "--file")),
               SubClient(("redis:cli",), "redis")),
    **{fly: (SubClient(("postgres", "connect"), "postgres"), SubClient(("pg", "connect"), "postgres"),
             SubClient(("mpg", "connect"), "postgres"), SubClient(("redis", "connect"), "redis"))
       for fly in ("fly", "flyctl")},
    "railway": (SubClient(("connect",), "generic"),),
    "turso": (SubClient(("db", "shell"), "sqlite", (), (), positional_sql=1),),
    "sqlcmd": (SubClient((), "tsql", ("-Q", "-q"), ("-i",)),),
}


def handle_platform_sql(name: str, argv: list[Word], cmd: SimpleCommand, scope: Scope) -> list[Finding] | None:
    """SQL passed to a platform CLI goes to the SQL analyzer; other subcommands go to the rule tables."""
    words = [w.text for w in argv[1:]]
    for sub in SUBCLIENTS[name]:
        positionals = [w for w in words if not w.startswith("-")]
        if tuple(positionals[: len(sub.subcommand)]) != sub.subcommand:
            continue
        if any(w in sub.local_flags for w in words):
            return []  # a local development database
        client = Client(sub.dialect if sub.dialect != "tsql" else "generic", sub.code_options, sub.file_options)
        args = argv[1:]
        found, seen_sql = _options_code(client, name, args, cmd, scope)
        if sub.positional_sql is not None:
            rest = _positionals(args, ("--location", "--group", "-l"))[len(sub.subcommand):]
            if len(rest) > sub.positional_sql:
                found += _analyze(client, " ".join(w.text for w in rest[sub.positional_sql:]), scope, name)
                seen_sql = True
        if seen_sql:
            return found
        if has_stdin(cmd):
            text = stdin_of(cmd, scope)
            return _analyze(client, text, scope, f"{name} input") if text is not None else [
                unknown("shell.db:unreadable-input", f"{name} reads SQL from input blastwall cannot see", cmd.source)]
    return None


register(list(SUBCLIENTS), handle_platform_sql)


@functools.cache
def _sql_statement() -> Any:
    from blastwall import rx
    from blastwall.analyze.ruleset import load_table

    return rx.compile(load_table("shell_db")["sql_arguments"]["statement"])


def sql_arguments(name: str, argv: list[Word], scope: Scope) -> list[Finding]:
    """Findings for the arguments of `name` shaped like a SQL statement that can change data
    (`-e SQL`, `--query=SQL`, a positional), each read by the SQL analyzer in no one dialect."""
    out: list[Finding] = []
    for w in argv[1:]:
        if w.dynamic:
            continue
        text = w.text.split("=", 1)[1] if w.text.startswith("--") and "=" in w.text else w.text
        if " " in text.strip() and _sql_statement().search(text):
            from blastwall.analyze import sql

            out.extend(sql.analyze_sql(text, scope.deeper(name)))
    return out
