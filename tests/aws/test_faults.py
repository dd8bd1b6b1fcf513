"""Fault injection: each create call fails in turn; everything created before it must be gone afterwards."""

from __future__ import annotations

import pytest

from sagecli.aws.ledger import Ledger, ledger_dir
from sagecli.errors import SageCliError
from tests.aws.helpers import leftovers
from tests.aws.test_backend import RUN, _backend, _drive

CREATE_CALLS = ["CreateBucket", "PutBucketTagging", "PutObject", "CreateTrainingJob", "CreateModelPackageGroup",
                "CreateModelPackage", "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateTransformJob"]


@pytest.mark.parametrize("operation", CREATE_CALLS)
def test_failure_at_each_create_leaves_nothing(fake, tmp_path, operation):
    fake.faults.fail = operation
    backend, ctx = _backend(tmp_path)
    with pytest.raises(SageCliError) as err:
        _drive(backend, ctx, tmp_path)
    assert f"{operation} failed" in err.value.message
    fake.faults.fail = None
    assert leftovers(fake, RUN) == []
    assert fake.client("s3").list_buckets()["Buckets"] == []
    ledger = Ledger.load(ledger_dir() / f"{RUN}.json")
    assert ledger.live() == []
    if operation != "PutObject" and operation != "PutBucketTagging":
        assert [e.state for e in ledger.entries if e.kind and e.state == "failed"] == ["failed"]


def test_every_create_call_was_covered(fake, tmp_path):
    backend, ctx = _backend(tmp_path)
    _drive(backend, ctx, tmp_path)
    seen = {op for op in fake.faults.seen if op.startswith(("Create", "Put"))}
    assert seen == set(CREATE_CALLS)
