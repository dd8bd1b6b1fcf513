"""`sagecli monitor` reading baseline data and capture files from s3:// (moto server on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from tests.aws.fake_sagemaker import REGION
from tests.conftest import run_cli


def test_monitor_reads_s3_and_refuses_keys_leaving_the_folder(fake, tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="train/part-0.csv", Body=b"".join(b"%d,%d\n" % (i % 5, i % 3) for i in range(100)))
    s3.put_object(Bucket="data", Key="train2/ignored.csv", Body=b"x,y\n")
    res = run_cli("monitor", "baseline", "s3://data/train", "-o", str(tmp_path / "b"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"] == 100  # train2/ is not under train/
    rec = {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                             "data": "1,2", "encoding": "CSV"}}}
    s3.put_object(Bucket="data", Key="cap/ep/AllTraffic/2026/12/02/08/a.jsonl", Body=json.dumps(rec).encode())
    res = run_cli("monitor", "run", "s3://data/cap/", "--baseline", str(tmp_path / "b"), "-o", str(tmp_path / "r"),
                  "--json")
    assert res.returncode == 0, res.stderr
    s3.put_object(Bucket="data", Key="evil/../../escape.jsonl", Body=json.dumps(rec).encode())
    res = run_cli("monitor", "run", "s3://data/evil/", "--baseline", str(tmp_path / "b"), "-o", str(tmp_path / "r"))
    assert res.returncode == 2 and "refusing to download 's3://data/evil/../../escape.jsonl'" in res.stderr
    assert not (tmp_path.parent / "escape.jsonl").exists()
