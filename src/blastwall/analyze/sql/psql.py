"""psql's backslash commands in SQL text: what they run, beyond the statements around them.

    SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gexec   -> each row runs: DROP TABLE
    SELECT 'CREATE DATABASE shop' WHERE NOT EXISTS (...) \\gexec       -> CREATE DATABASE (passes)
    SELECT cmd FROM pending \\gexec                                    -> SQL built at run time (asked)
    \\dt  \\x  \\timing  SHOW CREATE TABLE t\\G                          -> display only
    \\! CMD   \\i FILE   \\o |psql                                       -> asked

A query alone only builds text; `\\gexec` runs every value it returns as a statement. The values
are rebuilt from the literal parts of the query's output columns (format(), `||`, quote_ident(),
string_agg()), run-time names standing in as a placeholder, and judged like any other SQL.
`\\copy` is read as the COPY it stands for. A command not known to only display or set
display options is asked about (`rules/sql.toml` [psql]).

A backslash counts only outside literals as both PostgreSQL and MySQL lex them, so a MySQL
string's escapes (`'it\\'s C:\\temp'`) are never read as commands.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit, table


class Meta(NamedTuple):
    """One backslash command: its name, its argument text, and the query buffer it applies to."""

    name: str
    args: str
    query: str


def split(text: str) -> tuple[str, list[Meta]] | None:
    """(the SQL without backslash commands, the commands), or None when the text has none. Linear
    in the text: each backslash outside literals is looked at once, and the query buffer `\\gexec`
    runs is read from the text since the buffer was last sent."""
    if "\\" not in text:
        return None
    outside = sorted(_outside_literals(text) & _outside_literals(text, mysql=True))
    sql: list[str] = []
    metas: list[Meta] = []
    start, sent, last_query = 0, 0, ""
    for i in outside:
        after = _name_end(text, i + 1)
        if i < start or after is None:
            continue
        name = text[i + 1:after]
        end = _line_end(text, after, whole=name == "!")
        sql.append(text[start:i])
        query = ""
        if name.lower() == "gexec":  # the buffer, or the query sent last when it is empty
            query = _last_statement("".join(sql[sent:])) or last_query
        metas.append(Meta(name, text[after:end].strip(), query))
        if name.lower() in _sends():
            sql.append(";\n")  # the buffer was sent: what follows is a new statement
            last_query = query or _last_statement("".join(sql[sent:]))
            sent = len(sql)
        start = end + (2 if text.startswith("\\\\", end) else 0)
    if not metas:
        return None
    sql.append(text[start:])
    return "".join(sql), metas


def hits(metas: list[Meta], source: str, depth: int = 0) -> list[Hit]:
    """What the backslash commands do beyond the statements around them."""
    settings = _settings()
    out: list[Hit] = []
    for meta in metas:
        word = meta.name.lower().rstrip("+")
        if word == "gexec":
            out.extend(gexec_hits(meta.query, source, depth))
        elif word == "copy":
            out.extend(_copy_hits(meta.args, source, depth))
        elif word in settings["file_outputs"] and _file_argument(meta.args):
            out.append(Hit("output-to-file", f"psql's \\{meta.name}", source, _file_argument(meta.args)))
        elif word in settings["inert"] or (word.startswith("d") and word.isalpha()) or \
                (word in settings["inert_without_argument"] and not meta.args):
            continue  # display, describe or session settings: nothing runs or is written
        else:
            what = settings["commands"].get(word, "is not one blastwall reads")
            out.append(Hit("psql-meta", f"\\{meta.name}", source, what))
    return out


def gexec_hits(query: str, source: str, depth: int = 0) -> list[Hit]:
    """The hits of the statements `\\gexec` runs: one for each value the query returns."""
    from blastwall.analyze.sql.pg import MAX_DEPTH, Ctx
    from blastwall.analyze.sql.plpgsql import built_hits, rebuilt_text

    unseen = Hit("gexec-dynamic", "\\gexec", source, "the query's values are built at run time")
    if depth >= MAX_DEPTH:
        return [unseen._replace(detail="it nests too deeply to read")]
    read = _output_columns(query)
    if read is None:
        return [unseen._replace(detail="blastwall cannot read the query's output")]
    columns, many = read
    ctx = Ctx(source, {}, depth)
    out: list[Hit] = []
    for node in columns:
        found = [h._replace(source=source) for h in built_hits(node, ctx, unseen, "\\gexec")]
        if not found and many and lexer.first_word(rebuilt_text(node)) in _settings()["row_changes"]:
            found = [unseen._replace(detail="it runs one for each row the query finds: an unknown number of "
                                            "rows changed")]
        out.extend(found)
    return out


def _output_columns(query: str) -> tuple[list[Any], bool] | None:
    """The expressions of a SELECT's (or VALUES') output columns, every branch of a UNION, and
    whether it may return more rows than it writes (it reads a table or a set-returning call);
    None when the query is not a plain SELECT pglast reads."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        parsed = parse_sql(query)
    except (ParseError, ValueError, OverflowError, RecursionError):
        return None
    if len(parsed) != 1 or type(parsed[0].stmt).__name__ != "SelectStmt":
        return None
    columns = _columns(parsed[0].stmt)
    return None if columns is None else (columns, _reads_rows(parsed[0].stmt))


