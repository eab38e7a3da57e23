"""The tamper-evident audit log: every verdict, request, approval, denial, grant use and refusal.

    from blastwall.audit import record, verify
    record(store, "verdict", digest, {...})   # redacted, chained to the entry before it
    report = verify(store)                    # edited, deleted, inserted or reordered entries,
                                              # and signed checkpoints (checkpoints.py) that no longer hold
"""

from blastwall.audit.log import VerifyReport, entry_hash, export_jsonl, record, verify

__all__ = ["VerifyReport", "entry_hash", "export_jsonl", "record", "verify"]
