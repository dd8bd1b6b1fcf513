"""Issue 10 item 8: the invoke step compares the endpoint's answers with the model on the rows it was sent.

`run-demo --seed 3` and `--seed 123` failed at invoke: the CSV requests carry features rounded to 4 decimals,
and the check compared them with predictions on the unrounded rows. Here the real invoke step runs for 24
seeds (3, 123 and 25 failed before the fix), each with its own model trained in-process like the demo's
(same hyperparameters, on the train channel's CSV file), against a backend whose invoke() is the endpoint's
own InferenceHandler (CSV and JSON decoding, numpy and XGBoost predictors).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sagecli.contracts import Endpoint, FlowOptions, InvokeResult, RunContext, RunState, StepResult
from sagecli.flow import steps

SEEDS = (3, 123, *range(20, 42))


class HandlerBackend:
    """Just enough of the Backend protocol for the invoke step: requests go through the endpoint's handler."""

    name = "handler"

    def __init__(self, model) -> None:
        from sagecli.serve.handler import InferenceHandler

        self.handler = InferenceHandler(model)
        self.requests = 0

    def invoke(self, endpoint, body, content_type="text/csv", accept="text/csv", inference_id=None):
        self.requests += 1
        ctype, out = self.handler.invoke(body, content_type, accept)
        return InvokeResult(body=out, content_type=ctype)


def _train(dataset, tmp_path: Path, seed: int) -> Path:
    """The demo's model for this seed, trained (one thread, in this process) on the train channel's CSV file."""
    import numpy as np
    import xgboost as xgb

    from sagecli.flow.data import write_channels
    from sagecli.serve.model import MODEL_FILE

    train_csv = write_channels(dataset, tmp_path / "data")["train"] / "train.csv"
    table = np.loadtxt(train_csv, delimiter=",", ndmin=2)  # label first, features as the channel rounds them
    hps = {**steps.DEFAULT_HYPERPARAMETERS, "seed": str(seed), "nthread": "1"}
    rounds = int(hps.pop("num_round"))
    hps.pop("verbosity")
    booster = xgb.train(hps, xgb.DMatrix(table[:, 1:], label=table[:, 0]), rounds)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    booster.save_model(str(model_dir / f"{MODEL_FILE}.ubj"))
    (model_dir / f"{MODEL_FILE}.ubj").rename(model_dir / MODEL_FILE)
    return model_dir


@pytest.mark.parametrize("seed", SEEDS)
def test_invoke_step_matches_the_model_on_the_rows_it_sent(tmp_path: Path, seed: int) -> None:
    from sagecli.flow.data import make_dataset
    from sagecli.serve.model import load_model_dir

    dataset = make_dataset(seed, 4000)  # the demo's default size: the test split is what invoke sends
    model_dir = _train(dataset, tmp_path, seed)
    backend = HandlerBackend(load_model_dir(model_dir))
    ctx = RunContext(run_id=f"seed-{seed}", run_dir=tmp_path, options=FlowOptions(seed=seed))
    state = RunState(ctx=ctx, backend=backend, dataset=dataset, model_dir=model_dir,
                     endpoint=Endpoint(name="test", status="InService"))
    res = StepResult("invoke")
    steps.invoke(state, res)  # raises StepFailed when the endpoint's answers differ from the model's
    assert res.data["max_abs_diff_vs_local"] <= 1e-4
    assert backend.requests == res.data["requests"] > steps.WAVE1_SINGLE
