"""MongoDB shell code and Redis commands.

Mongo shell code is JavaScript; blastwall does not run it but finds every method call
(`db.users.drop()`, `db.getCollection("x").deleteMany({})`, `db["x"].remove({})`) in its
code with strings and comments blanked, and judges filters like SQL WHERE clauses: an empty
filter reaches every document, a key pinned to a value is selective, operators alone are broad.
"""

from __future__ import annotations

import shlex

from blastwall import rx
from blastwall.analyze.sql import lexer
from blastwall.analyze.sql.rules import Hit, table
from blastwall.analyze.sql.where import Reach

_CALL = rx.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*\(")
_COLLECTION = rx.compile(
    r"""(?:\bdb|\bgetSiblingDB\s*\(\s*(?P<db>'[^']*'|"[^"]*")\s*\))\s*"""
    r"""(?:\.\s*(?P<dot>[A-Za-z_$][\w$]*)|\[\s*(?P<sub>'[^']*'|"[^"]*")\s*\]|\.\s*getCollection\s*\(\s*(?P<get>'[^']*'|"[^"]*")\s*\))\s*$"""
)
_OPERATOR = rx.compile(r"^\s*\{\s*['\"]?\$(\w*)")  # an operator other than $eq and $in


def mongo_hits(code: str) -> list[Hit]:
    """Hits of the destructive calls in Mongo shell code."""
    blank = _blank_strings(code)
    methods = table()["mongo"]["methods"]
    hits: list[Hit] = []
    for m in _CALL.finditer(blank):
        method = m.group(1)
        what = methods.get(method)
        if what is None:
            continue
        args = _args(code, m.end())
        target = _receiver(code[: m.start()])
        hits.extend(_judge(what, method, target, args, code))
    return hits


def _blank_strings(code: str) -> str:
    """Code with string contents and comments replaced by spaces (same length)."""
    out = list(code)
    for start, end in _literal_spans(code):
        for i in range(start, end):
            out[i] = " "
    return "".join(out)


def _literal_spans(code: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(code):
        c = code[i]
        if c in "'\"`":
            j = i + 1
            while j < len(code) and code[j] != c:
                j += 2 if code[j] == "\\" else 1
            spans.append((i + 1, min(j, len(code))))
            i = j + 1
        elif code.startswith("//", i):
            j = code.find("\n", i)
            j = len(code) if j < 0 else j
            spans.append((i, j))
            i = j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = len(code) if j < 0 else j + 2
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def _args(code: str, start: int) -> list[str]:
    """Top-level arguments of the call whose `(` ends just before start."""
    depth, args, cur, i = 0, [], [], start
    quote = ""
    while i < len(code):
        c = code[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(code):
                cur.append(code[i + 1])
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    last = "".join(cur).strip()
    return args + [last] if last or args else args


def _receiver(before: str) -> str:
    m = _COLLECTION.search(before)
    if not m:
        return ""
    name = m.group("dot") or (m.group("sub") or m.group("get") or "")[1:-1]
    db = (m.group("db") or "")[1:-1]
    if name in ("getSiblingDB", "getCollection"):
        return ""
    return f"{db}.{name}" if db else name


def _filter_reach(arg: str | None) -> Reach:
    """Reach of a Mongo filter document."""
    if arg is None or rx.fullmatch(r"\{\s*\}", arg.strip() or "{}"):
        return Reach.ALL
    text = arg.strip()
    if not text.startswith("{"):
        return Reach.BROAD  # a variable or expression: unknown
    for part in _args(text[1:], 0):
        key, _, value = part.partition(":")
        if not value or key.strip().strip("'\"").startswith("$"):
            continue
        op = _OPERATOR.match(value)
        if not value.strip().startswith("{") or not op or op.group(1) in ("eq", "in"):
            return Reach.SELECTIVE
    return Reach.BROAD


def _judge(what: str, method: str, target: str, args: list[str], code: str) -> list[Hit]:
    src = code
    first = args[0] if args else None
    if what == "drop":
        if target in ("", "db") and not rx.search(r"\b(db|getCollection|getSiblingDB)\b", code):
            return []  # `.drop()` on something that is not a collection
        return [Hit("mongo-drop-collection", target, src)]
    if what == "drop-database":
        return [Hit("mongo-drop-database", _database(code), src)]
    if what in ("delete", "update"):
        if method == "update" and not (len(args) > 2 and rx.search(r"\bmulti\s*:\s*true", args[2])):
            return []
        found = _filter_reach(first)
        verb = f"mongo-{what}"
        if found is Reach.ALL:
            return [Hit(f"{verb}-all", target, src, f"{method}()")]
        if found is Reach.BROAD:
            column = _expired_filter(first or "", target) if what == "delete" else ""
            if column:
                return [Hit("delete-expired", target, src, column)]
            return [Hit(f"{verb}-broad", target, src, f"{method}({(first or '')[:60]})")]
        return []
    if what == "drop-indexes":
        return [Hit("mongo-drop-indexes", target, src, f"{method}()")]
    if what == "rename":
        if len(args) > 1 and rx.match(r"\s*true\b", args[1]) or rx.search(r"dropTarget\s*:\s*true", code):
            return [Hit("mongo-rename-drop-target", args[0].strip("'\" ") if args else target, src)]
        return []
    if what == "aggregate":
        joined = " ".join(args)  # `$out: "t"` outside strings, or a quoted key (`{"$out": "t"}`, JSON)
        stages = rx.findall(r"['\"]?\$(out|merge)['\"]?\s*:", _blank_strings(joined)) or rx.findall(
            r"(?:^|[^\\])['\"]\$(out|merge)['\"]\s*:", joined)
        return [Hit("mongo-aggregate-out", target, src, f"${stages[0]}")] if stages else []
    if what == "drop-user":
        return [Hit("mongo-drop-user", "", src, f"{method}()")]
    if what == "shutdown":
        return [Hit("mongo-shutdown", "", src, f"{method}()")]
    if what == "command":
        return _command(first or "", target, code)
    return [Hit("mongo-unknown", target, src, f"{method}()")]


# A time in a Mongo filter: `new Date()`, `Date.now()`, `"$$NOW"` (now); `ISODate("2024-01-01")`,
# `new Date("2024-01-01")`, `{$date: "2024-01-01T00:00:00Z"}`, a bare ISO string (a literal time).
_NOW = rx.compile(r"\s*(?:new\s+Date\s*\(\s*\)|Date\.now\s*\(\s*\)|['\"]\$\$NOW['\"])\s*")
_LITERAL = rx.compile(r"\s*(?:(?:new\s+Date|ISODate)\s*\(\s*['\"](?P<a>[^'\"]*)['\"]\s*\)"
                      r"|\{\s*['\"]?\$date['\"]?\s*:\s*['\"](?P<b>[^'\"]*)['\"]\s*\}|['\"](?P<c>[^'\"]*)['\"])\s*")
_BEFORE = rx.compile(r"\s*\{\s*['\"]?\$(lt|lte)['\"]?\s*:\s*(?P<when>.*)\}\s*", rx.S)


# `new Date(Date.now() - 7*24*3600*1000)`: now moved by a product of whole numbers (milliseconds).
_NOW_MS = r"(?:Date\.now\s*\(\s*\)|new\s+Date\s*\(\s*\)\s*\.\s*(?:getTime|valueOf)\s*\(\s*\)|\+\s*new\s+Date\s*\(\s*\))"
_NUMBER = r"\d[\d_]*(?:\.\d+)?(?:[eE]\d+)?"  # JavaScript's 864e5, 86_400_000, 1.5
_PRODUCT = rf"\(?\s*{_NUMBER}(?:\s*\*\s*{_NUMBER})*\s*\)?"
_SHIFTED = rx.compile(rf"\s*new\s+Date\s*\(\s*{_NOW_MS}\s*(?P<sign>[-+])\s*(?P<amount>{_PRODUCT})\s*\)\s*")


def _shifted(when: str) -> int | None:
    """A time written as now plus or minus whole milliseconds: -1 (in the past), 1 (in the
    future), 0 (now); None for anything else."""
    m = _SHIFTED.fullmatch(when)
    if m is None:
        return None
    amount = 1.0
    for n in rx.findall(_NUMBER, m.group("amount")):
        amount *= float(n.replace("_", ""))
    if amount == 0:
        return 0
    return -1 if m.group("sign") == "-" else 1


def _expired_filter(doc: str, collection: str) -> str:
    """The field of a clearly expired cleanup (`analyze/sql/expired.py`): a filter on a short-lived
    collection whose top-level fields (ANDed) include `{field: {$lt: a time in the past}}` and no
    `$or`, `$where`, `$expr` or other operator at the top. "" when it is not one."""
    from blastwall.analyze.sql import expired

    text = doc.strip()
    if not text.startswith("{") or not expired.short_lived(collection.rsplit(".", 1)[-1]):
        return ""
    found = ""
    for part in _args(text[1:], 0):
        key, _, value = part.partition(":")
        key = key.strip().strip("'\"")
        if not key or key.startswith("$"):
            return ""
        m = _BEFORE.fullmatch(value)
        if m is None or found:
            continue
        when = m.group("when").strip().rstrip(",")
        lit = _LITERAL.fullmatch(when)
        offset = 0 if _NOW.fullmatch(when) else expired.literal_time(next(filter(None, lit.group("a", "b", "c")), "")) \
            if lit else _shifted(when)
        if expired.past_by_name(key, offset):
            found = key
    return found


def _command(doc: str, target: str, code: str) -> list[Hit]:
    """`db.runCommand({drop: "x"})` is judged as the method it names."""
    m = rx.match(r"\s*\{\s*['\"]?(\w+)['\"]?\s*:\s*(['\"]?)([^,'\"}]*)", doc)
    if not m:
        return []
    method = table()["mongo"]["commands"].get(m.group(1))
    if method is None:
        return []
    what = table()["mongo"]["methods"][method]
    coll = m.group(3).strip() if m.group(2) else ""
    if what in ("delete", "update"):
        deletes = rx.search(r"\bq\s*:\s*(\{[^}]*\})", doc)
        return _judge(what, "deleteMany" if what == "delete" else "updateMany", coll, [deletes.group(1) if deletes else "{}"], code)
    return _judge(what, method, coll or target, [], code)


def _database(code: str) -> str:
    m = rx.search(r"getSiblingDB\s*\(\s*['\"]([^'\"]*)['\"]", code) or rx.search(r"\buse\s+([\w-]+)", code)
    return m.group(1) if m else "the current database"


# ---- Redis ---------------------------------------------------------------------------------


def redis_hits(argv: list[str]) -> list[Hit]:
    """Hits of one Redis command given as argv."""
    if not argv:
        return []
    from blastwall.analyze.sql import redis_shapes

    redis = table()["redis"]
    cmd = argv[0].upper()
    sub = f"{cmd} {argv[1].upper()}" if len(argv) > 1 else ""
    src = " ".join(argv)
    kind = redis["subcommands"].get(sub) or redis["commands"].get(cmd, "")
    if cmd in redis["settings"]["script_commands"]:
        return _script_hits(argv, src)
    if redis_shapes.known(cmd):
        return redis_shapes.hits(argv, src)
    if cmd not in redis["commands"]:  # closed by default: a command no row names
        return [Hit("redis-unknown", " ".join(argv[1:])[:120], src, cmd[:40])]
    if sub in redis["subcommands"] and kind not in _WHOLE_ARGV_KINDS:
        return [Hit(kind, " ".join(argv[2:])[:120], src, sub)]
    if kind == "redis-config-set":
        param = argv[2].lower() if len(argv) > 2 else ""
        if param in redis["settings"]["config_file_params"]:
            return [Hit("redis-config-file", param, src)]
        from blastwall.analyze.sql.durability import cut

        shortened = cut(param, argv[3] if len(argv) > 3 else "?")  # `CONFIG SET save ''`, `appendonly no`
        return [Hit("durability-off", param, src, shortened)] if shortened else []
    if not kind or (cmd == "MODULE" and kind != "redis-module-load" and sub not in redis["subcommands"]):
        return []
    if cmd in ("REPLICAOF", "SLAVEOF") and [a.upper() for a in argv[1:3]] == ["NO", "ONE"]:
        return []
    if kind == "redis-del" and len(argv) > 1 and all(ephemeral_key(k) for k in argv[1:]):
        return []  # rate-limit counters, caches, locks: written again by the application
    return [Hit(kind, " ".join(argv[1:])[:120], src, cmd if kind != "redis-function-flush" else sub)]


# Subcommand kinds whose reason names the subcommand itself in {target} (`ACL DELUSER bob`).
_WHOLE_ARGV_KINDS = frozenset({"redis-acl", "redis-config-set", "redis-module-load", "redis-client-kill",
                               "redis-function-flush"})

_KEY_GLOB = frozenset("*?[]{}\\")


def ephemeral_key(key: str) -> bool:
    """A key (or SCAN pattern) under a short-lived namespace: a whole `:` part before the last one,
    with no wildcard before it, is one of [redis.settings] ephemeral_prefixes (`ratelimit:*`,
    `app:cache:user:42`; not `ratelimit*`, `*:cache:x`, `user:cache`)."""
    prefixes = table()["redis"]["settings"].get("ephemeral_prefixes", [])
    for part in key.split(":")[:-1]:
        if _KEY_GLOB.intersection(part):
            return False
        if part.lower() in prefixes:
            return True
    return False


def _script_hits(argv: list[str], src: str) -> list[Hit]:
    """EVAL's Lua script: the commands it passes to redis.call / redis.pcall."""
    if argv[0].upper() not in ("EVAL", "EVAL_RO") or len(argv) < 2:
        return []
    script = argv[1]
    hits: list[Hit] = []
    for m in rx.finditer(r"redis\.p?call\s*\(\s*(?:'([^']*)'|\"([^\"]*)\"|([^,)]*))", script):
        name = m.group(1) or m.group(2)
        if name is None:
            hits.append(Hit("redis-script-dynamic", "", src))
            continue
        hits += [h._replace(source=src) for h in redis_hits([name, "(from a Lua script)"])]
    return hits


def split_redis(text: str) -> list[list[str]]:
    """One argv per line of redis-cli style input."""
    out = []
    for line in text.splitlines():
        try:
            argv = shlex.split(line, comments=False)
        except ValueError:
            argv = line.split()
        if argv:
            out.append(argv)
    return out


def looks_like_mongo(code: str) -> bool:
    """Mongo shell code rather than SQL: it opens with a shell word and uses `db`."""
    first = lexer.opening_words(code, 1)
    if not first or first[0] not in table()["mongo"]["openers"]:
        return False
    return ("db" in lexer.words(code) or first[0] in ("use", "show")) and not _sql_statement_line(code)


_STATEMENT_START = rx.compile(r"(?m)(?:^|;)[ \t]*([A-Za-z_]+)[ \t]+[^ \t:=(]")


def _sql_statement_line(code: str) -> bool:
    """A line or `;` piece opens with a word that opens an SQL statement kind and no Mongo shell
    word (`USE shop; DROP TABLE users`, `use app\nGO\nTRUNCATE TABLE t`): the text is SQL."""
    from blastwall.analyze.sql import kinds

    shell = set(table()["mongo"]["openers"])
    if any(w.lower() not in shell and kinds.opens_statement(w.lower()) for w in _STATEMENT_START.findall(code)):
        return True
    # the shell's helpers are two words (`use shop`, `show collections`); more is SQL (`USE shop EXEC ...`)
    return any(len(ws) > 2 and ws[0] in ("use", "show") for ws in map(lexer.words, rx.split(r"[;\n]", code)))


def looks_like_redis(text: str) -> bool:
    """Every line opens with a Redis command that is not also an SQL statement word."""
    known = table()["redis"]["commands"]
    sql_words = set(table()["redis"]["settings"]["sql_words"])

    def redis_word(word: str) -> bool:
        return word.upper() in known and word.lower() not in sql_words

    # Quick reject before shell-style splitting (linear, but slow on long lines): a command word
    # is never quoted in a way that changes it, so a line whose first bare word is not one is not Redis.
    for line in text.splitlines():
        first = line.split(None, 1)[0] if line.strip() else ""
        if first and not first.startswith(("'", '"')) and not redis_word(first):
            return False
    lines = split_redis(text)
    return bool(lines) and all(redis_word(a[0]) for a in lines)
