"""detect-secrets plugins as plain line detectors, with detect-secrets' own false-positive filters.

detect-secrets (PyPI `detect-secrets`) keeps its configuration in a process-wide settings
object; blastwall does not use it. It instantiates the plugin classes named in
`secret_formats.toml` `[detect_secrets] plugins` and calls their `analyze_string`, which is a
pure function of the line, then applies the heuristic filters detect-secrets applies in its
own scans (templated values, `$VAR` references, ids, sequential strings, lock files...).
Imported only when a scan runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, NamedTuple


class Detector(NamedTuple):
    id: str  # "secret.detect-secrets:keyword"
    name: str  # detect-secrets' secret_type ("Secret Keyword")
    plugin: Any


def _id(class_name: str) -> str:
    base = class_name.removesuffix("Detector").removesuffix("Plugin")
    slug = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", base).lower()
    return f"secret.detect-secrets:{slug}"


@functools.cache
def detectors(names: tuple[str, ...]) -> tuple[Detector, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import BasePlugin

    plugins: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    by_class = {plugin.__name__: plugin for plugin in plugins}
    out = []
    for name in names:
        cls = by_class.get(name)
        if cls is not None:
            out.append(Detector(_id(name), str(cls.secret_type), cls()))
    return tuple(out)


def _filtered(value: str, line: str, filename: str, plugin: Any) -> bool:
    from detect_secrets.filters import heuristic as h

    return (h.is_sequential_string(value) or h.is_potential_uuid(value) or h.is_templated_secret(value)
            or h.is_prefixed_with_dollar_sign(value) or h.is_not_alphanumeric_string(value)
            or h.is_likely_id_string(value, line, plugin) or h.is_indirect_reference(line)
            or h.is_lock_file(filename) or h.is_swagger_file(filename))


def find(detector: Detector, filename: str, line: str) -> Iterator[str]:
    """The credential values `detector` sees in `line` that survive the filters."""
    plugin = detector.plugin
    if type(plugin).__name__ == "KeywordDetector":
        from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, REGEX_BY_FILETYPE
        from detect_secrets.util.filetype import determine_file_type

        regexes = REGEX_BY_FILETYPE.get(determine_file_type(filename), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
        values = plugin.analyze_string(line, denylist_regex_to_group=regexes)
    else:
        values = plugin.analyze_string(line)
    for value in values:
        if value and not _filtered(value, line, filename, plugin):
            yield value
