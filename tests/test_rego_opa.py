"""`[policy.opa]`: the same input sent to a running OPA server (here a local stand-in that speaks
OPA's Data API and evaluates the Rego with regopy), end to end; a server that is down, slow,
refuses the token or answers garbage gives ask, never allow; TLS with a private CA; the input is
redacted; an answer is reused within one check only."""

from __future__ import annotations

import datetime
import json
import socket
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from blastwall.engine import check, explain_action, make_action
from blastwall.model import Decision
from blastwall.policy import opa
from blastwall.policy.engine import Policy, compile_layers, default_document
from blastwall.policy.load import read_document
from blastwall.policy.rego_config import OpaLayer, parse
from blastwall.testing.fake_opa import FakeOpa

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "rego-input.schema.json").read_text())
TWO_APPROVERS = str(ROOT / "examples" / "rego" / "two-approvers" / "policy.rego")


def opa_policy(tmp_path: Path, table: str) -> Policy:
    f = tmp_path / "blastwall.toml"
    f.write_text(f"[policy.opa]\n{table}\n")
    return compile_layers([(str(f), read_document(f)), ("defaults", default_document())])


def decide(policy: Policy, payload: Any, kind: str = "shell", **context: Any) -> tuple[str, tuple[str, ...], bool]:
    v = check(payload, kind, context=context, policy=policy)
    return v.decision.value, v.reasons, v.degraded


def test_a_real_policy_through_the_opa_stand_in_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_OPA_TOKEN", "opa-token-1")
    with FakeOpa(rego_files=[TWO_APPROVERS], token="opa-token-1") as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"\ntoken_env = "TEAM_OPA_TOKEN"\ntimeout_ms = 5000')
        v = check("DROP TABLE users", "sql", context={"environment": "production", "agent": "codex"}, policy=p)
        assert v.decision is Decision.ASK and v.approvers == 2 and not v.degraded
        assert "delete on users in production needs two approvers (OPA rule production-two-approvers)" in v.reasons
        assert check("DROP TABLE users", "sql", context={"environment": "staging"}, policy=p).approvers == 0
        (seen, _) = server.requests
        assert seen.path == "/v1/data/blastwall/decision" and seen.headers["authorization"] == "Bearer opa-token-1"
        jsonschema.validate(seen.input, SCHEMA)  # the same input document as in-process Rego
        assert seen.input["action"]["agent"] == "codex" and seen.input["findings"][0]["production"] is True
        _, details = explain_action(make_action("sql", "DROP TABLE users", {"environment": "production"}), p)
    (answer,) = details.layers
    assert answer.kind == "opa" and answer.decision_id == "fake-3" and answer.answer.approvers == 2


def test_an_opa_deny_wins_and_an_opa_allow_does_not_loosen(tmp_path: Path) -> None:
    with FakeOpa(answer={"deny": ["frozen for the release"], "rule": "release-freeze"}) as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"')
        assert decide(p, "ls") == ("deny", ("frozen for the release (OPA rule release-freeze)",), False)
    with FakeOpa(answer="allow") as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"')
        assert decide(p, "git push --force origin main")[0] == "ask"
        assert decide(p, "rm -rf /")[0] == "deny"


def test_authoritative_opa_decides_but_never_past_a_builtin_deny(tmp_path: Path) -> None:
    with FakeOpa(answer="allow") as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"\nmode = "authoritative"')
        assert decide(p, "git push --force origin main")[0] == "allow"
        assert decide(p, "rm -rf /")[0] == "deny"
    with FakeOpa(answer=None) as server:  # OPA has no result for the query
        decision, reasons, _ = decide(opa_policy(tmp_path, f'url = "{server.url}"\nmode = "authoritative"'), "ls")
        assert decision == "ask" and "no Rego decision" in reasons[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["tighten", "authoritative"])
def test_an_opa_that_is_down_gives_ask(tmp_path: Path, mode: str) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1/data/blastwall/decision"
    decision, reasons, degraded = decide(opa_policy(tmp_path, f'url = "{url}"\nmode = "{mode}"'), "ls")
    assert (decision, degraded) == ("ask", True)
    assert reasons[0].startswith("OPA gave no usable answer") and "refused" in reasons[0].lower()


