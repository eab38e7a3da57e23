"""Steps of Terraform files: what the next `terraform apply` destroys because of this change.

- a `resource` or `module` block that disappears is destroyed (`keep` steps: their absence after
  the write is the finding), unless a `moved` block renames it or a `removed` block with
  `destroy = false` lets it go without destroying it;
- a `lifecycle { prevent_destroy = true }` that disappears takes the safeguard off;
- attributes that take a safeguard off (`deletion_protection = false`, `force_destroy = true`,
  `skip_final_snapshot = true`) are findings when they appear;
- `provisioner "local-exec"` commands are shell run by terraform.

Blocks are found by a small scanner (braces outside strings, comments and heredocs) that keeps
line numbers and also reads a snippet of an edit, where a block may not close.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from blastwall import rx
from blastwall.analyze.later.kinds import Kind, rule_finding, table
from blastwall.analyze.later.steps import Step, line_at

_HEADER = rx.compile(r'(?:^|\n)[ \t]*(resource|data|module|moved|removed)[ \t]+(?:"([^"\n]*)"[ \t]*)?(?:"([^"\n]*)"[ \t]*)?\{')
_PREVENT = rx.compile(r"\bprevent_destroy\s*=\s*true\b")
_LOCAL_EXEC = rx.compile(r'provisioner\s+"local-exec"\s*\{[^{}]*?\bcommand\s*=\s*"((?:[^"\\]|\\.)*)"')
_FROM = rx.compile(r"\bfrom\s*=\s*([\w.\[\]\"-]+)")
_TO = rx.compile(r"\bto\s*=\s*([\w.\[\]\"-]+)")
_DESTROY_FALSE = rx.compile(r"\bdestroy\s*=\s*false\b")
_NO_INSTANCES = rx.compile(r"(?m)^[ \t]*(?:count\s*=\s*0|for_each\s*=\s*(?:\{\s*\}|\[\s*\]|toset\(\s*\[\s*\]\s*\)))[ \t]*$")


class Block(NamedTuple):
    kind: str  # resource | data | module | moved | removed
    address: str  # aws_db_instance.main, module.network
    start: int  # offset of the header
    end: int  # offset after the closing brace (the end of the text when it does not close)
    body: str


def code_only(text: str) -> str:
    """`text` with comments blanked and string contents blanked (quotes kept), newlines kept:
    braces and `=` inside them no longer count. Heredoc bodies are blanked too."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            _blank(out, i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            _blank(out, i, j)
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"' and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            _blank(out, i + 1, min(j, n))
            i = j + 1
        elif text.startswith("<<", i):
            m = rx.match(r"<<-?([A-Za-z_]\w*)[ \t]*\n", text[i:i + 80])
            if not m:
                i += 2
                continue
            end = rx.search(rf"(?m)^[ \t]*{m.group(1)}[ \t]*$", text[i + m.end():])
            j = i + m.end() + (end.start() if end else n)
            _blank(out, i + m.end(), min(j, n))
            i = j
        else:
            i += 1
    return "".join(out)


def _blank(out: list[str], start: int, end: int) -> None:
    for k in range(start, min(end, len(out))):
        if out[k] != "\n":
            out[k] = " "


def blocks(text: str) -> list[Block]:
    """Top-level blocks with their address and body (from the code-only text)."""
    code = code_only(text)
    out: list[Block] = []
    pos = 0
    while True:
        m = _HEADER.search(code, pos)
        if not m:
            return out
        kind = m.group(1)
        labels = [_label(text, m, g) for g in (2, 3) if m.group(g) is not None]
        end = _close(code, m.end())
        address = ".".join(labels) if kind == "resource" else f"data.{'.'.join(labels)}" if kind == "data" \
            else f"module.{labels[0]}" if kind == "module" and labels else kind
        out.append(Block(kind, address, m.start() + (1 if code[m.start()] == "\n" else 0), end, code[m.end():end]))
        pos = end if end > m.end() else m.end()


