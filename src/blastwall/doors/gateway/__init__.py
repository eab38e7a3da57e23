"""`blastwall gateway`: an HTTP gateway for provider APIs that holds the real credentials.

An agent calls `http://127.0.0.1:8766/<route>/<path>` with its gateway token; blastwall checks
the request as an HTTP action against the provider catalogs (pre-flight and approvals
included) and forwards the allowed ones to the route's upstream with the real credential from
the credential store. The agent never sees that credential: not in its environment, not in
the answer, not in the audit log.

Modules, in the order a request meets them:
    config.py    the [gateway] table (routes, agents, scopes, limits)
    auth.py      gateway tokens (sha256 in the config, constant-time match)
    action.py    request -> Action (what an approval binds to); the read-only test
    decide.py    engine + scope + approvals gate, on a worker thread
    upstream.py  forward with the credential; stream and scrub the answer
    app.py       the ASGI application and its status codes
    serve.py     start-up (credentials, policy), uvicorn, a background server for tests
    tokens.py    `blastwall gateway token add`
"""
