"""globs.matcher: one predicate per pattern list, equal to fnmatch.fnmatchcase over the list."""

from __future__ import annotations

import fnmatch

from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.analyze import globs

_PATTERN = st.text(alphabet="ab*?/.[]!-", max_size=8)
_NAME = st.text(alphabet="abAB/.-[]", max_size=10)


def _expected(name: str, patterns: list[str], *, fold: bool) -> bool:
    if fold:
        name, patterns = name.casefold(), [p.casefold() for p in patterns]
    return any(fnmatch.fnmatchcase(name, p) or (p.startswith("**/") and fnmatch.fnmatchcase(name, p[3:]))
               for p in patterns)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PATTERN, max_size=6), _NAME, st.booleans())
def test_matcher_is_fnmatch_over_the_list(patterns: list[str], name: str, fold: bool):
    got = globs.matcher(tuple(patterns), fold=fold, double_star=True)(name.casefold() if fold else name)
    assert got == _expected(name, patterns, fold=fold)


def test_shapes():
    m = globs.matcher(("*.pem", ".env", "secrets/*", "*token*", "id_[rd]sa", "**/.aws/credentials"), double_star=True)
    assert m("a/b.pem") and m(".env") and m("secrets/x") and m("my-token-file") and m("id_rsa")
    assert m(".aws/credentials") and m("/home/u/.aws/credentials")
    assert not m("readme.md") and not m("id_ecdsa")
    assert globs.matcher(("*",))("anything") and not globs.matcher(())("x") and globs.matcher(("",))("")


_RICH_PATTERN = st.text(alphabet="az*?/.[]!-_09\\\n é\U0001f600", max_size=10)
_RICH_NAME = st.text(alphabet="azAZ/.-_09[]!\\\n é\U0001f600", max_size=12)


@settings(max_examples=3000, deadline=None)
@given(_RICH_PATTERN, _RICH_NAME)
def test_one_pattern_as_re2_is_fnmatch(pattern: str, name: str):
    """A pattern `_regex` translates (classes of letters, digits, `.`, `_` and ranges) matches
    under RE2 exactly what fnmatchcase matches; the others are left to fnmatch."""
    from blastwall import rx

    translated = globs._regex(pattern)
    if translated is not None:
        assert (rx.compile(translated, rx.S).fullmatch(name) is not None) == fnmatch.fnmatchcase(name, pattern)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_RICH_PATTERN, max_size=6), _RICH_NAME, st.booleans())
def test_matcher_is_fnmatch_over_rich_lists(patterns: list[str], name: str, fold: bool):
    got = globs.matcher(tuple(patterns), fold=fold, double_star=True)(name.casefold() if fold else name)
    assert got == _expected(name, patterns, fold=fold)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_RICH_PATTERN, max_size=5), _RICH_NAME)
def test_match_any_of_a_tuple_is_fnmatch(patterns: list[str], name: str):
    expected = any(fnmatch.fnmatchcase(name, p) for p in patterns)
    assert globs.match_any(name, tuple(patterns)) == expected
    assert globs.match_any(name, patterns) == expected


def test_class_shapes_translated_or_left_to_fnmatch():
    assert globs._regex("id_[rd]sa") == "id_[rd]sa"
    assert globs._regex("*.[!p]em") == ".*\\x{2e}[^p]em"
    assert globs._regex("v[0-9]*") == "v[0-9].*"
    for odd in ("[]a]", "[!]a]", "[a-]", "[-a]", "[z-a]", "[a", "[\\d]", "[]"):
        assert globs._regex(odd) is None, odd