def _label(text: str, m: object, group: int) -> str:
    start, end = m.start(group), m.end(group)  # type: ignore[attr-defined]
    return text[start:end]  # labels are read from the real text (the code-only text blanks them)


def _close(code: str, start: int) -> int:
    depth = 1
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(code)


@functools.cache
def _protections() -> tuple[tuple[object, str, str], ...]:
    return tuple((rx.compile(rf"\b{p['attribute']}\s*=\s*{p['value']}\b"), p["attribute"], p["label"])
                 for p in table()["terraform"]["protection_off"])


def terraform_steps(text: str, kind: Kind, path: str, fragment: bool) -> list[Step]:
    out: list[Step] = []
    found = blocks(text)
    out += [Step("spare", "block|" + address, 1) for address in _spared(found, text)]
    for b in found:
        line = line_at(text, b.start)
        real = text[b.start:b.end]
        if b.kind in ("resource", "module"):
            out.append(Step("keep", "block|" + b.address, line,
                            finding=rule_finding("later.terraform:block-removed", f"{b.kind} {b.address}")))
        if b.kind not in ("resource", "module", "data"):
            continue
        body_start = b.end - len(b.body)
        for m in _PREVENT.finditer(b.body):
            out.append(Step("keep", "prevent|" + b.address, line_at(text, body_start + m.start()),
                            finding=rule_finding("later.terraform:prevent-destroy-removed", b.address)))
        for pattern, attribute, label in _protections():
            for m in pattern.finditer(b.body):  # type: ignore[attr-defined]
                out.append(Step("finding", f"protect|{b.address}|{attribute}", line_at(text, body_start + m.start()),
                                finding=rule_finding("later.terraform:protection-off", f"{b.address}: {label}")))
        if b.kind in ("resource", "module"):
            for m in _NO_INSTANCES.finditer(_top_level(b.body)):
                out.append(Step("finding", f"count0|{b.address}", line_at(text, body_start + m.start()),
                                finding=rule_finding("later.terraform:count-zero", f"{b.kind} {b.address}")))
        for m in _LOCAL_EXEC.finditer(real):
            out.append(Step("shell", m.group(1).replace('\\"', '"'), line_at(text, b.start + m.start(1)),
                            where=f"local-exec of {b.address}"))
    if fragment and not found:
        code = code_only(text)
        for m in _PREVENT.finditer(code):
            out.append(Step("keep", "prevent|(edited block)", line_at(text, m.start()),
                            finding=rule_finding("later.terraform:prevent-destroy-removed", "the edited block")))
        for pattern, attribute, label in _protections():
            for m in pattern.finditer(code):  # type: ignore[attr-defined]
                out.append(Step("finding", f"protect|(edited block)|{attribute}", line_at(text, m.start()),
                                finding=rule_finding("later.terraform:protection-off", f"the edited block: {label}")))
    return out


def _spared(found: list[Block], text: str) -> set[str]:
    """Addresses a `moved` block renames (the new name carries on) or a `removed` block with
    `destroy = false` lets go of: their disappearance destroys nothing."""
    out: set[str] = set()
    for b in found:
        real = text[b.end - len(b.body):b.end]
        src = _FROM.search(real)
        if src is None:
            continue
        address = src.group(1).strip('"')
        if b.kind == "moved" and _TO.search(real):
            out.add(address)
        elif b.kind == "removed" and _DESTROY_FALSE.search(real):
            out.add(address)
    return out


def _top_level(body: str) -> str:
    """A block body with its nested blocks blanked (`count` of a nested block is not the resource's)."""
    out, depth = [], 0
    for c in body:
        if c == "{":
            out.append(c)
            depth += 1
        elif c == "}":
            depth -= 1
            out.append(c)
        else:
            out.append(c if depth <= 0 or c == "\n" else " ")
    return "".join(out)
