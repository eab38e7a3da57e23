"""`blastwall run`: an agent in blastwall's sandbox, where the worst it can do is undoable.

    session.run_session(RunRequest(...)) -> int   the whole session (cli.py)
    journal.Journal                               the work-tree journal outside the sandbox
    restore.restore(journal, entry)               `blastwall undo --before ID | --to TIME`
    relay.Relay                                   the hooks' way out of the sandbox
    egress.EgressProxy                            the network's way out of the sandbox
    services                                      the gateway and pg-proxies for the session

What an agent may reach by default is data: `run.toml` here; profiles in blastwall.toml. See
docs/run.md.
"""
