"""Operations named inside a request: RPC-style APIs put the operation in a body field, a query
parameter or a header instead of the path, and the verb model (`analyze/verbs.py`) reads it.

    POST /webservice/rest/server.php   wsfunction=core_course_delete_courses   (Moodle)
    POST /rpc     {"jsonrpc": "2.0", "method": "user.delete", "params": [42]}  (JSON-RPC, batches too)
    POST /xmlrpc.php   <methodCall><methodName>wp.deletePost</methodName>...  (XML-RPC)
    POST /service      SOAPAction: "urn:crm#DeleteAccount"                      (SOAP)
    GET  /services/rest?method=flickr.photos.delete                            (query-string RPC)

Field names are data (`rules/http_generic.toml`: `rpc_method_fields`, `rpc_call_fields`,
`rpc_call_markers`, `rpc_query_fields`). A `method` field counts only in an object that is a
call (it has `params`, `jsonrpc`, `args` ...): elsewhere it is often a payment or HTTP method.
"""

from __future__ import annotations

from blastwall import rx
from blastwall.analyze.http.request import Request
from blastwall.analyze.http.sniff import word_list

_XML_METHOD = rx.compile(r"<(?:\w+:)?methodName>\s*([^<\s]{1,200})\s*</(?:\w+:)?methodName>", rx.I)
_MAX_NAMES = 200


def operation_names(req: Request) -> list[str]:
    """The operation names a request carries in its body, query string or SOAPAction header."""
    names: list[str] = []
    query_fields = word_list("rpc_query_fields")
    names += [v for k, v in req.query if k.lower() in query_fields and v.strip()]
    soap = req.headers.get("soapaction", "").strip().strip('"')
    if soap:
        names.append(rx.split(r"[#/]", soap)[-1])
    if req.body_text and "methodname" in req.body_text[:100_000].lower():
        names += _XML_METHOD.findall(req.body_text[:100_000])
    names += _body_names(req.body)
    return [n.strip() for n in names if isinstance(n, str) and n.strip()][:_MAX_NAMES]


def _body_names(body: object) -> list[str]:
    from blastwall.analyze.http.generic import objects

    always = word_list("rpc_method_fields")
    call_fields = word_list("rpc_call_fields")
    markers = word_list("rpc_call_markers")
    out: list[str] = []
    for obj in objects(body):
        keys = {str(k).lower() for k in obj}
        for k, v in obj.items():
            low = str(k).lower()
            if not isinstance(v, str):
                continue
            if low in always or (low in call_fields and keys & markers):
                out.append(v)
    return out


def destructive_operation(req: Request) -> tuple[str, str, bool] | None:
    """(name, verb, names data) of the first operation name that reads as destructive: by the verb
    model, or a blockchain node's method that sends a transaction (`eth_sendRawTransaction` to a
    live network's node: `analyze/mcp_chain.py`; the host names the network)."""
    from blastwall.analyze.mcp_chain import chain_call
    from blastwall.analyze.verbs import read_words
    from blastwall.model import Severity

    for name in operation_names(req):
        reading = read_words([name[:200]])
        if reading is not None:
            return name[:80], reading.verb, reading.severity >= Severity.HIGH
        tx = chain_call(req.host, name[:200], {"rpc": f"{req.scheme or 'https'}://{req.host}"})
        if tx is not None and tx.kind == "live" and not _signed_for_test_chains(req, name):
            return name[:80], "a transaction", True
    return None


def _signed_for_test_chains(req: Request, name: str) -> bool:
    """Every call of `name` in the body sends a transaction signed for a local or test chain (its
    chain id: `analyze/chain_ids.py`), which a node of any other chain refuses."""
    from blastwall.analyze.chain_ids import chain_id
    from blastwall.analyze.http.generic import objects
    from blastwall.analyze.mcp_chain import network_kind

    calls = [o for o in objects(req.body) if isinstance(o.get("method"), str) and o["method"].strip() == name]
    ids = [chain_id(name, o.get("params")) for o in calls]
    return bool(ids) and all(i is not None and network_kind(str(i)) in ("local", "test") for i in ids)
