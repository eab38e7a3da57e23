"""Turn a sandbox request into the bubblewrap command line and the agent's environment.

    plan = build(Request(command=("claude",), project="/src/app", cwd="/src/app", env=os.environ))
    os.execvpe(plan.argv[0], plan.argv, plan.env)

The mount table, in order (later mounts cover earlier ones):
1. system folders read-only (`[system].ro`), selected `/etc` entries read-only, a new `/proc`,
   a minimal `/dev`, empty `/tmp`, `/var/tmp`, `/run`;
2. `$HOME` an empty tmpfs; the agent's own config and `--allow-home` entries bound back;
3. the project read-write;
4. what the agent and blastwall's hooks need to run, read-only (blastwall's package, its
   Python, the agent's executable when it lives outside the system folders);
5. read-only over the project: agent hook settings and blastwall policy files;
6. blastwall's own folders: config read-only with keys and credential files left out (only
   public keys shown), state read-only, data (snapshots) an empty folder;
7. masks: credential paths (`[credentials]`), secret-bearing files in the project, in
   `--allow-home` folders and in the config folder, the files the secret scanner listed;
8. the gateway's socket (`--net gateway`), then the sandbox root made read-only.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from blastwall.analyze import globs
from blastwall.doors.sandbox import masks as secret_files
from blastwall.doors.sandbox.environ import scrub
from blastwall.doors.sandbox.knowledge import Agent, Knowledge, knowledge
from blastwall.doors.sandbox.mounts import Mounts, inside

NETS = ("host", "none", "gateway")
GATEWAY_SOCKET = "/run/blastwall/gateway.sock"
GATEWAY_PORT = 8790
CONFIG_HIDDEN = ("keys", "credentials.*", "*.key", "*.enc", "*.pem", "*.p12", "*.lock", "*.tmp*")
NAMESPACES = ("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
              "--hostname", "blastwall-sandbox")
# Run as root, bubblewrap keeps every capability (the agent could remount the read-only binds);
# for other users it drops them itself, and a setuid bubblewrap refuses --cap-drop from them.
ROOT_FLAGS = ("--cap-drop", "ALL")


class SandboxError(ValueError):
    """The request cannot be sandboxed as asked; `code` is the exit status to use."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Request:
    command: tuple[str, ...]
    project: str
    cwd: str
    env: Mapping[str, str]
    net: str = "host"
    allow_home: tuple[str, ...] = ()  # "PATH" (read-only) or "PATH:rw"
    keep_env: tuple[str, ...] = ()
    gateway_socket: str | None = None
    gateway_port: int = GATEWAY_PORT
    interactive: bool = True  # stdin is a terminal: keep the session (no --new-session)
    extra_flags: tuple[str, ...] = ()  # from the probe, e.g. --unshare-user
    bwrap: str = "bwrap"
    # For `blastwall run`: loopback ports inside that forward to host unix sockets, as
    # (port, host socket path) pairs (with --net none); files bound read-only over what the
    # sandbox shows, as (host source, sandbox path) pairs; folders created empty (0700) first;
    # paths kept out of the sandbox as masks are; variables added after the scrub.
    forwards: tuple[tuple[int, str], ...] = ()
    extra_binds: tuple[tuple[str, str], ...] = ()
    private_dirs: tuple[str, ...] = ()
    extra_masks: tuple[str, ...] = ()
    extra_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    argv: tuple[str, ...]
    env: dict[str, str]
    removed_env: tuple[str, ...]
    masked: tuple[str, ...]
    bound_home: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


def blastwall_dirs(env: Mapping[str, str]) -> dict[str, str]:
    """blastwall's config, state and data folders as the hooks inside will compute them."""
    home = env.get("HOME") or os.path.expanduser("~")

    def base(var: str, *default: str) -> str:
        return env.get(var) or os.path.join(home, *default)

    return {"config": os.path.join(base("XDG_CONFIG_HOME", ".config"), "blastwall"),
            "state": os.path.join(base("XDG_STATE_HOME", ".local", "state"), "blastwall"),
            "data": os.path.join(base("XDG_DATA_HOME", ".local", "share"), "blastwall")}


