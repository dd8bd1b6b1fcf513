"""Teardown details that the fake cannot show: stopping running jobs, and what counts as already gone."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sagecli.aws import teardown
from sagecli.errors import SageCliError


class StubSageMaker:
    """Describe answers from a script of statuses; stop calls are recorded."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.stopped: list[str] = []

    def describe_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803 (boto3's names)
        return {"TrainingJobStatus": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}

    def stop_training_job(self, TrainingJobName: str) -> None:  # noqa: N803
        self.stopped.append(TrainingJobName)


def test_running_job_is_stopped_and_waited_for(monkeypatch):
    monkeypatch.setattr(teardown, "STOP_POLL_S", 0)
    sm = StubSageMaker(["InProgress", "Stopping", "Stopping", "Stopped"])
    assert teardown._stop_job(sm, "TrainingJob", "j") == "stopped (Stopped)"
    assert sm.stopped == ["j"] and sm.statuses == ["Stopped"]


def test_finished_job_is_left_as_a_record():
    sm = StubSageMaker(["Completed"])
    assert teardown._stop_job(sm, "TrainingJob", "j").startswith("Completed")
    assert sm.stopped == []


def test_gone_errors():
    def err(code: str, message: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}}, "Delete")

    assert teardown.is_gone(err("ValidationException", "Could not find endpoint \"x\"."))
    assert teardown.is_gone(err("NoSuchBucket", "The specified bucket does not exist"))
    assert not teardown.is_gone(err("ValidationException", "Cannot delete: in use"))
    assert not teardown.is_gone(err("AccessDeniedException", "not authorized"))
    assert not teardown.is_gone(RuntimeError("boom"))


class StubEndpoint:
    """An endpoint that refuses deletion while Creating, then becomes InService."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.deletes = 0

    def describe_endpoint(self, EndpointName: str) -> dict:  # noqa: N803
        return {"EndpointStatus": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}

    def delete_endpoint(self, EndpointName: str) -> None:  # noqa: N803
        self.deletes += 1
        if self.statuses[0] == "Creating":
            raise ClientError({"Error": {"Code": "ValidationException",
                                         "Message": "Cannot delete an endpoint that is Creating"}}, "DeleteEndpoint")


def test_endpoint_still_creating_is_deleted_once_it_settles(monkeypatch):
    monkeypatch.setattr(teardown, "STOP_POLL_S", 0)
    sm = StubEndpoint(["Creating", "Creating", "InService"])
    assert teardown._delete_endpoint(sm, "e") == "deleted (waited for it to leave Creating)"
    assert sm.deletes == 2


def test_endpoint_refusal_for_another_reason_is_raised(monkeypatch):
    sm = StubEndpoint(["InService"])

    def refuse(EndpointName: str) -> None:  # noqa: N803
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "in use"}}, "DeleteEndpoint")

    sm.delete_endpoint = refuse
    try:
        teardown._delete_endpoint(sm, "e")
    except ClientError as exc:
        assert "in use" in str(exc)
    else:
        raise AssertionError("expected the refusal to surface")


class StubTuning:
    def __init__(self) -> None:
        self.stopped: list[str] = []

    def stop_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str) -> None:  # noqa: N803
        self.stopped.append(HyperParameterTuningJobName)


def test_a_failed_wait_stops_the_job_at_once_and_says_so_in_one_line():
    sm, said = StubTuning(), []

    def wait() -> dict:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                          "DescribeHyperParameterTuningJob")

    with pytest.raises(SageCliError) as err:
        teardown.wait_or_stop(sm, "HyperParameterTuningJob", "t1", wait, said.append, what="tuning job")
    assert sm.stopped == ["t1"] and said == ["t1: StopHyperParameterTuningJob sent"]
    assert err.value.message.startswith("DescribeHyperParameterTuningJob failed: ")
    assert err.value.hint == "the tuning job was stopped; teardown runs now"


def test_ctrl_c_during_the_wait_stops_the_job_and_goes_on_as_an_interrupt():
    sm = StubTuning()

    def wait() -> dict:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        teardown.wait_or_stop(sm, "HyperParameterTuningJob", "t2", wait, lambda m: None)
    assert sm.stopped == ["t2"]
    assert teardown.wait_or_stop(sm, "HyperParameterTuningJob", "t3", lambda: {"ok": 1}, lambda m: None) == {"ok": 1}
    assert sm.stopped == ["t2"]
