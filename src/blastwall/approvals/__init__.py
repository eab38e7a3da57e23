"""Human in the loop: approval requests, signed single-use grants, and the gate doors run.

- `requests.py`: what an `ask` stores (the action, its digest, findings, reasons, context).
- `keys.py`:     Ed25519 approver keys (0600, passphrase-protected) and which keys are trusted.
- `grants.py`:   signing and verifying grants bound to an action digest.
- `decide.py`:   approve / deny / open a window (terminal and web call these).
- `gate.py`:     what a door does with a verdict: audit it, use a grant, wait, or defer.
- `settings.py`: the `[approvals]` policy section.
- `notify.py`:   webhooks, Slack-compatible messages and desktop notifications.
- `web/`:        `blastwall serve`, the approval page.
"""
