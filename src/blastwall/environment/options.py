"""A command's options and operands, read the way the program itself reads them.

    parse_options(("-eh", "db.example.com", "app_test"), (False,) * 3, {"-h"})
      -> Parsed(options={"-e": [""], "-h": ["db.example.com"]}, operands=["app_test"], ...)

What programs accept and blastwall must not misread:
- bundled short options (getopt, pflag): `-eh HOST` is `-e -h HOST`, `-hHOST` is `-h HOST`;
- abbreviated long options (getopt_long, MySQL's my_getopt, curl, wget): `--hos=db` is `--host=db`.
  A prefix is resolved against the options the evidence table lists for the program: one match
  is that option; several, when one of them matters for where it connects (`--h`: `--host`?
  `--help`?), is `unclear` and the target is unknown (the program itself refuses an ambiguous
  prefix, so reading it strictly costs nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Parsed(NamedTuple):
    options: dict[str, list[str]]  # option -> values (flags without a value: [""])
    operands: list[str]
    dynamic: bool  # a server-naming word is only known at run time
    unclear: str = ""  # an abbreviated option blastwall cannot resolve ("--h")
    order: tuple[tuple[str, str], ...] = ()  # every option and its value, in the order given

    def last(self, names: Iterable[str]) -> str | None:
        """The value of the last of `names` on the line (pflag, compose, rake: the last one wins)."""
        wanted = set(names)
        return next((value for name, value in reversed(self.order) if name in wanted), None)


def parse_options(words: tuple[str, ...], dyn: tuple[bool, ...], takes_value: set[str] | frozenset[str], *,
                  known: Iterable[str] = (), matters: Iterable[str] = (), bundles: bool = True) -> Parsed:
    """Options and operands of a command (argv without the program), for the options in
    `takes_value`. `known`: every long option the program accepts that the table lists (turns
    on prefix matching; a tuple is taken as the sorted long options themselves); `matters`: those that say where it connects (an ambiguous prefix of
    one is `unclear`); `bundles`: short options may be bundled (`-eh HOST`)."""
    known_long = known if isinstance(known, tuple) else tuple(sorted({o for o in (*known, *takes_value)
                                                                      if o.startswith("--")}))
    important = matters if isinstance(matters, (set, frozenset)) else set(matters)
    options: dict[str, list[str]] = {}
    order: list[tuple[str, str]] = []
    operands: list[str] = []
    dynamic = False
    unclear = ""

    def add(name: str, value: str) -> None:
        options.setdefault(name, []).append(value)
        order.append((name, value))

    i = 0
    while i < len(words):
        w, d = words[i], dyn[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        nxt_dyn = i + 1 < len(words) and dyn[i + 1]
        if w == "--":
            operands.extend(words[i + 1:])
            dynamic = dynamic or any(dyn[i + 1:])
            break
        if w.startswith("--") and len(w) > 2:
            name, eq, value = w.partition("=")
            full, ambiguous = _resolve(name, known_long)
            if ambiguous:
                if important & set(ambiguous):
                    unclear = unclear or name
                if all(a in takes_value for a in ambiguous) and not eq:
                    i += 1  # every reading takes a value: the next word is it
                i += 1
                continue
            if eq:
                add(full, value)
                dynamic = dynamic or (d and full in takes_value)
            elif full in takes_value:
                add(full, nxt)
                dynamic = dynamic or nxt_dyn
                i += 1
            else:
                add(full, "")
        elif w in takes_value:
            add(w, nxt)
            dynamic = dynamic or nxt_dyn
            i += 1
        elif w.startswith("-") and len(w) > 2 and w[1] != "-":
            if not bundles:
                if w[:2] in takes_value:
                    add(w[:2], w[2:].lstrip("="))
                    dynamic = dynamic or d
                else:
                    add(w, "")
            else:
                for j in range(1, len(w)):
                    opt = "-" + w[j]
                    if opt in takes_value:
                        rest = w[j + 1:]
                        if rest:
                            add(opt, rest.removeprefix("="))
                            dynamic = dynamic or d
                        else:
                            add(opt, nxt)
                            dynamic = dynamic or nxt_dyn
                            i += 1
                        break
                    add(opt, "")
        elif w.startswith("-") and len(w) > 1:
            add(w, "")
        else:
            operands.append(w)
            dynamic = dynamic or d
        i += 1
    return Parsed(options, operands, dynamic, unclear, tuple(order))


def _resolve(name: str, known: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(the option `name` stands for, ()) or (name, the options it may abbreviate) when several do."""
    if not known or name in known:
        return name, ()
    matches = tuple(o for o in known if o.startswith(name))
    if len(matches) == 1:
        return matches[0], ()
    return name, matches if len(matches) > 1 else ()
