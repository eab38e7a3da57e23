"""`blastwall pg-proxy --upstream-tls`: the proxy reaches a server that wants TLS (a throwaway
PostgreSQL with `ssl = on` and a certificate made here), checks statements as on a plain
connection, forwards cancel requests the same way, and refuses a server it cannot trust.
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pg import PgServer, _Cluster, bin_dir, postgres  # noqa: F401  (the session fixture)
from test_pg_proxy import RunningProxy, home  # noqa: F401  (fixtures)

from blastwall.doors.pg_proxy.lanes import planes
from blastwall.doors.pg_proxy.tls import context


def certificate(name: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PgServer, Path]]:
    bindir = bin_dir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    cert, key = certificate("blastwall-test-db")
    ca = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.write_bytes(cert)
    cluster = _Cluster(bindir)
    try:
        server = cluster.start("-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key",
                               {"server.crt": cert, "server.key": key})
        hba = Path(server.execute("postgres", "SHOW hba_file")[0][0])
        # TCP only with TLS: a plain connection is turned away
        hba.write_text("local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n")
        server.execute("postgres", "SELECT pg_reload_conf()")
        server.execute("postgres", "CREATE TABLE IF NOT EXISTS tls_t (n int); INSERT INTO tls_t VALUES (1)")
        yield server, ca
    finally:
        cluster.stop()


@pytest.fixture(params=planes())
def plane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BLASTWALL_PG_PLANE", request.param)
    return str(request.param)


def test_a_tls_upstream_carries_the_session_and_its_checks(tls_server: tuple[PgServer, Path], plane: str,
                                                          home: dict[str, str]) -> None:  # noqa: F811
    server, ca = tls_server
    with pytest.raises(psycopg.OperationalError):  # the server takes no plain connection
        psycopg.connect(server.dsn() + "?sslmode=disable", connect_timeout=5).close()
    for mode in ("require", "verify-full"):
        p = RunningProxy(server, tls=(mode, str(ca)))
        try:
            with p.connect("postgres") as conn:
                assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
                assert conn.execute("SELECT length(repeat('t', 2000000))").fetchone() == (2000000,)
                with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="request bw-"):
                    conn.execute("DROP TABLE tls_t")
                assert conn.execute("SELECT count(*) FROM tls_t").fetchone() == (1,)
                timer = threading.Timer(0.5, conn.cancel_safe)  # the cancel request goes over TLS too
                timer.start()
                with pytest.raises(psycopg.errors.QueryCanceled):
                    conn.execute("SELECT pg_sleep(20)")
                timer.join()
        finally:
            p.close()


def test_an_untrusted_or_plain_server_is_refused(tls_server: tuple[PgServer, Path], plane: str,
                                                 home: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    server, _ = tls_server
    other, _ = certificate("someone-else")
    wrong = tmp_path / "other-ca.pem"
    wrong.write_bytes(other)
    p = RunningProxy(server, tls=("verify-ca", str(wrong)))
    try:
        with pytest.raises(psycopg.OperationalError, match="certificate is not trusted"):
            p.connect("postgres")
    finally:
        p.close()


def test_tls_required_of_a_server_without_it(postgres: PgServer, plane: str,  # noqa: F811
                                              home: dict[str, str]) -> None:  # noqa: F811
    p = RunningProxy(postgres, tls=("require", None))
    try:
        with pytest.raises(psycopg.OperationalError, match="does not accept TLS"):
            p.connect("postgres")
    finally:
        p.close()


def test_the_modes_are_checked() -> None:
    assert context("disable") is None
    assert context("require") is not None
    with pytest.raises(ValueError, match="one of disable, require, verify-ca, verify-full"):
        context("prefer")
    with pytest.raises(OSError):
        context("verify-full", "/nonexistent/ca.pem")
