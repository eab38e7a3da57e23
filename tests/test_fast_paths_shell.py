"""The shortcuts a shell line's check takes give exactly what the plain code gives.

Each one (a decoder built once, the batch answer written out directly, a gate before a reader)
is held against a reference written the plain way, over generated inputs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall import batch, strictjson

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


def _plain_loads(text: str) -> Any:
    """strictjson.loads as it was written first: json.loads with a hook that refuses a key twice."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise strictjson.DuplicateKey(f"the key {key[:40]!r} appears twice in one object")
            out[key] = value
        return out

    return json.loads(text, object_pairs_hook=pairs)


def _outcome(fn: Any, text: str) -> tuple[str, str]:
    try:
        return "ok", repr(fn(text))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    _JSON_VALUES.map(lambda v: json.dumps(v)),
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), _JSON_VALUES), max_size=6).map(
        lambda kv: "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in kv) + "}"),
    st.text(alphabet='{}[]":,ab1 \ufeff\\n', max_size=24),
))
def test_strict_loads_is_json_loads_refusing_a_key_twice(text: str) -> None:
    assert _outcome(strictjson.loads, text) == _outcome(_plain_loads, text)


def test_strict_loads_keeps_json_loads_words_for_a_bom_and_bytes() -> None:
    assert _outcome(strictjson.loads, "\ufeff{}") == _outcome(_plain_loads, "\ufeff{}")
    assert strictjson.loads(b'{"a": 1}') == {"a": 1}
    with pytest.raises(strictjson.DuplicateKey):
        strictjson.loads(b'{"a": 1, "a": 2}')


@settings(max_examples=300, deadline=None)
@given(line_id=_JSON_VALUES, decision=st.sampled_from(["allow", "ask", "deny"]),
       reasons=st.lists(st.text(), max_size=3), rule_ids=st.lists(st.text(), max_size=3))
def test_batch_answer_is_what_the_json_encoder_writes(line_id: Any, decision: str, reasons: list[str],
                                                      rule_ids: list[str]) -> None:
    answer = {"id": line_id, "decision": decision, "reasons": reasons, "rule_ids": rule_ids}
    assert batch.encode_answer(answer) == json.JSONEncoder(ensure_ascii=False).encode(answer)
