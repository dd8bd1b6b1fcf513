"""Issue 10 item 3: endpoint, group and job names are SageMaker names, never paths."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sagecli import names
from sagecli.errors import SageCliError

BAD = ["../x", "../../x", "/etc/passwd", "a/b", "..", ".", "", "-a", "a-", "a_b", "a.b", "x" * 64, "a\n",
       "a\x00b", "é"]
GOOD = ["a", "A1", "my-endpoint", "a--b", "x" * 63, "sagecli-20261202-075300-abcdef-train"]


def _shapes() -> dict:
    import botocore

    path = Path(botocore.__file__).parent / "data" / "sagemaker" / "2017-07-24" / "service-2.json.gz"
    if not path.exists():
        path = path.with_suffix("")
        return json.loads(path.read_text())["shapes"]
    return json.loads(gzip.decompress(path.read_bytes()))["shapes"]


@pytest.mark.parametrize("shape,ours", [("EndpointName", names.NAME_63), ("TrainingJobName", names.NAME_63),
                                        ("TransformJobName", names.NAME_63), ("EntityName", names.NAME_63),
                                        ("VariantName", names.NAME_63), ("ModelName", names.MODEL_NAME)])
def test_patterns_are_botocores(shape: str, ours) -> None:
    spec = _shapes()[shape]
    assert spec["pattern"] == ours.pattern
    assert spec["max"] == 63


@pytest.mark.parametrize("check", [names.endpoint_name, names.model_package_group_name, names.training_job_name,
                                   names.transform_job_name, names.run_id, names.model_name])
def test_validators(check) -> None:
    for name in GOOD:
        assert check(name) == name
    for name in BAD:
        with pytest.raises(SageCliError) as err:
            check(name)
        assert "\n" not in err.value.message


def test_anchored_name_matches_like_the_validators() -> None:
    for name in GOOD:
        assert names.ANCHORED_NAME.match(name)
    for name in BAD:
        assert not names.ANCHORED_NAME.match(name), name


def _victim(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": "victim", "pid": 999999999, "url": "http://127.0.0.1:9"}))
    return path


def test_endpoint_stop_never_deletes_outside_the_endpoints_folder(cli, sagecli_home: Path, tmp_path: Path) -> None:
    relative = _victim(sagecli_home / "victim.json")
    absolute = _victim(tmp_path / "elsewhere" / "victim.json")
    for name in ("../victim", str(absolute.with_suffix(""))):
        res = cli("endpoint", "stop", name)
        assert res.returncode != 0
        assert "invalid endpoint name" in res.stderr and "Traceback" not in res.stderr
    res = cli("endpoint", "invoke", "../victim", "--body", "1,2")
    assert res.returncode != 0 and "invalid endpoint name" in res.stderr
    assert relative.exists() and absolute.exists()


def test_state_functions_refuse_paths(sagecli_home: Path) -> None:
    from sagecli.serve.state import forget_endpoint, get_endpoint, save_endpoint

    victim = _victim(sagecli_home / "victim.json")
    with pytest.raises(SageCliError):
        forget_endpoint("../victim")
    with pytest.raises(SageCliError):
        get_endpoint("../victim")
    with pytest.raises(SageCliError):
        save_endpoint({"name": "../victim", "pid": 1, "url": "x"})
    assert json.loads(victim.read_text())["name"] == "victim"


def test_registry_refuses_group_paths(cli, sagecli_home: Path) -> None:
    from sagecli.registry.store import ensure_group, list_versions

    ensure_group("real-group")
    (sagecli_home / "outside" / "versions").mkdir(parents=True)
    (sagecli_home / "outside" / "group.json").write_text("{}")
    for bad in ("../outside", "real-group/../../outside"):
        with pytest.raises(SageCliError, match="invalid model package group name"):
            list_versions(bad)
    res = cli("registry", "show", "../outside")
    assert res.returncode != 0 and "invalid model package group name" in res.stderr


def test_local_backend_refuses_job_names_that_are_paths(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from sagecli.contracts import TrainingRequest
    from sagecli.flow.backends.local import LocalBackend

    backend = LocalBackend.__new__(LocalBackend)
    backend.ctx = SimpleNamespace(run_dir=tmp_path / "run")
    victim = tmp_path / "keep"
    victim.mkdir()
    (victim / "important.txt").write_text("data")
    request = TrainingRequest.__new__(TrainingRequest)
    object.__setattr__(request, "job_name", "../../keep")
    with pytest.raises(SageCliError, match="invalid training job name"):
        backend.train(request)
    assert (victim / "important.txt").exists()


def test_capture_folders_are_named_by_valid_names(tmp_path: Path) -> None:
    from sagecli.serve.capture import CaptureConfig

    assert CaptureConfig(root=tmp_path, endpoint="ep-1", variant="AllTraffic").endpoint == "ep-1"
    with pytest.raises(SageCliError):
        CaptureConfig(root=tmp_path, endpoint="../ep")
    with pytest.raises(SageCliError):
        CaptureConfig(root=tmp_path, endpoint="ep", variant="../../v")


def test_ledger_file_is_named_by_a_valid_run_id(tmp_path: Path) -> None:
    from sagecli.aws.ledger import Ledger

    assert Ledger.create("20261202-080000-abc123", "123456789012", "us-east-1", tmp_path).path.parent == tmp_path
    with pytest.raises(SageCliError, match="invalid run id"):
        Ledger.create("../../escaped", "123456789012", "us-east-1", tmp_path / "a" / "b")
    assert not (tmp_path / "escaped.json").exists()
