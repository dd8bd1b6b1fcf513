"""AWS's image repository names and common spellings name built-in algorithms wherever an algorithm is asked for.

Repository names from https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/ecr-us-east-1.html
(kmeans, randomcutforest, forecasting-deepar, ipinsights, sagemaker-xgboost, sagemaker-scikit-learn, ...).
"""

from __future__ import annotations

import pytest

from sagecli.errors import UsageError
from sagecli.knowledge.store import load_kb
from sagecli.recommend import decide
from sagecli.recommend.advice import algorithm_record, canonical_algorithm

KB = load_kb()

# spelling -> the algorithm id it must reach (written from the ECR paths page and the algorithms' pages)
ALIASES = {
    "kmeans": "k-means", "randomcutforest": "random-cut-forest", "forecasting-deepar": "deepar",
    "ipinsights": "ip-insights", "sagemaker-xgboost": "xgboost", "factorization-machines": "factorization-machines",
    "linear-learner": "linear-learner", "object2vec": "object2vec", "blazingtext": "blazingtext",
    "image-classification": "image-classification", "semantic-segmentation": "semantic-segmentation",
    "object-detection": "object-detection", "seq2seq": "seq2seq", "ntm": "ntm", "lda": "lda", "knn": "knn",
    "pca": "pca", "xgboost": "xgboost", "K-Means": "k-means", "random_cut_forest": "random-cut-forest",
    "Forecasting-DeepAR": "deepar", "k-nearest-neighbors": "knn", "autogluon": "autogluon-tabular",
}


@pytest.mark.parametrize("spelling,algorithm", sorted(ALIASES.items()))
def test_alias_reaches_the_algorithm(spelling, algorithm):
    assert algorithm_record(KB, spelling)["id"] == algorithm
    assert canonical_algorithm(KB, spelling) == (algorithm, None)


@pytest.mark.parametrize("spelling", ["scikit-learn", "sagemaker-scikit-learn", "sklearn"])
def test_scikit_learn_is_a_framework_not_an_algorithm(spelling):
    assert canonical_algorithm(KB, spelling) == ("custom", "sklearn")


def test_aliases_are_unique_and_never_shadow_a_record():
    seen: dict[str, str] = {}
    for rec in KB.of_kind("algorithm"):
        for alias in rec.get("aliases") or ():
            assert alias == alias.lower(), f"{rec['id']}: alias {alias!r} must be lower case"
            assert alias not in seen, f"{alias!r} names both {seen[alias]} and {rec['id']}"
            assert alias not in KB.records, f"{rec['id']}: alias {alias!r} is another record's id"
            seen[alias] = rec["id"]


def test_every_aws_repository_name_is_accepted():
    """Each algorithm repository on the ECR paths page resolves (the page's names, typed from it)."""
    repositories = ["blazingtext", "factorization-machines", "forecasting-deepar", "image-classification",
                    "ipinsights", "kmeans", "knn", "lda", "linear-learner", "ntm", "object-detection", "object2vec",
                    "pca", "randomcutforest", "sagemaker-xgboost", "semantic-segmentation", "seq2seq"]
    for repo in repositories:
        algorithm_record(KB, repo)


def test_alias_works_in_every_recommender_and_is_reported_by_id():
    answer = decide("input-mode", {"algorithm": "forecasting-deepar"}, KB)
    assert answer["inputs"]["algorithm"] == "deepar"
    pipe = next(r for r in answer["decisions"][0]["ranked"] if r["option"] == "pipe")
    assert not pipe["eligible"]  # DeepAR is File mode only
    instance = decide("instance", {"algorithm": "kmeans"}, KB)
    assert instance["inputs"]["algorithm"] == "k-means"
    sk = decide("instance", {"algorithm": "scikit-learn"}, KB)
    assert sk["inputs"]["algorithm"] == "custom" and sk["inputs"]["framework"] == "sklearn"


def test_unknown_name_is_one_usage_error():
    with pytest.raises(UsageError, match="--algorithm must be custom"):
        decide("input-mode", {"algorithm": "kmeanz"}, KB)


def test_kb_show_accepts_an_alias():
    from typer.testing import CliRunner

    from sagecli.cli import app

    result = CliRunner().invoke(app, ["kb", "show", "randomcutforest"])
    assert result.exit_code == 0, result.output
    assert "random-cut-forest" in result.output
