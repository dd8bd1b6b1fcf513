"""What the SageMaker backend's safety net costs: offline validation of the whole plan, and a dry run.

Baselines measured in the same run:
  * creating one boto3 `sagemaker` client (every AWS call needs one), against building and validating
    all 15 requests of the plan with botocore's ParamValidator plus the enum and pattern checks;
  * the bare CLI start-up (`python -m sagecli --version`), against a whole
    `sagecli run-demo --backend sagemaker --dry-run` (checks, STS identity, plan, cost) on a local
    moto server (no AWS).

    python benchmarks/aws_safety.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_wall  # noqa: E402


def _median(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Print the timings and the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import boto3

    from sagecli.aws.images import lookup
    from sagecli.aws.plan import PlanSpec, build_plan, validate_plan

    spec = PlanSpec(run_id="20260101-000000-abcdef", region="us-east-1", account="123456789012",
                    role_arn="arn:aws:iam::123456789012:role/R", bucket="sagemaker-us-east-1-123456789012",
                    bucket_exists=False, image=lookup("image-sagemaker-xgboost", "us-east-1"),
                    hyperparameters={"num_round": "60"}, instance_count=2, spot=True,
                    channel_files={"train": ["train.csv"], "validation": ["validation.csv"], "test": ["test.csv"],
                                   "transform": ["test.csv"], "baseline": ["train-features.csv"]})
    client = _median(lambda: boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x",
                                          aws_secret_access_key="x"), args.runs)
    plan = build_plan(spec)
    validate = _median(lambda: validate_plan(build_plan(spec)), args.runs)
    print(f"plan: {len(plan)} requests built and validated offline: {validate * 1000:.2f} ms")
    print(f"baseline: one boto3 sagemaker client: {client * 1000:.2f} ms")
    print(f"ratio validate-all / one-client: {validate / client:.2f}x")

    from tests.aws.conftest import ACCESS_KEY, ROLE_ARN, SECRET_KEY
    from tests.aws.fake_sagemaker import FakeSageMaker

    fake = FakeSageMaker().start()
    env = {"AWS_ENDPOINT_URL": fake.url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1", "SAGECLI_HOME": tempfile.mkdtemp(prefix="sagecli-bench-")}
    runs = max(3, args.runs // 5)
    startup = median_wall([sys.executable, "-m", "sagecli", "--version"], runs, env)
    dry = median_wall([sys.executable, "-m", "sagecli", "run-demo", "--backend", "sagemaker", "--role-arn", ROLE_ARN,
                       "--dry-run", "--json"], runs, env)
    fake.stop()
    print(f"dry run (checks, identity, plan, cost) on a local moto server: {dry:.3f} s")
    print(f"baseline: bare CLI start-up: {startup:.3f} s")
    print(f"ratio dry-run / start-up: {dry / startup:.2f}x")


if __name__ == "__main__":
    main()
