"""Generated limit questions read as English and never ask a rule of thumb as 'the documented value'."""

from __future__ import annotations

from sagecli.quiz.generate import _label, limit_questions

DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg/x.html"


def _rec(rid: str, name: str, limits: dict) -> dict:
    return {"id": rid, "kind": "contract", "name": name, "summary": "s", "sources": [DOC], "limits": limits}


def test_labels_do_not_stack_time_words_or_keep_abbreviations() -> None:
    assert _label("ping_timeout_seconds") == "ping timeout"
    assert _label("default_cooldown_seconds") == "default cooldown"
    assert _label("failure_reason_chars") == "failure reason length"
    assert _label("stop_grace_seconds") == "stop grace"
    assert _label("invocation_seconds") == "invocation time"
    assert _label("min_cpu_cores") == "minimum CPU cores"


def test_rules_of_thumb_are_not_asked_as_documented_values() -> None:
    lim = {"value": 0.125, "unit": None, "note": "rule of thumb - relative cost units"}
    recs = {f"r{i}": _rec(f"r{i}", f"R{i}", {"cost_weight": {**lim, "value": 0.125 * (i + 1)}}) for i in range(4)}
    recs["d"] = _rec("d", "D", {"cost_weight": {"value": 7, "unit": None}})
    ids = {q["id"] for q in limit_questions(recs)}
    assert ids == {"q-gen-limit-d-cost-weight"}


def test_stem_and_why_avoid_subject_verb_agreement_traps() -> None:
    recs = {f"r{i}": _rec(f"r{i}", f"Strategy {i}", {"steps": {"value": i + 2, "unit": None}}) for i in range(4)}
    q = next(q for q in limit_questions(recs) if q["id"] == "q-gen-limit-r0-steps")
    assert q["stem"] == "Strategy 0: which value does AWS document for steps?"
    assert " is " not in q["stem"] and " steps is " not in q["options"][0]["why"]


def test_algorithm_stem_says_the_choice_is_among_the_options() -> None:
    from sagecli.quiz.generate import algorithm_questions

    algos = {a: {"id": a, "kind": "algorithm", "name": a.upper(), "summary": "s", "sources": [DOC],
                 "problem_types": [p]} for a, p in [("a1", "binary_classification"), ("a2", "clustering"),
                                                    ("a3", "embeddings"), ("a4", "anomaly_detection")]}
    q = {q["id"]: q for q in algorithm_questions(algos)}["q-gen-algo-a1-binary-classification"]
    # several algorithms do binary classification: the stem must not claim a single one in all SageMaker
    assert q["stem"] == "Which of these SageMaker built-in algorithms is meant for binary classification?"


def test_values_sourced_outside_aws_docs_are_not_asked_as_what_aws_documents() -> None:
    other = "https://docs.djl.ai/docs/serving/x.html"
    recs = {f"r{i}": _rec(f"r{i}", f"R{i}", {"bytes": {"value": 2 ** i, "unit": "bytes", "source": other}})
            for i in range(4)}
    recs["a"] = _rec("a", "A", {"bytes": {"value": 3, "unit": "bytes", "source": DOC}})
    qs = limit_questions(recs)
    assert [q["id"] for q in qs] == ["q-gen-limit-a-bytes"]
    assert all(q["sources"][0].startswith("https://docs.aws.amazon.com/") for q in qs)
