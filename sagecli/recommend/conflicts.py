"""Facts that contradict each other are usage errors (one line, exit 2), not answers built on a guess.

Only facts the user gave are compared; documented defaults never conflict with anything.
"""

from __future__ import annotations

from typing import Any

from sagecli.errors import UsageError
from sagecli.recommend.kbfacts import MB_PER_GB

# --endpoint label -> the inference-option record that says whether it has GPUs
ENDPOINT_RECORD = {"realtime": "realtime-inference", "serverless": "serverless-inference",
                   "async": "async-inference", "inference_components": "inference-components",
                   "multi_model": "multi-model-endpoints"}
# files x average size may differ from the stated dataset size by this factor (rounding, mixed file sizes)
SIZE_SLACK = 2.0
MINUTES_PER_HOUR = 60


def _deployment(given: dict[str, Any], kb: Any) -> None:
    if given.get("traffic") == "offline" and given.get("realtime") is True:
        raise UsageError("--traffic offline and --realtime contradict: offline scoring has no caller waiting "
                         "(drop --realtime, or pick steady, spiky or intermittent traffic)")
    if given.get("no_user_impact") and given.get("compare_variants"):
        raise UsageError("--no-user-impact and --compare-variants contradict: a business metric needs users to get "
                         "the new version's answers, which a shadow test hides (pick one)")
    bake, hours = given.get("bake_minutes"), given.get("rollout_hours")
    if bake is not None and hours is not None and bake > hours * MINUTES_PER_HOUR:
        raise UsageError(f"--bake-minutes {bake:g} and --rollout-hours {hours:g} contradict: one baking period "
                         "cannot last longer than the whole rollout")
    endpoint = given.get("endpoint")
    if given.get("gpu") is True and endpoint in ENDPOINT_RECORD:
        rec = kb.records.get(ENDPOINT_RECORD[endpoint])
        if rec is not None and rec.get("gpu") is False:
            raise UsageError(f"--endpoint {endpoint} and --gpu contradict: {rec['name']} has no GPU support "
                             f"({rec['sources'][0]})")


# --format -> the training ContentTypes that carry it (content/algorithms.yaml training_content_types).
FORMAT_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "csv": ("text/csv",), "parquet": ("application/x-parquet",),
    "recordio-protobuf": ("application/x-recordio-protobuf",), "jsonl": ("application/jsonlines",),
    "text": ("text/plain",), "image-recordio": ("application/x-recordio",),
    "images": ("image/jpeg", "image/png", "application/x-image"), "libsvm": ("text/libsvm",),
    "tfrecord": (), "hdf5": (),
}


def _input_mode(given: dict[str, Any], kb: Any) -> None:
    files, avg, total = given.get("files"), given.get("avg_file_mb"), given.get("dataset_gb")
    if avg and total and avg > total * MB_PER_GB:
        raise UsageError(f"--avg-file-mb {avg:g} is larger than the whole --dataset-gb {total:g} "
                         f"({total * MB_PER_GB:g} MB): a dataset cannot hold a file bigger than itself")
    if files and avg and total:
        implied = files * avg / MB_PER_GB
        if not total / SIZE_SLACK <= implied <= total * SIZE_SLACK:
            raise UsageError(f"--files {files} x --avg-file-mb {avg:g} is {implied:g} GB, far from --dataset-gb "
                             f"{total:g}; give any two of the three")
    fmt, alg = given.get("format"), given.get("algorithm")
    if fmt in FORMAT_CONTENT_TYPES and alg:
        from sagecli.recommend.advice import algorithm_record, canonical_algorithm

        alg_id, _ = canonical_algorithm(kb, alg)
        if alg_id == "custom":
            return
        rec = algorithm_record(kb, alg_id)
        takes = rec["training_content_types"]
        if not set(FORMAT_CONTENT_TYPES[fmt]) & set(takes):
            raise UsageError(f"--algorithm {alg} and --format {fmt} contradict: {rec['name']} trains on "
                             f"{', '.join(takes)} ({rec['sources'][0]})")


KV_FACTS = ("layers", "hidden_size", "seq_len")
VERSION_RE = r"^\d+\.\d+-\d+$"


def _instance(given: dict[str, Any], kb: Any) -> None:
    kv = [k for k in (*KV_FACTS, "concurrent") if given.get(k) is not None]
    if kv and given.get("params_b") is None:
        raise UsageError(f"--{kv[0].replace('_', '-')} sizes a KV cache on top of the weights: add --params-b")
    if kv and not all(given.get(k) is not None for k in KV_FACTS):
        raise UsageError("the KV cache needs --layers, --hidden-size and --seq-len together (--concurrent is optional)")
    if given.get("precision") == "fp8" and given.get("gpu") is False:
        raise UsageError("--precision fp8 and --no-gpu contradict: fp8 weights need a GPU with FP8 tensor cores")
    version = given.get("algorithm_version")
    if version is not None:
        import re

        from sagecli.recommend.advice import canonical_algorithm

        alg = canonical_algorithm(kb, given["algorithm"])[0] if given.get("algorithm") else "custom"
        if alg != "xgboost":
            raise UsageError("--algorithm-version applies to --algorithm xgboost (the only built-in algorithm whose "
                             "documented instance support changes by version)")
        known = [v.strip() for v in str(kb.limit("xgboost", "versions")).split(",")]
        if not re.match(VERSION_RE, version) or version not in known:
            raise UsageError(f"--algorithm-version must be a documented XGBoost version ({', '.join(known)}), "
                             f"got {version!r}")


def check_conflicts(recommender: str, given: dict[str, Any], kb: Any) -> None:
    """Raise UsageError when two given facts cannot both be true."""
    if recommender == "deployment":
        _deployment(given, kb)
    elif recommender == "input-mode":
        _input_mode(given, kb)
    elif recommender == "instance":
        _instance(given, kb)
