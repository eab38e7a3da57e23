"""The safety net: snapshots taken before approved destructive actions, and undo.

- `take.protect(actions, verdicts, policy=...)`: what the doors call once a human's grant let an
  action through; `take.PLANS` maps findings to snapshot kinds.
- kinds, each registering a restorer with `base.register`: `files.py` (copies), `git.py` (backup
  refs, bundles, uncommitted and untracked work), `postgres.py` (tables, written by pg-proxy).
- `base.py`: the record and where snapshots live; `settings.py`: `[snapshots]` in the policy;
  `cli.py`: `blastwall snapshots` and `blastwall undo`.
"""
