"""Agent text never makes a check slow: adversarial inputs up to 100 kB through the full engine
on every surface finish well within the hook's time, and every pattern in the rule tables is
linear-time (it compiles under RE2 through blastwall.rx). The real figures are in
bench/regex_worst_case.py; the bound here is generous so a loaded machine does not flake."""

from __future__ import annotations

import ast
import pathlib
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from blastwall import rx
from blastwall.analyze.ruleset import load_table, table_names
from blastwall.engine import check
from blastwall.model import Decision

BOUND_S = 2.0
SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "blastwall"

UNITS = ["\\", "\\\\", '"', "'", "`", " ", "\t", "(", ")", "[", "]", "{", "}", "$", "${", "$(", ",", ";", "|", "=",
         "a", "aaaaaaaa", "Pathname ", "print ", "system(", "rm -rf / ", "/*", "*/", "--", "://", ":", "@", "\n",
         "a.eq.1,", "token=", "\u00a0", "\ud800"]


@st.composite
def adversarial(draw: Any) -> str:
    """A few units, each repeated into a long run, up to 100 kB in all."""
    runs = draw(st.lists(st.tuples(st.sampled_from(UNITS), st.integers(1, 40_000)), min_size=1, max_size=4))
    text = "".join(u * n for u, n in runs)
    return text[:100_000]


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """Imports and table loads are paid once per process, not by the input: pay them first."""
    for kind, payload in _payloads("x \\ ' \" ("):
        check(payload, kind, read_files=False)  # type: ignore[arg-type]


def _timed(payload: object, kind: str) -> tuple[float, Decision]:
    """The check's time: the faster of two runs, so that a pause of the test process (a garbage
    collection of the whole suite's objects, the machine's other load) is not taken for the
    input's cost; a check that is slow because of its input is slow both times."""
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        v = check(payload, kind, read_files=False)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - t0)
        if best < BOUND_S / 4:
            break
    return best, v.decision


def _payloads(text: str) -> list[tuple[str, object]]:
    return [
        ("shell", f"node -e 'require(\"child_process\").execSync(\"{text}\")'"),
        ("shell", f"perl -e 'system(\"{text}'"),
        ("shell", f"python3 -c \"{text}\""),
        ("shell", f"ruby -e '{text}'"),
        ("shell", text),
        ("sql", text),
        ("http", {"method": "POST", "url": "https://api.example.com/graphql", "body": text}),
        ("http", {"method": "DELETE", "url": "https://x.supabase.co/rest/v1/users?or=(" + text[:20_000] + ")"}),
        ("mcp", {"server": "shell", "tool": "run", "arguments": {"command": text}}),
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.reuse, Phase.generate))  # no shrinking or explain: they trace the code they time
@given(adversarial())
def test_adversarial_inputs_finish_within_the_bound(text: str) -> None:
    for kind, payload in _payloads(text):
        took, _ = _timed(payload, kind)
        assert took < BOUND_S, f"{kind} check of {len(text)} chars took {took:.2f} s"


@pytest.mark.parametrize("n", [40, 1_000, 100_000])
def test_the_reported_backslash_one_liner_is_fast_and_not_allowed(n: int) -> None:
    """The report: a node -e one-liner with a run of backslashes backtracked for 25 s."""
    for cmd in (f"node -e 'require(\"child_process\").execSync(\"rm -rf ~ {chr(92) * n}x\")'",
                f"perl -e 'system(\"rm -rf ~ {chr(92) * n}\")'"):
        took, decision = _timed(cmd, "shell")
        assert took < BOUND_S, f"{took:.2f} s"
        assert decision is not Decision.ALLOW


@pytest.mark.parametrize("kind, payload", [
    ("shell", "node -e 'require(\"fs\").rmSync(\"/home/u/project\", {recursive: true})" + "\\" * 50_000 + "'"),
    ("shell", "rm -rf ~ # " + "\\" * 90_000),
    ("sql", "DROP TABLE users; /*" + " */ /*" * 15_000),
    ("http", {"method": "DELETE", "url": "https://x.supabase.co/rest/v1/users?or=(" + "a.eq.," * 10_000 + ")"}),
    ("mcp", {"server": "shell", "tool": "run", "arguments": {"command": "rm -rf / " + "'" * 90_000}}),
])
def test_destructive_payloads_padded_to_100_kb_are_not_allowed(kind: str, payload: object) -> None:
    took, decision = _timed(payload, kind)
    assert took < BOUND_S, f"{took:.2f} s"
    assert decision is not Decision.ALLOW


