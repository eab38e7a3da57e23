"""The safety net: snapshots taken before approved destructive actions, and undo.

Kinds live in their own modules (`files.py`, `git.py`, `postgres.py`) and register a restorer
with `base.register`. See base.py for where snapshots are kept.
"""
