"""The mysql client's shell command in its input: `system CMD` and `\\! CMD` at the start of a line.

    mysql -e "system ls /var/lib/mysql-files"     -> `ls /var/lib/mysql-files` analyzed as shell
    mysql -e "\\! rm -rf ~/x"                      -> `rm -rf ~/x` analyzed as shell (asked)

The client runs the rest of the line through the shell. Whether a `;` ends the command there or is
handed to the shell too, both readings are judged: the part before it as shell, and what follows
both as SQL and as shell. A `\\!` elsewhere in a line stays in the SQL, whose parser asks about it.

    split(text) -> (sql_text, [shell command, ...]) or None when there is none
"""

from __future__ import annotations

from blastwall import rx

_COMMAND = rx.compile(r"^[ \t]*(?:system[ \t]+|\\!)(.*)$", rx.M | rx.I)


def split(text: str) -> tuple[str, list[str]] | None:
    if "\\!" not in text and "system" not in text.lower():
        return None
    sql: list[str] = []
    shell: list[str] = []
    start = 0
    for m in _COMMAND.finditer(text):
        sql.append(text[start:m.start()])
        line = m.group(1).strip()
        head, semi, rest = line.partition(";")
        shell.append(head)
        if semi and rest.strip():
            sql.append(rest + "\n")
            shell.append(rest)
        start = m.end()
    if not shell:
        return None
    sql.append(text[start:])
    return "".join(sql), [c for c in shell if c.strip()]