# ---- every pattern is linear-time --------------------------------------------------------------
def _table_patterns() -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for row in load_table("code")["pattern"]:
        out.append(("code", row["regex"], 0))
    secrets = load_table("secret_formats")
    for row in secrets["format"]:
        out.append((row["id"], row["regex"], 0))
        if row.get("requires"):
            out.append((row["id"] + " requires", row["requires"], 0))
    out.extend(("placeholder", p, rx.I) for p in secrets["placeholders"]["patterns"])
    out.append(("prefilter", secrets["detect_secrets"]["prefilter"], 0))
    return out


@pytest.mark.parametrize("where, pattern, flags", _table_patterns())
def test_every_table_regex_compiles_under_re2(where: str, pattern: str, flags: int) -> None:
    rx.Pattern(pattern, flags)  # raises when the pattern needs backtracking (lookaround, backreferences)


def test_every_http_route_template_compiles_under_re2() -> None:
    from blastwall.analyze.http.catalog import compile_path

    names = [n for n in table_names() if n.startswith("http_")]
    assert names
    for name in names:
        for row in load_table(name).get("rule", []):
            if isinstance(row.get("path"), str):
                compile_path(row["path"])


# Modules that see agent text and may still use the `re` module, each with why it is safe.
RE_ALLOWED = {
    "rx.py": "replaces lone surrogates with a one-character class",
    "analyze/ruleset.py": "rule ids and table names from the package",
    "analyze/shell/parse.py": "one single-character substitution (\\\\[$`\"\\\\\\n]), linear",
    "analyze/files.py": "one anchored alternation of literals",
    "secrets/detectors.py": "detect-secrets class names, not agent text",
}
AGENT_TEXT = ("analyze", "secrets", "preflight", "redact.py", "rx.py")


def test_modules_that_see_agent_text_use_rx_not_re() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith(AGENT_TEXT) or rel.startswith("analyze/compiled/") or rel in RE_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "re" for a in node.names):
                offenders.append(rel)
    assert not offenders, f"use blastwall.rx (linear time) for agent text, not re: {offenders}"


# ---- blastwall.rx keeps re's meaning --------------------------------------------------------------
def test_rx_white_space_is_re_white_space() -> None:
    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    assert rx.fullmatch(r"\s+", spaces)
    assert rx.fullmatch(r"[^\s]+", "a\u200bb")  # a zero-width space is not white space in re either
    assert rx.search(r"\brmSync\s*\(", "fs.rmSync\u00a0('/x')")


def test_rx_lone_surrogates_keep_offsets() -> None:
    m = rx.search(r"rm -rf (\S+)", "\ud800 rm -rf /x")
    assert m is not None and m.group(1) == "/x" and m.start(1) == 9


def test_rx_named_groups() -> None:
    m = rx.search(r"(?P<secret>ghp_\w+)", "token ghp_abc")
    assert m is not None and m.span("secret") == (6, 13) and m.group("secret") == "ghp_abc"
    assert rx.sub(r"(?P<k>a)", lambda m: m.group("k").upper(), "banana") == "bAnAnA"


def test_rx_refuses_backtracking_constructs() -> None:
    for pattern in (r"(a)\1", r"a(?=b)", r"(?<!x)a"):
        with pytest.raises(rx.error):
            rx.Pattern(pattern)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=200),
       pattern=st.sampled_from([r"[A-Za-z_][A-Za-z_0-9$]*", r"\d+", r"a*", r"\s+", r"x?", r"(?i)drop\b", r"$", r"\b"]))
def test_ascii_findall_is_the_wrappers_findall(text: str, pattern: str) -> None:
    """rx's fast path for ASCII text gives what RE2's own findall gives, empty matches included."""
    from blastwall import rx

    compiled = rx.compile(pattern)
    assert compiled.findall(text) == compiled._rx.findall(rx._clean(text))


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab_1$ ;\u00a0\u00e9\u20ac\U0001f600\ud800\n", max_size=120),
       pattern=st.sampled_from([r"[A-Za-z_][A-Za-z_0-9$]*", r"\d+", r"a*", r"\s+", r"x?", r"(?i)drop\b", r"$", r"\b",
                                r".", r"\S*", r"[^a]?", r""]))
def test_utf8_findall_is_the_wrappers_findall(text: str, pattern: str) -> None:
    """rx's fast path over the UTF-8 bytes of text with non-ASCII characters (no-break spaces,
    two-, three- and four-byte characters, lone surrogates) gives what RE2's own findall gives,
    empty matches between the bytes of one character excluded as the wrapper excludes them."""
    compiled = rx.compile(pattern)
    assert compiled.findall(text) == compiled._rx.findall(rx._clean(text))


