"""Exit codes of the command line (standard library only: the hook entry imports this).

`blastwall check` and `explain`: 0 allow, 3 ask, 4 deny; 2 usage error; 1 blastwall itself failed.
`check --batch` exits 0 when every line was processed. `blastwall hook` exits with the agent's
own codes (2 blocks for every supported agent).
"""

EXIT_ALLOW, EXIT_ERROR, EXIT_USAGE, EXIT_ASK, EXIT_DENY = 0, 1, 2, 3, 4
