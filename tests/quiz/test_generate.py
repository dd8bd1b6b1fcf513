"""Generated questions: ids from the fact's key, distractors from siblings and never the right value."""

from __future__ import annotations

from sagecli.quiz.generate import algorithm_questions, generated_questions, instance_questions, limit_questions

DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg/x.html"


def _rec(rid: str, kind: str, name: str, **kw) -> dict:
    return {"id": rid, "kind": kind, "name": name, "summary": "s", "sources": [DOC], **kw}


RECORDS = {
    "serverless": _rec("serverless", "inference_option", "Serverless", limits={
        "max_payload_mb": {"value": 4, "unit": "MB", "source": DOC}}),
    "realtime": _rec("realtime", "inference_option", "Real-time", limits={
        "max_payload_mb": {"value": 25, "unit": "MB", "history": [{"value": 6, "unit": "MB", "until": "2025"}]},
        "linear_step_percent": {"value": 10, "unit": "%", "min": 10, "max": 50}}),
    "ml.x9": _rec("ml.x9", "instance_family", "X9", sizes=[
        {"type": f"ml.x9.{s}", "vcpu": v, "memory_gib": m, "gpus": 0}
        for s, v, m in [("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32), ("4xlarge", 16, 64)]]),
}


def test_limit_question_from_siblings_and_history() -> None:
    qs = {q["id"]: q for q in limit_questions(RECORDS)}
    q = qs["q-gen-limit-realtime-max-payload-mb"]
    texts = {o["text"]: o for o in q["options"]}
    assert [o["text"] for o in q["options"] if o["correct"]] == ["25 MB"]
    assert "Serverless" in texts["4 MB"]["why"] and "older" in texts["6 MB"]["why"]
    assert len(texts) == len(q["options"]) == 4
    assert "q-gen-limit-realtime-linear-step-percent" not in qs  # ranges are not asked as one value
    assert q["domain"] == 3 and q["task"] == "3.1" and q["sources"][0].startswith("https://docs.aws")


def test_instance_memory_question() -> None:
    q = {q["id"]: q for q in instance_questions(RECORDS)}["q-gen-memory-ml-x9-xlarge"]
    right = [o["text"] for o in q["options"] if o["correct"]]
    assert right == ["16 GiB"] and {"8 GiB", "32 GiB"} <= {o["text"] for o in q["options"]}


def test_algorithm_distractors_solve_other_problems() -> None:
    algos = {a: _rec(a, "algorithm", a.upper(), problem_types=[p]) for a, p in
             [("a1", "forecasting"), ("a2", "clustering"), ("a3", "embeddings"), ("a4", "anomaly detection"),
              ("a5", "forecasting")]}
    q = {q["id"]: q for q in algorithm_questions(algos)}["q-gen-algo-a1-forecasting"]
    wrong = {o["text"] for o in q["options"] if not o["correct"]}
    assert "A5" not in wrong and len(wrong) == 3


def test_ids_are_stable_and_unique() -> None:
    a, b = generated_questions(RECORDS), generated_questions(dict(reversed(list(RECORDS.items()))))
    assert set(a) == set(b) and all(qid.startswith("q-gen-") for qid in a)
    assert all(q["options"] == b[qid]["options"] for qid, q in a.items())


def test_values_read_naturally() -> None:
    from sagecli.quiz.generate import _fmt

    assert _fmt(1, "instances") == "1 instance" and _fmt(1, "IP addresses") == "1 IP address"
    assert _fmt(1, "jobs per tuning job") == "1 job per tuning job" and _fmt(2, "jobs") == "2 jobs"
    assert _fmt(8080, None) == "8080" and _fmt(1024, "characters") == "1,024 characters"
    assert _fmt(0.1, None) == "0.1" and _fmt(1, "GiB") == "1 GiB"
