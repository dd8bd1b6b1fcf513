"""Issue 10 item 5: whatever a client sends, the endpoint answers 2xx/4xx (never 5xx) and keeps answering /ping.

Hypothesis drives the real server (granian, 127.0.0.1) with bodies, content types, accept values, paths and
headers; the runtime route's errors keep InvokeEndpoint's shape (x-amzn-errortype and a JSON document).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import string
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROW = "45,12,60.5,7.2,1,0,2,1"
RUNTIME = "/endpoints/ep-test/invocations"
HEADER_TEXT = st.text(alphabet=string.printable.strip() + " \t" + "éü\xa0", max_size=60).map(str.strip)

numbers = st.one_of(st.integers(min_value=-(10 ** 500), max_value=10 ** 500), st.floats(allow_nan=False),
                    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0"]))
json_values = st.recursive(st.one_of(st.none(), st.booleans(), numbers.filter(lambda v: not isinstance(v, str)),
                                     st.text(max_size=8)),
                           lambda inner: st.one_of(st.lists(inner, max_size=10),
                                                   st.dictionaries(st.sampled_from(["instances", "features", "x"]),
                                                                   inner, max_size=3)),
                           max_leaves=40)
csv_field = st.one_of(numbers.map(str), st.text(alphabet="0123456789.eE+-naifNI x\"'", max_size=12))
csv_rows = st.lists(st.lists(csv_field, min_size=0, max_size=12).map(",".join), min_size=0, max_size=6)
libsvm_token = st.one_of(st.tuples(st.integers(-3, 12), csv_field).map(lambda t: f"{t[0]}:{t[1]}"), csv_field,
                        st.text(alphabet="0123456789:", max_size=8))
libsvm_rows = st.lists(st.lists(libsvm_token, max_size=10).map(" ".join), min_size=0, max_size=6)

bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    csv_rows.map(lambda rows: "\n".join(rows).encode()),
    st.sampled_from([2, 999, 1001, 5000, 100_000]).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.sampled_from([309, 400, 4300, 5000]).map(lambda n: b'{"instances": [[' + b"9" * n + b"]]}"),
    st.just(ROW.encode()),
    libsvm_rows.map(lambda rows: "\n".join(rows).encode()),
)
known_types = st.sampled_from(["text/csv", "application/json", "text/csv; charset=utf-8", "APPLICATION/JSON",
                               "text/libsvm", "text/x-libsvm"])
content_types = st.one_of(known_types, known_types, known_types,
                          st.sampled_from(["application/x-recordio-protobuf", "", "*/*"]), HEADER_TEXT)
accepts = st.one_of(st.sampled_from(["text/csv", "application/json", "*/*", "", "text/html"]), HEADER_TEXT)
routes = st.sampled_from(["/invocations", RUNTIME])
paths = st.one_of(routes, routes, routes, st.sampled_from(["/endpoints/other/invocations", "/ping",
                                   "/execution-parameters", "/endpoints//invocations", "/invocations/../ping"]),
                  st.text(alphabet=string.ascii_letters + string.digits + "/-._~%", max_size=40).map(lambda p: "/" + p))
extra_headers = st.dictionaries(st.sampled_from(["X-Amzn-SageMaker-Custom-Attributes", "X-Amzn-SageMaker-Inference-Id",
                                                 "X-Amzn-SageMaker-Target-Variant", "Content-Encoding", "Expect",
                                                 "X-Forwarded-For"]), HEADER_TEXT, max_size=3)


def _send(url: str, method: str, path: str, body: bytes, headers: dict[str, str], chunked: bool
          ) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        # the server may answer (a 404 to a HEAD, say) without reading the body: then read that answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            _write(conn, method, path, body, headers, chunked)
        try:
            resp = conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            return 0, {}, b""  # closed without an answer: allowed (not a 5xx); the caller then checks /ping
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _write(conn: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, str],
           chunked: bool) -> None:
    if chunked:
        conn.putrequest(method, path)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(body), 4096):
            piece = body[start:start + 4096]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
    else:
        conn.request(method, path, body=body, headers=headers)


def _ping(url: str) -> int:
    return _send(url, "GET", "/ping", b"", {}, False)[0]


@pytest.mark.parametrize("body", [
    b'{"instances": [[' + b"1" * 400 + b', 2, 3, 4, 5, 6, 7, 8]]}',  # 400-digit integer
    b"[" * 100_000 + b"]" * 100_000,  # nested 100,000 deep
    b'{"instances": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}",
    b'[' + b"9" * 5000 + b"]",  # over Python's int-string limit
])
@pytest.mark.parametrize("path", ["/invocations", RUNTIME])
@pytest.mark.parametrize(("server", "code", "start"), [
    ("json_endpoint", 400, b"malformed JSON"),  # json_requests: true (custom inference code) parses and refuses
    ("endpoint", 415, b"application/json is not an accepted ContentType"),  # the built-in container's answer
])
def test_hostile_json_is_a_4xx(request, body: bytes, path: str, server: str, code: int, start: bytes) -> None:
    url = request.getfixturevalue(server)[0].url
    status, headers, text = _send(url, "POST", path, body, {"Content-Type": "application/json"}, False)
    if path == RUNTIME:  # InvokeEndpoint's shape: the container's 4xx wrapped as a ModelError
        assert (status, headers.get("x-amzn-errortype")) == (424, "ModelError"), text[:300]
        doc = json.loads(text)
        assert doc["OriginalStatusCode"] == code and doc["ErrorCode"] == "CLIENT_ERROR_FROM_MODEL"
        assert doc["OriginalMessage"].encode().startswith(start)
    else:
        assert status == code, text[:300]
        assert text.startswith(start)
    assert _ping(url) == 200


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow, HealthCheck.data_too_large])
@given(method=st.sampled_from(["POST"] * 7 + ["GET", "PUT", "HEAD"]), path=paths, body=bodies,
       ctype=content_types, accept=accepts, extra=extra_headers, chunked=st.booleans())
@pytest.mark.parametrize("server", ["endpoint", "json_endpoint"])  # the container's types; with custom JSON input
def test_fuzz_no_5xx_and_ping_still_answers(request, server, method, path, body, ctype, accept, extra,
                                            chunked) -> None:
    url = request.getfixturevalue(server)[0].url
    headers = {**extra, "Content-Type": ctype, "Accept": accept}
    if extra.get("Expect") or extra.get("Content-Encoding"):
        headers.pop("Expect", None)  # http.client cannot do 100-continue; it would wait for the server
    status, got, text = _send(url, method, path, body if method in ("POST", "PUT") else b"", headers, chunked)
    assert status < 500, (status, text[:300])
    if path == RUNTIME and method == "POST" and status >= 400:
        assert got.get("x-amzn-errortype") in ("ModelError", "ValidationError"), got
        doc = json.loads(text)
        assert "message" in doc or "Message" in doc
    assert _ping(url) == 200
