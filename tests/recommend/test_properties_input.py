"""Property test: for every built-in algorithm, an input mode its page does not document never ranks above a
documented one that fits, whatever the other facts (https://docs.aws.amazon.com/sagemaker/latest/dg/
common-info-all-im-models.html lists each algorithm's input modes; FSx for Lustre and EFS channels run in
File mode: https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagecli.errors import UsageError
from sagecli.knowledge.store import load_kb
from sagecli.recommend import decide
from tests.recommend.test_properties import SETTINGS, facts_for

KB = load_kb()
ALGORITHMS = sorted(r["id"] for r in KB.of_kind("algorithm"))
# TrainingInputMode -> the recommender's options that run in that mode (written from the pages above).
OPTIONS_IN_MODE = {"File": {"file", "fsx_lustre", "efs"}, "FastFile": {"fastfile"}, "Pipe": {"pipe"}}
NEEDS = [n["id"].removeprefix("need.") for n in KB.of_kind("need") if "input_mode" in n["decisions"]]


def documented(algorithm: str) -> set[str]:
    modes = KB.get(algorithm)["input_modes"]
    return set().union(*(OPTIONS_IN_MODE[m] for m in modes))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@SETTINGS
@given(data=st.data())
def test_undocumented_mode_never_outranks_a_documented_one(algorithm, data):
    facts = data.draw(facts_for("input-mode", [algorithm]))
    facts["algorithm"] = algorithm
    if facts.get("algorithm_mode") not in (KB.get(algorithm).get("modes") or {}):
        facts.pop("algorithm_mode", None)  # a mode the algorithm lacks is a usage error, tested elsewhere
    facts["needs"] = data.draw(st.lists(st.sampled_from(NEEDS), max_size=3, unique=True))
    try:
        answer = decide("input-mode", facts, KB)
    except UsageError:
        return  # contradicting facts (sizes, format vs algorithm) are refused, not ranked
    ranked = [r["option"] for r in answer["decisions"][0]["ranked"] if r["eligible"]]
    docs = documented(algorithm)
    seen_undocumented = None
    for option in ranked:
        if option not in docs:
            seen_undocumented = seen_undocumented or option
        else:
            assert seen_undocumented is None, (
                f"{algorithm}: undocumented {seen_undocumented} ranks above documented {option}: {ranked} "
                f"for {facts}")


def test_every_builtin_documents_file_or_pipe_and_none_documents_fastfile():
    """The property above is not vacuous: FastFile is undocumented for every built-in algorithm."""
    for algorithm in ALGORITHMS:
        modes = KB.get(algorithm)["input_modes"]
        assert "File" in modes, algorithm
        assert "fastfile" not in documented(algorithm)