def test_a_slow_opa_gives_ask_within_the_timeout(tmp_path: Path) -> None:
    with FakeOpa(answer="allow", delay_s=3.0) as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"\ntimeout_ms = 300\nmode = "authoritative"')
        t0 = time.monotonic()
        decision, reasons, degraded = decide(p, "ls")
        assert time.monotonic() - t0 < 2.0
    assert (decision, degraded) == ("ask", True) and "no answer within 300 ms" in reasons[0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"body": b"<html>oops</html>"}, "the answer is not JSON"),
    ({"body": b"[1, 2]"}, "not a JSON object"),
    ({"status": 500}, "HTTP 500: stand-in failure"),
    ({"answer": {"deny": True, "why": "x"}}, "unknown key(s) why"),
    ({"answer": 42}, "expected allow, ask, deny or an object"),
    ({"answer": "allow", "token": "other"}, "HTTP 401: missing or invalid bearer token"),
    ({"body": b'{"result": "allow"' + b" " * (2 << 20) + b"}"}, "larger than"),
], ids=["html", "array", "500", "unknown-key", "number", "wrong-token", "too-big"])
def test_an_opa_answering_garbage_gives_ask(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with FakeOpa(**kwargs) as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"\nmode = "authoritative"\ntoken = "mine"')
        decision, reasons, degraded = decide(p, "ls")
    assert (decision, degraded) == ("ask", True)
    assert message in reasons[0], reasons


def test_a_missing_token_variable_asks_without_calling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    with FakeOpa(answer="allow") as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"\ntoken_env = "NO_SUCH_TOKEN"')
        decision, reasons, _ = decide(p, "ls")
    assert decision == "ask" and "token_env NO_SUCH_TOKEN is not set" in reasons[0] and server.requests == []


def test_the_answer_is_cached_within_one_check_only(tmp_path: Path) -> None:
    with FakeOpa(answer={"ask": ["look"]}) as server:
        p = opa_policy(tmp_path, f'url = "{server.url}"')
        layer = parse(read_document(tmp_path / "blastwall.toml")["policy"], str(tmp_path / "blastwall.toml"))[0]
        assert isinstance(layer, OpaLayer)
        cache: dict[Any, Any] = {}
        doc = {"version": 1, "action": {"payload": "ls"}}
        assert opa.query(layer, doc, cache) == opa.query(layer, doc, cache) == ({"ask": ["look"]}, "fake-1")
        assert len(server.requests) == 1
        for _ in range(3):
            decide(p, "git push --force origin main")
        assert len(server.requests) == 4  # one per check: nothing is reused across checks


def test_credentials_in_the_input_are_masked_before_sending(tmp_path: Path) -> None:
    with FakeOpa(answer=None) as server:
        decide(opa_policy(tmp_path, f'url = "{server.url}"'), "curl https://admin:hunter2hunter2@db.example/x")
        decide(opa_policy(tmp_path, f'url = "{server.url}"\nredact = false'), "curl https://admin:hunter2hunter2@db.example/x")
    masked, plain = (json.dumps(r.input) for r in server.requests)
    assert "hunter2hunter2" not in masked and "admin:***@db.example" in masked
    assert "hunter2hunter2" in plain


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (the private CA a team's OPA would use)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opa.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "opa.pem", folder / "opa.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def test_tls_with_a_private_ca(tmp_path: Path, certificate: tuple[str, str]) -> None:
    cert, key = certificate
    with FakeOpa(answer={"deny": ["over TLS"]}, tls=(cert, key)) as server:
        assert server.url.startswith("https://")
        p = opa_policy(tmp_path, f'url = "{server.url}"\nca_file = "{cert}"')
        assert decide(p, "ls")[:2] == ("deny", ("over TLS (OPA rule deny)",))
        decision, reasons, degraded = decide(opa_policy(tmp_path, f'url = "{server.url}"'), "ls")  # CA not trusted
    assert (decision, degraded) == ("ask", True) and "CERTIFICATE_VERIFY_FAILED" in reasons[0]


@pytest.mark.parametrize(("table", "message"), [
    ('url = "opa.internal:8181"', "needs url"),
    ('url = "http://opa:8181/v1/data/blastwall/decision"\ntimeout_ms = 0', "timeout_ms must be"),
    ('url = "http://opa:8181/v1/data/blastwall/decision"\ntoken = "a"\ntoken_env = "B"', "one of token"),
    ('url = "http://opa:8181/v1/data/blastwall/decision"\nclient_cert = "/etc/hosts"', "go together"),
    ('url = "http://opa:8181/v1/data/blastwall/decision"\nca_file = "missing.pem"', "does not exist"),
    ('url = "http://opa:8181/v1/data/blastwall/decision"\nverify = false', "unknown key(s) verify"),
])
def test_a_bad_opa_table_asks(tmp_path: Path, table: str, message: str) -> None:
    decision, reasons, degraded = decide(opa_policy(tmp_path, table), "ls")
    assert (decision, degraded) == ("ask", True) and message in reasons[0]