def runtime_paths() -> list[str]:
    """What blastwall's hooks need inside: its package and the Python running it."""
    import blastwall

    paths = [os.path.dirname(os.path.abspath(blastwall.__file__)), sys.prefix, sys.base_prefix, sys.exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))]
    return list(dict.fromkeys(os.path.realpath(p) for p in paths))


def resolve_command(command: str, env: Mapping[str, str]) -> str:
    found = shutil.which(command, path=env.get("PATH", os.defpath)) if "/" not in command else command
    if not found or not os.path.exists(found):
        raise SandboxError(f"command not found: {command}", 127)
    return os.path.abspath(found)


def _agent_paths(executable: str, home: str) -> list[str]:
    """Read-only binds that let the agent run when it lives outside the system folders: its
    install prefix when it sits in the home folder (`~/.nvm/versions/node/v22` for
    `.../bin/claude`), else the executable and the folder it points into."""
    folder = os.path.dirname(executable)
    prefix = os.path.dirname(folder)
    if inside(executable, home) and os.path.basename(folder) == "bin" and prefix not in (home, os.path.join(home, ".local")):
        return [prefix]
    real = os.path.realpath(executable)
    return [executable] + ([os.path.dirname(real)] if real != executable else [])


def _hidden(name: str) -> bool:
    return any(globs.match(name, g) for g in CONFIG_HIDDEN)


def _allowed(entries: Sequence[str], home: str) -> list[tuple[str, str]]:
    out = []
    for entry in entries:
        path, mode = (entry[:-3], "rw") if entry.endswith(":rw") else (entry[:-3], "ro") if entry.endswith(":ro") \
            else (entry, "ro")
        if path == "~" or path.startswith("~/"):
            path = home + path[1:]  # the sandbox's $HOME, not this process's
        full = os.path.normpath(path if os.path.isabs(path) else os.path.join(home, path))
        if full in ("/", home) or inside(home, full):
            raise SandboxError(f"--allow-home {entry}: that would show the whole home folder; name a folder in it")
        out.append((full, mode))
    return out


