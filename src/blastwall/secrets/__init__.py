"""Secret discovery: find credentials in a tree, remember which files hold them, move them out.

- `scanner.py`  walks a tree and reports each credential's file, line and kind (values masked)
- `formats.py`  the credential formats (`analyze/rules/secret_formats.toml`) and masking
- `found.py`    the list of secret-bearing files (`~/.local/state/blastwall/secrets.json`) that
                the file analyzer reads, so reading such a file counts as `read_secret`
- `fix.py`      `secrets scan --fix`: each value into the credential store, a reference in its place
- `cli.py`      `blastwall secrets scan`

Nothing here imports detect-secrets until a scan runs; `found.py` is what the hook path loads.
"""
