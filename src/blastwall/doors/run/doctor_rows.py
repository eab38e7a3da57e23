"""`blastwall doctor`'s rows for `blastwall run`: can it run here, and what its journal holds."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any


def check_run(where: Any) -> list[Any]:
    from blastwall.doctor import Check, Status
    from blastwall.doors.run.journal import find_project, journal_root, project_key, read_entries
    from blastwall.doors.sandbox.probe import probe

    if not probe(net=True).ok:
        return [Check("run", Status.WARN, "blastwall run cannot build its sandbox here (see the sandbox row); it "
                      "refuses and offers hooks only", "install bubblewrap / allow user namespaces")]
    rows = []
    try:
        from inotify_simple import INotify

        INotify().close()
        rows.append(Check("run", Status.OK, "sandbox, network namespace and inotify work here: blastwall run -- AGENT"))
    except (ImportError, OSError) as exc:
        rows.append(Check("run", Status.WARN, f"inotify is not usable ({exc}): every journal snapshot rescans the "
                          "project", "raise fs.inotify.max_user_instances, or accept slower snapshots"))
    project = find_project(where.project)
    if project:
        entries = read_entries(os.path.join(journal_root(), project_key(project)))
        if entries:
            last = dt.datetime.fromtimestamp(entries[-1].ts).strftime("%Y-%m-%d %H:%M")
            rows.append(Check("run: journal", Status.OK, f"{project}: {len(entries)} entries, the last at {last} "
                              f"({entries[-1].id}); blastwall undo --list"))
    return rows
