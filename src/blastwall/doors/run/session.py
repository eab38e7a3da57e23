"""One `blastwall run` session, start to end.

    code = run_session(RunRequest(command=("claude",), project="/src/app", cwd="/src/app", env=os.environ))

1. Refuse where the sandbox cannot hold (not Linux, no bubblewrap, no namespaces), naming the
   nearest weaker mode; never start the agent unprotected.
2. Outside the sandbox, start: the hook relay (journal + checks that write the real store),
   the egress proxy, the credential gateway with a session token, a pg-proxy per database.
3. Build the sandbox (doors/sandbox/plan.py) with the network unshared: loopback ports inside
   forward to those services' sockets; the agent's hook configuration for the session bound
   read-only; the relay bound where the hook client looks for blastwall's checker.
4. Journal: a snapshot of the project at the start; inotify follows it from then on.
5. The canary (doors/canary.py) goes through the hook inside the sandbox: if it is not
   blocked, the agent does not start.
6. Run the agent; at its exit, a last snapshot, the services stop, and the summary is printed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from blastwall.doors.run.knowledge import Profile

EXIT_UNAVAILABLE = 125
EXIT_NOT_FOUND = 127
EXIT_CANARY = 126
PORTS = {"egress": 3128, "gateway": 8790, "pg": 6543}
# Not passed in: the hook client inside must ask the relay (BLASTWALL_DAEMON=off would make it
# check in-process, where the store is read-only and no journal snapshot is taken).
DROPPED = ("NO_PROXY", "no_proxy", "XDG_RUNTIME_DIR", "BLASTWALL_DAEMON")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
NO_PROXY = "localhost,127.0.0.1,::1"
CONTENT_SCAN_S = 20.0


class RunRefused(RuntimeError):
    """`blastwall run` cannot start here; `code` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_UNAVAILABLE) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RunRequest:
    command: tuple[str, ...]
    project: str
    cwd: str
    env: Mapping[str, str]
    profile: Profile = field(default_factory=lambda: Profile("default", ""))
    agent: str = ""  # hook protocol override (`--agent`)
    interactive: bool = True
    quiet: bool = False
    journal_root: str | None = None


def weaker_mode(command: str, hooks: str) -> str:
    install = f"`blastwall install {hooks}`" if hooks else "`blastwall install <agent>`"
    return (f"nothing was started: blastwall does not run an agent unprotected. The nearest weaker mode here is "
            f"hooks only: {install}, then run `{command}` yourself (every tool call is still checked, but nothing "
            "stops a spelling the checks miss, the network is open, and there is no journal to undo from)")


def check_platform(command: str, hooks: str) -> Any:
    """The bubblewrap probe, or `RunRefused` with the reason and the weaker mode."""
    if not sys.platform.startswith("linux"):
        raise RunRefused(f"blastwall run needs Linux (bubblewrap and namespaces); this is {sys.platform}; "
                         + weaker_mode(command, hooks))
    from blastwall.doors.sandbox.probe import probe

    found = probe(net=True)
    if found.ok:
        return found
    if probe(net=False).ok:  # namespaces work, but not a network namespace of its own
        raise RunRefused(f"blastwall run cannot give the agent a network of its own here ({found.error}); nothing "
                         f"was started. The nearest weaker mode is the sandbox without the network boundary: "
                         f"`blastwall sandbox -- {command}` (files, credentials and environment protected; the "
                         "network open, so provider APIs and databases are reachable directly; no journal), with "
                         f"hooks installed ({'`blastwall install ' + hooks + '`' if hooks else '`blastwall install <agent>`'})")
    raise RunRefused(f"blastwall run cannot build its sandbox here: {found.error}; " + weaker_mode(command, hooks))