class _Builder:
    def __init__(self, req: Request, kb: Knowledge, runtime: Sequence[str]) -> None:
        self.req, self.kb, self.runtime = req, kb, runtime
        self.m = Mounts()
        self.home = os.path.normpath(req.env.get("HOME") or os.path.expanduser("~"))
        self.root = os.path.realpath(req.project)
        self.masked: list[str] = []
        self.notes: list[str] = []
        self.bound_home: list[str] = []
        if self.root == "/" or inside(self.home, self.root):
            raise SandboxError(f"the project folder {self.root} holds your home folder; choose the project itself")
        if not os.path.isdir(self.root):
            raise SandboxError(f"the project folder {req.project} does not exist")
        self.executable = resolve_command(req.command[0], req.env)
        self.agent: Agent | None = kb.agent_for(self.executable)
        self.allowed = _allowed(req.allow_home, self.home)

    def system(self) -> None:
        for path in self.kb.system_ro:
            if os.path.islink(path):
                self.m.symlink(os.readlink(path), path)
            elif os.path.isdir(path):
                self.m.bind(path, "ro")
        for name in self.kb.etc_ro:
            path = os.path.join("/etc", name)
            if os.path.exists(path):
                self.m.bind(path, "ro")
        self.m.args += ["--proc", "/proc", "--dev", "/dev"]
        for path in self.kb.system_tmpfs:
            self.m.tmpfs(path)
        runtime_dir = self.req.env.get("XDG_RUNTIME_DIR", "")
        if runtime_dir.startswith("/run/") and self.m.source_of(runtime_dir) == "tmpfs":
            self.m.args += ["--perms", "0700", "--dir", runtime_dir]  # empty: no session bus, no agent sockets

    def home_folder(self) -> None:
        self.m.tmpfs(self.home)
        entries = [(os.path.join(self.home, e.path), e.mode) for e in self.kb.home_entries(self.agent)]
        for path, mode in entries + self.allowed:
            if os.path.exists(path):
                self.m.bind(path, mode)
                self.bound_home.append(path)

    def project(self) -> None:
        self.m.bind(self.root, "rw")
        for path in [*self.runtime, *_agent_paths(self.executable, self.home)]:
            if os.path.exists(path) and not self.m.covered(path):
                self.m.bind(path, "ro")

    def guard_files(self) -> None:
        from blastwall.doors.hooks import AGENTS
        from blastwall.doors.install import config_path
        from blastwall.policy.load import PROJECT_NAMES, project_file

        candidates = [os.path.join(self.root, str(config_path(a, "project"))) for a in AGENTS]
        candidates += [os.path.join(self.home, str(config_path(a, "user"))) for a in AGENTS]
        candidates += [os.path.join(self.root, n) for n in PROJECT_NAMES] + [os.path.join(self.root, ".blastwall")]
        nearest = project_file(self.req.cwd)
        policy = self.req.env.get("BLASTWALL_POLICY")
        for path in candidates:
            if os.path.exists(path) and self.m.shows_host(path):
                self.m.bind(path, "ro")
        for extra in (nearest, policy):
            if extra and os.path.isfile(extra) and self.m.source_of(extra) != "ro":
                self.m.bind(os.path.abspath(extra), "ro")

    def blastwall(self) -> None:
        dirs = blastwall_dirs(self.req.env)
        config = dirs["config"]
        if os.path.isdir(config):
            self.m.tmpfs(config)
            for name in sorted(os.listdir(config)):
                if not _hidden(name):
                    self.m.bind(os.path.join(config, name), "ro")
            keys = os.path.join(config, "keys")
            if os.path.isdir(keys):
                self.m.tmpfs(keys)
                for name in sorted(os.listdir(keys)):
                    if name.endswith(".pub") and os.path.isfile(os.path.join(keys, name)):
                        self.m.bind(os.path.join(keys, name), "ro")
                self.m.seal(keys)
            self.m.seal(config)
        else:
            self._empty(config)
        state = dirs["state"]
        self.m.bind(state, "ro") if os.path.isdir(state) else self._empty(state)
        self._empty(dirs["data"])

    def secrets(self) -> None:
        creds = [os.path.join(self.home, rel) for rel in self.kb.credentials]
        # Credentials the user named (`--allow-home ~/.aws:ro`) are shown as asked; nothing else is.
        named = [p for p, _ in self.allowed if any(inside(p, c) for c in creds)]
        for path in creds:
            if not any(inside(a, path) for a in named):
                self._mask(path)
        config = blastwall_dirs(self.req.env)["config"]
        below = [os.path.join(config, n) for n in (os.listdir(config) if os.path.isdir(config) else [])]
        folders = [self.root] + [p for p in [a for a, _ in self.allowed] + below
                                 if os.path.isdir(p) and p not in named and self.m.shows_host(p)]
        found: list[str] = []
        try:
            for folder in folders:
                found += secret_files.find_secrets(folder, self.kb)
        except secret_files.TooMany as exc:
            raise SandboxError(str(exc)) from exc
        for folder in below:
            if os.path.isdir(folder) and self.m.shows_host(folder):
                found += [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if _hidden(f)]
        listed = os.path.join(blastwall_dirs(self.req.env)["state"], "secrets.json")
        for path in found + secret_files.scanner_list(listed, self.root):
            if not any(inside(path, a) for a in named):
                self._mask(path)

    def _mask(self, path: str) -> None:
        """Mask what `path` shows inside the sandbox, if it shows anything."""
        where = self.m.sandbox_path(path)
        if where is None or where in self.masked or not os.path.exists(where):
            return
        self.m.mask(where)
        self.masked.append(where)

    def _empty(self, path: str) -> None:
        """An empty read-only folder, so nothing can be planted where blastwall looks; skipped
        where the place is read-only host content already."""
        if self.m.source_of(path) not in ("ro", "tmpfs-ro", "mask"):
            self.m.empty_dir(path)

    def extras(self) -> None:
        """What `blastwall run` adds: empty private folders, read-only files, masks."""
        for path in self.req.private_dirs:
            self.m.args += ["--perms", "0700", "--dir", path]
        for source, target in self.req.extra_binds:
            self.m.args += ["--ro-bind", source, target]
            self.m.points.append((target, "ro"))
        for path in self.req.extra_masks:
            self._mask(path)

    def forwards(self) -> list[str]:
        """Host unix sockets bound at /run/blastwall/fwd-N.sock and forwarded from loopback ports."""
        if self.req.net != "none":
            raise SandboxError("forwarded ports need --net none")
        pairs: list[str] = []
        for n, (port, sock) in enumerate(self.req.forwards):
            inside_sock = f"/run/blastwall/fwd-{n}.sock"
            self.m.args += ["--ro-bind", os.path.realpath(sock), inside_sock]
            pairs += [str(port), inside_sock]
        return [sys.executable, "-I", "-m", "blastwall.doors.sandbox.forward", *pairs, "--"]

    def network(self) -> list[str]:
        req = self.req
        if req.net not in NETS:
            raise SandboxError(f"--net {req.net}: use one of {', '.join(NETS)}")
        if req.forwards:
            return self.forwards()
        if req.net != "gateway":
            return []
        sock = req.gateway_socket
        if not sock:
            raise SandboxError("--net gateway needs the gateway's socket: --gateway-socket PATH "
                               "(or BLASTWALL_GATEWAY_SOCKET)")
        import stat

        try:
            if not stat.S_ISSOCK(os.stat(sock).st_mode):
                raise SandboxError(f"--gateway-socket {sock} is not a unix socket")
        except OSError as exc:
            raise SandboxError(f"--gateway-socket {sock}: {exc.strerror}; is the gateway running?") from exc
        self.m.args += ["--ro-bind", os.path.realpath(sock), GATEWAY_SOCKET]
        self.notes.append("the gateway's socket is bound as it is now: restart the sandbox after restarting the "
                          "gateway")
        return [sys.executable, "-I", "-m", "blastwall.doors.sandbox.forward", str(req.gateway_port),
                GATEWAY_SOCKET, "--"]


