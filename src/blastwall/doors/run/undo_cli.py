"""The journal half of `blastwall undo`: `--before ID`, `--to TIME`, `--list` (snapshots/cli.py
calls `journal_undo` when one of them is given)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

from blastwall.cli.exits import EXIT_ERROR


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def journal_undo(*, before: str | None, to: str | None, listing: bool, project: str | None, as_json: bool) -> int:
    from blastwall.doors.run.journal import JournalError
    from blastwall.doors.run.restore import pick, resolve, restore

    try:
        journal = resolve(project, os.getcwd())
    except JournalError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    entries = journal.entries()
    if listing:
        if as_json:
            print(json.dumps([{"id": e.id, "ts": e.ts, "kind": e.kind, "commit": e.commit, **e.meta} for e in entries]))
            return 0
        print(f"journal of {journal.project} ({len(entries)} entries; `blastwall undo --before ID` restores the "
              "state an entry recorded)")
        for e in entries[-200:]:
            what = e.meta.get("action") or e.meta.get("command") or e.meta.get("target") or ""
            decision = e.meta.get("decision", "")
            print(f"  {e.id:>6}  {_when(e.ts)}  {e.kind:<6} {decision:<6} {str(what)[:90]}")
        return 0
    try:
        entry = pick(entries, before=before, to=to)
        done = restore(journal, entry, by=f"blastwall undo {'--before ' + before if before else '--to ' + str(to)}")
    except JournalError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    finally:
        journal.close()
    if as_json:
        print(json.dumps({"restored": entry.id, "ts": entry.ts, "written": done.written, "removed": done.removed,
                          "moved_aside": list(done.moved_aside), "undo_with": done.before.id}))
        return 0
    print(f"undone: {journal.project} is as it was at {_when(entry.ts)} ({entry.id}, before "
          f"{entry.meta.get('action') or entry.kind}): {done.written} file(s) written back, {done.removed} removed")
    if done.moved_aside:
        print(f"  {len(done.moved_aside)} path(s) not in the journal were moved to {done.replaced_dir}")
    print(f"  to go back to how it was just now: blastwall undo --before {done.before.id}")
    return 0