class Session:
    def __init__(self, req: RunRequest) -> None:
        from blastwall.doors.run.knowledge import knowledge

        self.req = req
        self.kb = knowledge()
        self.project = os.path.realpath(req.project)
        self.run_id = f"run-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        self.notes: list[str] = list(req.profile.notes)
        self.sockdir = ""
        self.relay: Any = None
        self.egress: Any = None
        self.gateway: Any = None
        self.pg: list[Any] = []
        self.journal: Any = None
        self.started = time.time()
        self.after_seq = 0
        self.first_id = ""
        self.agent_name = ""
        self.hooks = ""
        self.allowed: dict[str, int] = {}  # host -> connections the egress proxy let through
        self.lock = threading.Lock()

    # --- set-up ---------------------------------------------------------------------------------

    def resolve(self) -> str:
        from blastwall.doors.sandbox.plan import SandboxError, resolve_command

        try:
            executable = resolve_command(self.req.command[0], self.req.env)
        except SandboxError as exc:
            raise RunRefused(f"blastwall run: {exc}", EXIT_NOT_FOUND) from exc
        agent = self.kb.agent_for(executable)
        self.agent_name = agent.name if agent else os.path.basename(executable)
        wanted = self.req.agent or self.req.profile.agent
        if wanted:
            from blastwall.doors.hooks import AGENTS

            if wanted not in AGENTS:
                raise RunRefused(f"blastwall run: --agent {wanted}: use one of {', '.join(AGENTS)}", 2)
            self.hooks = wanted
        else:
            self.hooks = agent.hooks if agent else ""
        return executable

    def hosts(self) -> list[str]:
        agent = self.kb.agent_named(self.agent_name)
        hosts = list(agent.hosts if agent else ())
        if self.hooks and not agent:
            named = self.kb.agent_named(self.hooks)
            hosts += list(named.hosts if named else ())
        if self.req.profile.registries:
            hosts += list(self.kb.registries)
        return hosts + list(self.req.profile.hosts)

    def start_services(self) -> dict[str, str]:
        """Start everything outside the sandbox; returns the variables the agent gets."""
        from blastwall.doors.run import services
        from blastwall.doors.run.egress import EgressProxy, HostRules
        from blastwall.doors.run.relay import Relay
        from blastwall.doors.run.session_hooks import hook_command
        from blastwall.doors.run.summary import record_refusal

        self.sockdir = tempfile.mkdtemp(prefix="bw-run-")
        env: dict[str, str] = {"BLASTWALL_RUN": self.run_id}
        self.forwards: list[tuple[int, str]] = []
        gw = services.start_gateway(os.path.join(self.sockdir, "gateway.sock"), self.hooks or self.agent_name)
        providers: dict[str, str] = {}
        gw_url = f"http://127.0.0.1:{PORTS['gateway']}"
        if isinstance(gw, str):
            self.notes.append(gw)
        else:
            self.gateway = gw
            providers = gw.providers
            self.forwards.append((PORTS["gateway"], os.path.join(self.sockdir, "gateway.sock")))
            env.update(services.gateway_env(gw, gw_url))
        rules = HostRules.build(self.hosts(), ports=self.kb.ports, providers=providers,
                                gateway_url=gw_url if self.gateway else "")
        agent = self.hooks or self.agent_name

        def refused(method: str, port: int, host: str, reason: str) -> None:
            record_refusal(method, port, host, reason, agent=agent, run_id=self.run_id, project=self.project)

        def allowed(host: str, port: int) -> None:
            with self.lock:
                self.allowed[host] = self.allowed.get(host, 0) + 1

        egress_sock = os.path.join(self.sockdir, "egress.sock")
        self.egress = EgressProxy(egress_sock, rules, on_refusal=refused, on_allow=allowed).start()
        self.forwards.append((PORTS["egress"], egress_sock))
        proxy = f"http://127.0.0.1:{PORTS['egress']}"
        env.update({v: proxy for v in PROXY_VARS})
        env.update({"NO_PROXY": NO_PROXY, "no_proxy": NO_PROXY, "NODE_USE_ENV_PROXY": "1"})
        env.update(self.start_databases(agent))
        self.relay = Relay(os.path.join(self.sockdir, "hook.sock"), project=self.project, journal=None,
                           env=self.req.env, hook_command=lambda a, t: _argv(hook_command(a, t)),
                           run_id=self.run_id).start()
        return env

    def start_databases(self, agent: str) -> dict[str, str]:
        from blastwall.doors.run import services

        dbs, notes = services.find_databases(self.req.env, self.req.profile.databases, self.kb.db_schemes)
        self.notes += notes
        env: dict[str, str] = {}
        ports: dict[str, int] = {}
        self.db_vars: list[str] = []
        for db in dbs:
            if db.upstream not in ports:
                n = len(ports)
                sock = os.path.join(self.sockdir, f"pg-{n}.sock")
                try:
                    self.pg.append(services.start_pg_proxy(db.upstream, sock, project=self.project, agent=agent))
                except services.ServiceError as exc:
                    self.notes.append(f"{exc}; {db.var or db.url} stays unreachable")
                    continue
                ports[db.upstream] = PORTS["pg"] + n
                self.forwards.append((ports[db.upstream], sock))
            port = ports[db.upstream]
            if db.var == "PGHOST":
                env.update({"PGHOST": "127.0.0.1", "PGPORT": str(port)})
            elif db.var:
                env[db.var] = services.proxied_url(db.url, port)
            else:
                env[f"BLASTWALL_DATABASE_{len(self.db_vars) + 1}_URL"] = services.proxied_url(db.url, port)
            self.db_vars.append(db.var or db.url)
        return env

    def plan(self, extra_env: dict[str, str]) -> Any:
        from blastwall.daemon.place import daemon_key
        from blastwall.doors.sandbox.environ import scrub
        from blastwall.doors.sandbox.knowledge import knowledge as sandbox_knowledge
        from blastwall.doors.sandbox.plan import Request, SandboxError, build, resolve_command

        req = self.req
        base = {k: v for k, v in req.env.items()
                if k not in extra_env and k not in PROXY_VARS and k not in DROPPED
                and k not in getattr(self, "db_vars", ())}
        runtime = f"/run/user/{os.getuid()}"
        extra = {**extra_env, "XDG_RUNTIME_DIR": runtime}
        binds: list[tuple[str, str]] = []
        self.hook_cmd = ""
        if self.hooks:
            from blastwall.doors.run.session_hooks import session_hooks

            home = req.env.get("HOME") or os.path.expanduser("~")
            binds, self.hook_cmd = session_hooks(self.hooks, home=home, project=self.project,
                                                 staging=os.path.join(self.sockdir, "staging"))
        kb = sandbox_knowledge()
        executable = resolve_command(req.command[0], req.env)
        inside, _ = scrub(base, kb, kb.agent_for(executable), req.profile.keep_env)
        inside["BLASTWALL_SANDBOX"] = "none"
        inside.update(extra)
        key = daemon_key(inside)
        binds.append((self.relay.path, f"{runtime}/blastwall/{key}.sock"))
        from blastwall.doors.run.journal import journal_root

        masks = (req.journal_root or journal_root(), *self.holding_credentials())
        try:
            return build(Request(
                command=tuple(req.command), project=self.project, cwd=req.cwd, env=base, net="none",
                allow_home=tuple(req.profile.folders), keep_env=tuple(req.profile.keep_env),
                interactive=req.interactive, extra_flags=self.probe.flags, bwrap=self.probe.bwrap,
                forwards=tuple(self.forwards), extra_binds=tuple(binds),
                private_dirs=(runtime, f"{runtime}/blastwall"),
                extra_masks=masks, extra_env=tuple(extra.items())))
        except SandboxError as exc:
            raise RunRefused(f"blastwall run: {exc}", exc.code) from exc

    def holding_credentials(self) -> list[str]:
        """Files of the project whose content holds a credential (the secret index, checked now
        for what it does not know), whatever their names: masked like `.env`."""
        try:
            from blastwall.secrets.tree import walk_and_check

            tree = walk_and_check(self.project, deadline=time.monotonic() + CONTENT_SCAN_S)
        except Exception as exc:  # noqa: BLE001 - the name masks still hold; say what is missing
            self.notes.append(f"files were not checked for credentials by content ({type(exc).__name__}); only "
                              "secret file names are masked")
            return []
        if not tree.complete:
            self.notes.append(f"the content check of the project's files did not finish in {CONTENT_SCAN_S:g} s; "
                              "files it did not reach are masked only by name (`blastwall secrets scan` helps)")
        return [path for path, _ in tree.holding]

    def open_journal(self, masked: tuple[str, ...]) -> None:
        from blastwall.doors.run.journal import Journal, JournalError

        try:
            self.journal = Journal.open(self.project, root=self.req.journal_root, exclude=masked)
            entry = self.journal.snapshot("start", run=self.run_id, agent=self.agent_name,
                                          command=" ".join(self.req.command)[:200], full=True)
            self.journal.watch()
        except (JournalError, OSError) as exc:
            raise RunRefused(f"blastwall run: the work-tree journal cannot be kept ({exc}); nothing was started",
                             1) from exc
        self.first_id = entry.id
        self.relay.journal = self.journal
        if self.journal.watcher is not None and not self.journal.watcher.active:
            self.notes.append(f"journal: {self.journal.watcher.full_why}; each snapshot rescans the project")
        if self.journal.skipped_big:
            self.notes.append(f"journal: {len(self.journal.skipped_big)} file(s) over "
                              f"{self.journal.rules.max_file // (1024 * 1024)} MiB left out")

    def canary(self, plan: Any) -> str:
        """'' when the hook inside blocks the canary, else why not."""
        from blastwall.doors.canary import run_canary

        argv = list(plan.argv)
        head = argv[: argv.index("--") + 1]
        result = run_canary(self.hooks, [*head, "/bin/sh", "-c", self.hook_cmd], project_dir=self.project,
                            env=plan.env, timeout_s=60.0)
        self.canary_ms = result.elapsed_ms
        return "" if result.blocks else result.answer.detail

    # --- the run --------------------------------------------------------------------------------

    def run_agent(self, plan: Any) -> int:
        self.relay.started = True
        old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGQUIT)}
        for s in old:
            # The agent, in the foreground, gets Ctrl-C; blastwall stays to clean up and sum up. A
            # handler (not SIG_IGN) is reset to the default in the child at exec.
            signal.signal(s, _ignore)
        try:
            proc = subprocess.Popen(list(plan.argv), env=plan.env, cwd=self.req.cwd)
            prev_term = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
            try:
                return proc.wait()
            finally:
                signal.signal(signal.SIGTERM, prev_term)
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)

    def stop(self) -> str:
        end_id = ""
        if self.journal is not None:
            with contextlib.suppress(Exception):
                end_id = self.journal.snapshot("end", run=self.run_id).id
            with contextlib.suppress(Exception):
                self.journal.close()
        for closer in (self.relay, self.egress):
            if closer is not None:
                with contextlib.suppress(Exception):
                    closer.close()
        if self.gateway is not None:
            with contextlib.suppress(Exception):
                self.gateway.server.__exit__(None, None, None)
        from blastwall.doors.run.services import stop_pg_proxy

        for pg in self.pg:
            with contextlib.suppress(Exception):
                stop_pg_proxy(pg)
        if self.sockdir:
            shutil.rmtree(self.sockdir, ignore_errors=True)
        return end_id

    def banner(self, plan: Any) -> str:
        hosts = self.hosts()
        parts = [f"blastwall run: {os.path.basename(self.req.command[0])} in {self.project} (read-write), "
                 f"sandboxed; {len(plan.masked)} secret path(s) masked; {len(plan.removed_env)} variable(s) removed",
                 f"  network: only through blastwall: {len(hosts)} host(s) allowed ("
                 + ", ".join(hosts[:4]) + (", ..." if len(hosts) > 4 else "") + ")",
                 "  gateway: " + (f"routes {', '.join(self.gateway.routes)} at $BLASTWALL_GATEWAY_URL"
                                  if self.gateway else "none (provider APIs unreachable)"),
                 "  databases: " + (", ".join(f"{v} -> pg-proxy" for v in self.db_vars) if self.db_vars else "none")]
        parts.append(f"  hooks: {self.hooks}, canary blocked in {self.canary_ms:.0f} ms" if self.hooks else
                     f"  hooks: none ({os.path.basename(self.req.command[0])} has no hooks blastwall knows; "
                     "--agent NAME picks a protocol)")
        parts.append(f"  journal: {self.first_id} ({len(self.journal.model)} files); undo: blastwall undo --before "
                     f"{self.first_id}")
        return "\n".join(parts)