def _reads_rows(sel: Any) -> bool:
    """Whether a branch of the query reads FROM something: it returns one row for each it finds."""
    if sel.larg is not None or sel.rarg is not None:
        return _reads_rows(sel.larg) or _reads_rows(sel.rarg)
    return bool(sel.fromClause)


def _columns(sel: Any) -> list[Any] | None:
    if sel.larg is not None or sel.rarg is not None:
        left, right = _columns(sel.larg), _columns(sel.rarg)
        return None if left is None or right is None else left + right
    if sel.valuesLists:
        return [v for row in sel.valuesLists for v in row]
    if not sel.targetList:
        return None
    return [t.val for t in sel.targetList]


def _copy_hits(args: str, source: str, depth: int) -> list[Hit]:
    """psql's `\\copy ...` is COPY run through the client: read as that statement, its file
    written on the client."""
    from blastwall.analyze.sql import inner_hits

    return [h._replace(source=source, kind="output-to-file", target="psql's \\copy") if h.kind == "copy-to-file"
            else h._replace(source=source) for h in inner_hits(f"COPY {args}", depth + 1)]


def _file_argument(args: str) -> str:
    """The one file a command writes (`\\o /tmp/plan.txt`, `\\o 'out file.txt'`); "" when the
    argument is a program (`|CMD`), empty, or more than one word."""
    import shlex

    if not args or args.startswith("|"):
        return ""
    try:
        words = shlex.split(args)
    except ValueError:
        return ""
    return words[0] if len(words) == 1 and not words[0].startswith(("|", "-")) else ""


_SPECIALS = "-#/'\"`$\\"  # where a literal or comment can start, and the backslash


def _outside_literals(text: str, *, mysql: bool = False) -> set[int]:
    """Positions of backslashes that are outside strings, quoted names and comments. Linear: each
    special character's next position is found with str.find and only moves forward."""
    out: set[int] = set()
    nearest = {c: text.find(c) for c in _SPECIALS}
    i = 0
    while True:
        for c, at in nearest.items():
            if 0 <= at < i:
                nearest[c] = text.find(c, i)
        found = [at for at in nearest.values() if at >= 0]
        if not found:
            return out
        i = min(found)
        skipped = lexer.skip(text, i, mysql)
        if skipped is not None:
            i = max(skipped, i + 1)
            continue
        if text[i] == "\\":
            out.add(i)
        i += 1


def _name_end(text: str, i: int) -> int | None:
    """Where a command name starting at i ends (`!`, `?`, or a letter then letters, digits, `_`
    and `+`); None when no name starts there."""
    if i >= len(text):
        return None
    if text[i] in "!?":
        return i + 1
    if not (text[i].isascii() and text[i].isalpha()):
        return None
    j = i + 1
    while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] in "_+"):
        j += 1
    return j


def _line_end(text: str, i: int, *, whole: bool) -> int:
    """Where a command's arguments end: the end of the line, or an unquoted `\\\\` before it
    (`\\!` takes the whole line)."""
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    if whole:
        return end
    quote = False
    for j in range(i, end):
        if text[j] == "'":
            quote = not quote
        elif not quote and text.startswith("\\\\", j):
            return j
    return end


def _last_statement(sql: str) -> str:
    pieces = lexer.split(sql)
    return pieces[-1].text if pieces else ""


def _sends() -> frozenset[str]:
    return frozenset(_settings()["sends"])


def _settings() -> dict[str, Any]:
    return table()["psql"]
