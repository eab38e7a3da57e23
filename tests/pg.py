"""A throwaway PostgreSQL cluster for tests that need a real server.

    from pg import postgres  # noqa: F401  (the session fixture)

    def test_x(postgres: PgServer) -> None:
        postgres.execute("app", "CREATE TABLE t (id int)")
        dsn = postgres.dsn("app")  # postgresql://postgres@127.0.0.1:PORT/app

One cluster per test session: `initdb` into a temporary directory, `pg_ctl start` on a free
localhost port (and a private unix socket directory), `trust` authentication for local
connections only, stopped and deleted at the end of the session. PostgreSQL refuses to run as
root, so when the tests run as root (CI containers) the server programs run as the unprivileged
`postgres` user through `runuser -u postgres --` (or `setpriv` when `runuser` is missing), in a
directory owned by that user.

Without the server binaries the fixture skips with the reason, except in CI (`CI` set), where
a missing PostgreSQL is a failure: CI installs it (`.ci/run`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from needs import unavailable

SERVER_USER = "postgres"
SUPERUSER = "postgres"
START_TIMEOUT_S = 60


def bin_dir() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`: from PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    for initdb in reversed(versions):
        if Path(initdb).with_name("pg_ctl").exists():
            return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer(NamedTuple):
    """A running cluster: where it listens, and a superuser connection for setting up data."""

    host: str
    port: int
    socket_dir: str
    user: str

    def dsn(self, dbname: str = "postgres", user: str | None = None) -> str:
        return f"postgresql://{user or self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True,
                               connect_timeout=10)

    def execute(self, dbname: str, sql: str) -> list[tuple[Any, ...]]:
        """Run `sql` as the superuser (autocommit); the rows of its last statement, if any."""
        with self.connect(dbname) as conn, conn.cursor() as cur:
            cur.execute(sql.encode())
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())
            conn.execute(f'CREATE DATABASE "{name}"'.encode())

    def password_role(self, role: str, password: str, method: str = "scram-sha-256") -> None:
        """Create (or reset) login role `role` with `password`, stored for `method` (`scram-sha-256`
        or `md5`), and make its TCP logins authenticate with that method. Other roles keep trust."""
        import psycopg.sql as sql

        stored = "md5" if method == "md5" else "scram-sha-256"
        with self.connect() as conn:
            conn.execute(sql.SQL("SET password_encryption = {}").format(sql.Literal(stored)))
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = sql.SQL("ALTER" if exists else "CREATE")
            conn.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, sql.Identifier(role),
                                                                         sql.Literal(password)))
            hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
            line = f"host all {role} {self.host}/32 {method}\n"
            text = hba.read_text()
            if line not in text:  # first matching line wins: put it before the trust lines
                hba.write_text(line + text)
            conn.execute("SELECT pg_reload_conf()")
        import psycopg

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the postmaster reloads asynchronously
            try:
                psycopg.connect(host=self.host, port=self.port, user=role, dbname="postgres", connect_timeout=5).close()
            except psycopg.OperationalError:
                return
            time.sleep(0.05)


class _Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="blastwall-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.runner: list[str] = []
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(SERVER_USER)
            except KeyError:
                unavailable("PostgreSQL", f"tests run as root and there is no {SERVER_USER!r} user to run PostgreSQL as")
                raise
            if shutil.which("runuser"):
                self.runner = ["runuser", "-u", SERVER_USER, "--"]
            else:
                self.runner = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--"]
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.sockets.mkdir()
        if os.geteuid() == 0:
            os.chown(self.sockets, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)

    def _run(self, *argv: str, timeout: float = START_TIMEOUT_S) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = env["LANG"] = "C"
        proc = subprocess.run([*self.runner, *argv], capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=self.root)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}\n{log}")

    def start(self, extra: str = "", files: dict[str, bytes] | None = None) -> PgServer:
        """initdb and start; `files` are written into the data folder first (mode 0600, owned by
        the server's user), `extra` is appended to the server's options (`-c ssl=on ...`)."""
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        for name, content in (files or {}).items():
            path = self.data / name
            path.write_bytes(content)
            path.chmod(0o600)
            if os.geteuid() == 0:
                entry = pwd.getpwnam(SERVER_USER)
                os.chown(path, entry.pw_uid, entry.pw_gid)
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40 -c cluster_name=blastwall-test"
                   f"{' ' + extra if extra else ''}")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", str(START_TIMEOUT_S), "start")
        server = PgServer("127.0.0.1", self.port, str(self.sockets), SUPERUSER)
        deadline = time.monotonic() + 10
        while True:  # `pg_ctl -w` waited already; make sure TCP answers too
            try:
                server.execute("postgres", "SELECT 1")
                return server
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A running PostgreSQL for the whole session (see the module docstring)."""
    bindir = bin_dir()
    if bindir is None:
        unavailable("PostgreSQL", "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("PostgreSQL", "psycopg is not installed")
    cluster = _Cluster(bindir)  # type: ignore[arg-type]
    try:
        server = cluster.start()
    except BaseException:
        cluster.stop()
        raise
    try:
        yield server
    finally:
        cluster.stop()