def _argv(command: str) -> list[str]:
    import shlex

    return shlex.split(command)


def _ignore(*_: object) -> None:
    pass


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run_session(req: RunRequest) -> int:
    """Run one session; returns the agent's exit status (or the refusal's)."""
    s = Session(req)
    try:
        executable = s.resolve()
        s.probe = check_platform(" ".join(req.command), s.hooks)
    except RunRefused as exc:
        _say(str(exc))
        return exc.code
    from blastwall.doors.run.summary import audit_head, collect, render

    s.after_seq = audit_head(s.project)
    code = 1
    try:
        extra = s.start_services()
        plan = s.plan(extra)
        s.open_journal(plan.masked)
        if s.hooks:
            why = s.canary(plan)
            if why:
                raise RunRefused(f"blastwall run: the hook inside the sandbox does not enforce ({why}); "
                                 f"not starting {os.path.basename(executable)}", EXIT_CANARY)
        else:
            s.notes.append(f"{os.path.basename(executable)} has no hooks blastwall knows: only the sandbox, the network "
                           "boundary and the start and end snapshots protect this session (--agent NAME picks a "
                           "hook protocol)")
        if not req.quiet:
            _say(s.banner(plan))
        code = s.run_agent(plan)
    except RunRefused as exc:
        _say(str(exc))
        s.stop()
        return exc.code
    except BaseException:
        s.stop()
        raise
    end_id = s.stop()
    summary = collect(agent=os.path.basename(req.command[0]), exit_code=code, started=s.started,
                      after_seq=s.after_seq, project=s.project, sessions=set(s.relay.sessions),
                      agents={s.hooks or s.agent_name, getattr(s.gateway, "agent", "")} - {""}, run_id=s.run_id,
                      calls=list(s.relay.calls), first_id=s.first_id, end_id=end_id, notes=tuple(s.notes),
                      allowed_hosts=dict(s.allowed))
    _say(render(summary))
    return code
