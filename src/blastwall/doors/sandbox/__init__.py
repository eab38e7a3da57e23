"""`blastwall sandbox`: run an agent under bubblewrap with secrets out of its reach.

    plan.build(Request(...)) -> Plan      the bubblewrap argv and the agent's environment
    probe.probe()            -> Probe     whether bubblewrap works here (and with which flags)
    cli.register(app)                     adds the command to a typer application

What is shown, hidden and masked is data: `sandbox.toml` here, and the file analyzer's secret
globs (`analyze/rules/files.toml`). See docs/sandbox.md.
"""
