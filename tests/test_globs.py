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