# ---- SQL words are read once per check, opening words from the start ----------------------------
def test_the_reported_sql_text_is_checked_within_the_bound() -> None:
    """Backslashes, 40,000 no-break spaces, 9,000 `token=`: its words were read fourteen times
    through the wrapper's slow non-ASCII path (2.6-4.8 s)."""
    text = "\\" * 40 + "\u00a0" * 40_000 + "token=" * 9_000 + "\\" * 2_000
    took, decision = _timed(text, "sql")
    assert took < BOUND_S / 4, f"{took:.2f} s"
    assert decision is not Decision.ALLOW


def test_sql_words_are_computed_once_per_check() -> None:
    from blastwall.analyze.sql import lexer
    from blastwall.memo import one_check

    code = "DELETE FROM t WHERE a\u00a0= 1"
    with one_check():
        assert lexer.words(code) is lexer.words(code)
        assert lexer.words(code) == ["delete", "from", "t", "where", "a"]
    assert lexer.words(code) is not lexer.words(code)  # nothing is kept from one check to the next


@settings(max_examples=300, deadline=None)
@given(head=st.text(alphabet=" ;\u00a0-(", max_size=700), body=st.text(alphabet="ab _;\u00a01$(", max_size=700),
       n=st.integers(1, 6))
def test_opening_words_are_the_first_words(head: str, body: str, n: int) -> None:
    """However far the first words are (a long run of blanks before them, a word cut by the
    first characters' end), the opening words are the first words."""
    from blastwall.analyze.sql import lexer

    code = head + body
    assert lexer.opening_words(code, n) == lexer.words(code)[:n]
    long = "x" * 509 + " " + code  # the first characters end inside or right after a word
    assert lexer.opening_words(long, n) == lexer.words(long)[:n]


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="abdrop \n\t;xyz0-_\u00e9", max_size=60),
       pattern=st.sampled_from([r"drop", r"(?i)DROP\s+(\w+)", r"^a", r"b$", r"x?", r"", r"\d+", r"(?m)^o", r"o\b",
                                r"(?P<verb>drop|rop)\s*(?P<what>\w+)?", r"(a)|(b)"]))
def test_no_match_fast_path_agrees_with_the_wrapper(text: str, pattern: str) -> None:
    """rx answers straight from RE2 for ASCII text (a miss, or the first match wrapped without
    the wrapper's offset decoding); whatever it answers, it equals what the wrapper answers
    (search, match, fullmatch with their spans, groups and named groups; finditer, sub, split)."""
    from blastwall import rx

    compiled, raw, clean = rx.compile(pattern), rx.compile(pattern)._rx, rx._clean(text)

    def span(m: Any) -> Any:
        if m is None:
            return None
        # by the group's number: RE2's own match takes no group name in span/start/end
        named = {name: (m.span(i), m.start(i), m.end(i)) for name, i in compiled.groupindex.items()}
        return m.span(), m.groups(), m.groupdict(), m.group(), m.string, m.lastindex, named

    assert span(compiled.search(text)) == span(raw.search(clean))
    assert span(compiled.match(text)) == span(raw.match(clean))
    assert span(compiled.fullmatch(text)) == span(raw.fullmatch(clean))
    assert compiled.fullmatches(text) == (raw.fullmatch(clean) is not None)
    assert [m.span() for m in compiled.finditer(text)] == [m.span() for m in raw.finditer(clean)]
    assert compiled.sub("<\\g<0>>", text) == raw.sub("<\\g<0>>", clean)
    assert compiled.split(text) == raw.split(clean)


def _split_char_by_char(text: str, hash_comments: bool) -> list[Any]:
    """The SQL statement splitter as it was written first, one character at a time: the reference
    for the one that jumps from one special character to the next."""
    from blastwall.analyze.sql import lexer

    pieces: list[Any] = []
    start, i, code = 0, 0, []
    while i < len(text):
        hit = lexer._skip(text, i, hash_comments)
        if hit is not None:
            code.append(" " * (hit[0] - i))
            i = hit[0]
            continue
        if text[i] == ";":
            lexer._add(pieces, text[start:i], "".join(code))
            start, code = i + 1, []
        else:
            code.append(text[i])
        i += 1
    lexer._add(pieces, text[start:], "".join(code))
    return pieces


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ab ;'\"`$-#/*\\eE\n_1[]", max_size=80), hash_comments=st.booleans())
def test_sql_split_equals_the_char_by_char_reference(text: str, hash_comments: bool) -> None:
    from blastwall.analyze.sql import lexer

    assert lexer.split(text, hash_comments=hash_comments) == _split_char_by_char(text, hash_comments)
