"""Worst-case matching time of the patterns that see agent text: Python's `re` (the patterns as
they were) beside RE2 through `blastwall.rx` (the patterns as they are), on adversarial inputs,
then the full engine check on the same inputs.

    python bench/regex_worst_case.py [--budget 5]

Each `re` run happens in a child process killed after --budget seconds ("> 5 s" in the table).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import time

from blastwall import rx

# (what, the pattern before, the pattern now, its flags, adversarial input)
CASES: list[tuple[str, str, str, int, str]] = [
    ("code: quoted literal, 24 backslashes", r"""(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
     r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`""", re.S, '"' + "\\" * 24 + "x"),
    ("code: quoted literal, 32 backslashes", r"""(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
     r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`""", re.S, '"' + "\\" * 32 + "x"),
    ("code: quoted literal, 40 backslashes", r"""(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
     r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`""", re.S, '"' + "\\" * 40 + "x"),
    ("code: argv array, 400 chars", r"""\[\s*((?:["'][^"']*["']\s*,?\s*)+)\]""",
     r"""\[\s*((?:["'][^"']*["']\s*,?\s*)+)\]""", 0, "[" + "'a'  " * 80),
    ("code.toml ruby: Pathname ... rmtree, 100 kB", r"\bPathname\b.*\.rmtree", r"\bPathname\b.*\.rmtree", 0,
     "Pathname " * 11_000),
    ("code.toml awk: print ... | \", 100 kB", r'\bsystem\s*\(|\|\s*getline|print\s*[^;]*\|\s*"',
     r'\bsystem\s*\(|\|\s*getline|print\s*[^;]*\|\s*"', 0, "print " * 16_000),
    ("http checks: split at top-level commas, 100 kB", r",(?![^()]*\))", r",", 0, "a," * 50_000),
    ("sql: statement start sniff, 20 kB", r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*select\s.+",
     r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*select\s.+", re.S | re.I, "/*" + " */ /*" * 3_000),
    ("redact: credential after a keyword, 100 kB",
     r"""(?i)((?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth)["']?\s*[=:]\s*["']?)[^\s'"&,;]{3,}""",
     r"""(?i)((?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth)["']?\s*[=:]\s*["']?)[^\s'"&,;]{3,}""",
     0, "token=" + " " * 100_000),
    ("secrets: token-ish prefilter, 100 kB", r"[A-Za-z0-9_+/=.-]{16,}|://[^\s/]*:[^\s/]*@",
     r"[A-Za-z0-9_+/=.-]{16,}|://[^\s/]*:[^\s/]*@", 0, "://" + ":" * 100_000),
]

ENGINE: list[tuple[str, str, str]] = [
    ("shell", "node -e with 40 backslashes (the report)", "node -e 'require(\"child_process\").execSync(\"" + "\\" * 40 + "x)'"),
    ("shell", "perl -e with 100 kB of backslashes", "perl -e 'system(\"" + "\\" * 100_000 + "'"),
    ("shell", "ruby -e Pathname x 11k", "ruby -e '" + "Pathname " * 11_000 + "'"),
    ("shell", "awk print x 16k", "awk '{" + "print " * 16_000 + "}'"),
    ("shell", "python -c with 100 kB of quotes", "python3 -c '" + "\"" * 100_000 + "'"),
    ("sql", "SQL of 100 kB of comment openers", "/*" + " */ /*" * 16_000),
    ("http", "PostgREST or= of 100 kB", "or=(" + "a.eq.1," * 14_000 + ")"),
]


def _time_re(pattern: str, flags: int, text: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    compiled = re.compile(pattern, flags)
    t0 = time.perf_counter()
    list(compiled.finditer(text))
    out.put(time.perf_counter() - t0)


def time_re(pattern: str, flags: int, text: str, budget: float) -> float | None:
    q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    p = mp.Process(target=_time_re, args=(pattern, flags, text, q))
    p.start()
    p.join(budget)
    if p.is_alive():
        p.kill()
        p.join()
        return None
    return float(q.get())


def time_rx(pattern: str, flags: int, text: str) -> float:
    compiled = rx.compile(pattern, flags)
    t0 = time.perf_counter()
    list(compiled.finditer(text))
    return time.perf_counter() - t0


def _ms(t: float | None, budget: float) -> str:
    return f"> {budget:g} s" if t is None else f"{t * 1000:.2f} ms"


def engine_payload(kind: str, text: str) -> object:
    if kind == "http":
        return {"method": "DELETE", "url": f"https://x.supabase.co/rest/v1/users?{text}"}
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=5.0)
    args = ap.parse_args()
    print(f"{'pattern and input':52} {'len':>7} {'re (before)':>12} {'RE2 (now)':>11}")
    for what, old, new, flags, text in CASES:
        before = time_re(old, flags, text, args.budget)
        now = time_rx(new, flags, text)
        print(f"{what:52} {len(text):7} {_ms(before, args.budget):>12} {_ms(now, args.budget):>11}")

    from blastwall.engine import check

    print(f"\n{'full engine check (now)':52} {'len':>7} {'time':>12} {'verdict':>11}")
    check("true", read_files=False)  # imports and table loads are not the input's cost
    for kind, what, text in ENGINE:
        t0 = time.perf_counter()
        v = check(engine_payload(kind, text), kind, read_files=False)  # type: ignore[arg-type]
        t = time.perf_counter() - t0
        print(f"{what:52} {len(text):7} {t * 1000:9.1f} ms {v.decision.value:>11}")


if __name__ == "__main__":
    main()
