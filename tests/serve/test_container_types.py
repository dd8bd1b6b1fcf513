"""Issue 15 item 8: the local endpoint takes the request types the built-in XGBoost container takes.

Sources (aws/sagemaker-xgboost-container, master at cb8df91c):
- src/sagemaker_xgboost_container/data_utils.py: VALID_CONTENT_TYPES and INVALID_CONTENT_TYPE_ERROR, the
  text of the error for a type the container does not know ("... is not an accepted ContentType: ...").
- src/sagemaker_xgboost_container/algorithm_mode/serve.py: invocations() answers a parse failure with
  http.client.UNSUPPORTED_MEDIA_TYPE (415) and str(e) as the body.
- src/sagemaker_xgboost_container/algorithm_mode/serve_utils.py: _get_sparse_matrix_from_libsvm (tokens
  without ':' skipped, 1-based indices shifted to 0-based) and parse_content_data.
- test/resources/abalone-binary/data/validation/abalone.validation: the LIBSVM rows below (first two lines).
- test/unit/algorithm_mode/test_serve_utils.py: b"0:1" parses as libsvm for "libsvm", "text/libsvm",
  "text/x-libsvm".
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost as xgb
from scipy.sparse import csr_matrix

from sagecli.serve.handler import InferenceHandler, RequestError
from sagecli.serve.model import load_model_dir

ABALONE = (b"0 1:2 2:0.645 3:0.515 4:0.15 5:1.212 6:0.515 7:0.2055 8:0.385\n"
           b"0 1:2 2:0.575 3:0.42 4:0.135 5:0.857 6:0.461 7:0.147 8:0.2125\n")
ABALONE_DENSE = [[2, 0.645, 0.515, 0.15, 1.212, 0.515, 0.2055, 0.385],
                 [2, 0.575, 0.42, 0.135, 0.857, 0.461, 0.147, 0.2125]]
CONTAINER_415 = ("application/json is not an accepted ContentType: csv, libsvm, parquet, recordio-protobuf, "
                 "text/csv, text/libsvm, text/x-libsvm, application/x-parquet, application/x-recordio-protobuf.")


@pytest.fixture(scope="module")
def model(trained):
    return load_model_dir(trained[1])


def test_json_request_is_refused_as_the_container_does(model) -> None:
    with pytest.raises(RequestError) as err:
        InferenceHandler(model).invoke(json.dumps({"instances": ABALONE_DENSE}).encode(), "application/json",
                                       "text/csv")
    assert (err.value.status, err.value.message) == (415, CONTAINER_415)


def test_json_requests_only_with_the_custom_code_option(model) -> None:
    body = json.dumps({"instances": ABALONE_DENSE}).encode()
    ctype, out = InferenceHandler(model, json_requests=True).invoke(body, "application/json", "application/json")
    assert ctype == "application/json"
    expected = model.booster.predict(xgb.DMatrix(np.array(ABALONE_DENSE)))
    assert np.allclose([p["score"] for p in json.loads(out)["predictions"]], expected, atol=1e-6)


@pytest.mark.parametrize("ctype", ["text/libsvm", "text/x-libsvm", "libsvm", "text/libsvm; charset=utf-8"])
def test_libsvm_rows_score_as_their_csv_twin(model, ctype) -> None:
    handler = InferenceHandler(model)
    _, libsvm = handler.invoke(ABALONE, ctype, "text/csv")
    csv_body = "\n".join(",".join(repr(float(v)) for v in row) for row in ABALONE_DENSE).encode()
    _, csv_out = handler.invoke(csv_body, "text/csv", "text/csv")
    assert libsvm == csv_out and len(libsvm.split(b"\n")) == 2


def test_sparse_libsvm_means_missing_features_as_in_the_container(model) -> None:
    """A row with gaps predicts what XGBoost predicts for the container's csr_matrix (absent = missing)."""
    body = b"1 1:2 5:1.212 8:0.385\n0 2:0.575 3:0.42"
    _, out = InferenceHandler(model).invoke(body, "text/libsvm", "text/csv")
    # the container's matrix: indices 1-based -> 0-based, shape inferred from the largest index
    rows, cols, vals = [0, 0, 0, 1, 1], [0, 4, 7, 1, 2], [2, 1.212, 0.385, 0.575, 0.42]
    expected = model.booster.predict(xgb.DMatrix(csr_matrix((vals, (rows, cols)), shape=(2, 8))))
    assert np.allclose([float(v) for v in out.split(b"\n")], expected, atol=1e-6)
    zero_based = InferenceHandler(model).decode(b"0:1", "text/libsvm")  # the container's own unit-test payload
    assert zero_based.shape == (1, 8) and zero_based[0, 0] == 1 and np.isnan(zero_based[0, 1:]).all()


@pytest.mark.parametrize(("body", "ctype", "status"), [
    (b"1 x:2", "text/libsvm", 415),  # the container's "Loading libsvm data failed" is a 415 too
    (b"just a label", "text/libsvm", 415),
    (b"1:1 99:2", "text/libsvm", 400),  # more features than the model has
    (b"1,2", "application/x-parquet", 415),
    (b"\n\x00", "application/x-recordio-protobuf", 415),
    (b"1,2", "text/html", 415),
])
def test_refusals(model, body, ctype, status) -> None:
    with pytest.raises(RequestError) as err:
        InferenceHandler(model).invoke(body, ctype, "text/csv")
    assert err.value.status == status and err.value.message
    if ctype == "text/html":
        assert err.value.message.startswith("text/html is not an accepted ContentType: csv, libsvm")