def build(req: Request, kb: Knowledge | None = None, runtime: Sequence[str] | None = None) -> Plan:
    """The bubblewrap argv and environment for `req`. Raises `SandboxError`."""
    if not req.command:
        raise SandboxError("name the agent command after --, e.g. blastwall sandbox -- claude")
    kb = kb or knowledge()
    b = _Builder(req, kb, runtime if runtime is not None else runtime_paths())
    b.system()
    b.home_folder()
    b.project()
    b.guard_files()
    b.blastwall()
    b.secrets()
    b.extras()
    wrapper = b.network()
    b.m.args += ["--remount-ro", "/"]
    flags = list(NAMESPACES) + list(req.extra_flags) + (list(ROOT_FLAGS) if os.geteuid() == 0 else [])
    if req.net != "host":
        flags.append("--unshare-net")
    if not req.interactive:
        flags.append("--new-session")
    cwd = os.path.realpath(req.cwd)
    chdir = cwd if inside(cwd, b.root) else b.root
    env, removed = scrub(req.env, kb, b.agent, req.keep_env)
    env["BLASTWALL_SANDBOX"] = req.net
    env.update(dict(req.extra_env))
    if wrapper and req.net == "gateway":
        env["BLASTWALL_GATEWAY_SOCKET"] = GATEWAY_SOCKET
        env["BLASTWALL_GATEWAY_URL"] = f"http://127.0.0.1:{req.gateway_port}"
    argv = (req.bwrap, *flags, *b.m.args, "--chdir", chdir, "--", *wrapper, b.executable, *req.command[1:])
    return Plan(tuple(argv), env, tuple(removed), tuple(b.masked), tuple(b.bound_home), tuple(b.notes))
