"""Issue 10 item 1: an S3 key never chooses where the SageMaker backend writes on disk."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from sagecli.aws.executor import Executor
from sagecli.errors import SageCliError

BUCKET = "sagecli-capture-test"


def _executor(fake) -> Executor:
    return Executor(SimpleNamespace(client=fake.client), ledger=None)  # download uses only the S3 client


def _put(fake, *keys: str) -> None:
    s3 = fake.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"pwned\n")
        assert any(o["Key"] == key for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]), key


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("evil", ["capture/../../escaped.txt", "capture/a/../../../escaped.txt",
                                  "capture/{tmp}/escaped.txt", "capture/./x/../../escaped.txt"])
def test_prefix_download_refuses_keys_that_leave_the_destination(fake, tmp_path: Path, evil: str) -> None:
    # "{tmp}" makes "capture//<tmp_path>/...": an absolute path after the prefix. Every escape stays inside
    # tmp_path even before the fix (dest is 4 levels down), so a failing run writes nothing elsewhere.
    evil = evil.format(tmp=str(tmp_path))
    _put(fake, "capture/ok/one.jsonl", evil)
    dest = tmp_path / "a" / "b" / "run" / "capture"
    with pytest.raises(SageCliError) as err:
        _executor(fake).download(f"s3://{BUCKET}/capture/", dest)
    assert evil in err.value.message and "\n" not in err.value.message
    assert _files(tmp_path) == set(), "nothing is written when one key is refused"


def test_absolute_key_is_refused(fake, tmp_path: Path) -> None:
    # a key starting with "/" listed under the empty prefix would be dest / "/abs/..." = an absolute path
    _put(fake, "/" + str(tmp_path / "abs-escaped.txt").lstrip("/"))
    dest = tmp_path / "dest"
    with pytest.raises(SageCliError, match="refusing to download"):
        _executor(fake).download(f"s3://{BUCKET}/", dest)
    assert not (tmp_path / "abs-escaped.txt").exists()
    assert _files(tmp_path) == set()


def test_single_object_named_dotdot_is_refused(fake, tmp_path: Path) -> None:
    _put(fake, "out/..")
    with pytest.raises(SageCliError, match="refusing to download"):
        _executor(fake).download(f"s3://{BUCKET}/out/..", tmp_path / "dest")


def test_ordinary_keys_still_download(fake, tmp_path: Path) -> None:
    _put(fake, "capture/v/2026/12/02/08/a.jsonl", "capture/v/2026/12/02/09/b.jsonl")
    got = _executor(fake).download(f"s3://{BUCKET}/capture/", tmp_path / "dest")
    assert _files(tmp_path / "dest") == {"v/2026/12/02/08/a.jsonl", "v/2026/12/02/09/b.jsonl"}
    assert [p.read_bytes() for p in got] == [b"pwned\n", b"pwned\n"]


def test_fetch_capture_reports_a_refused_key_instead_of_waiting(fake, tmp_path: Path) -> None:
    """fetch_capture treats "nothing yet" as S3 delivery lag; a refused key must not be mistaken for that."""
    from sagecli.contracts import Endpoint
    from sagecli.flow.backends.sagemaker import SageMakerBackend

    _put(fake, "capture/ep/AllTraffic/2026/12/02/08/ok.jsonl", "capture/ep/AllTraffic/../../../../escaped.jsonl")
    backend = SageMakerBackend.__new__(SageMakerBackend)
    backend.exe = _executor(fake)
    backend._say = lambda step, message: None
    endpoint = Endpoint(name="ep", status="InService", capture_uri=f"s3://{BUCKET}/capture")
    with pytest.raises(SageCliError, match="refusing to download"):
        backend.fetch_capture(endpoint, tmp_path / "a" / "b" / "c", min_records=0, timeout_s=0)
    with pytest.raises(SageCliError, match="invalid endpoint name"):
        backend.fetch_capture(Endpoint(name="../x", status="InService", capture_uri=f"s3://{BUCKET}/capture"),
                              tmp_path / "d", min_records=0, timeout_s=0)
