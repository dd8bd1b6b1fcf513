"""run-demo --backend sagemaker --as-pipeline: the demo as one SageMaker Pipelines execution, safe with money.

Before anything exists: the same checks as the sagemaker backend (Region, role, instance type,
credentials), the definition built and validated offline, and a plan of every request sagecli sends
(uploads, CreatePipeline, StartPipelineExecution) and every job request the execution will send, each
validated against botocore and priced; then the confirmation (--dry-run stops after the plan). The
dataset is made here and uploaded under the pipeline's InputDataUrl; process.py and evaluate.py
(sagecli/flow/pipeline_scripts) are uploaded as the processing steps' code. Everything is tagged and
written to the run's ledger; after the execution (or a failure, or Ctrl-C) the execution is stopped if
still running, what its steps created is added to the ledger, and teardown deletes the models, model
package versions, the pipeline, the run's S3 prefix and what else the run created.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagecli.aws import api_calls as calls
from sagecli.aws import pipeline_calls as pc
from sagecli.contracts import FlowOptions, FlowResult, StepResult
from sagecli.errors import SageCliError

SCRIPTS = Path(__file__).resolve().parent / "pipeline_scripts"
EXECUTION_TIMEOUT_S = 6 * 3600.0  # each job stops itself at its MaxRuntimeInSeconds; this bounds the wait


def _checks(options: FlowOptions) -> tuple[str, str]:
    from sagecli.aws import checks, session

    b = options.backend_options
    region = checks.check_region(session.resolve_region(b.get("region")))
    role = checks.check_role_arn(b.get("role_arn"), region)
    uses = ("training",) + (("transform",) if "transform" in options.steps else ())
    checks.check_instance_type(options.instance_type, uses)
    checks.check_input_mode(options.input_mode)
    if options.entry_point is not None:
        raise SageCliError("--entry-point works with the local backend only",
                           hint="the pipeline's Train step runs the built-in XGBoost algorithm image")
    return region, role


def build_plan(options: FlowOptions, steps: list[str], *, run_id: str, run_dir: Path, region: str, role: str,
               account: str, bucket: str, bucket_exists: bool, group_exists: bool
               ) -> tuple[dict[str, Any], list[calls.ApiCall], list[tuple[calls.ApiCall, Path]]]:
    """(definition, plan, uploads): what sagecli sends and, priced but not sent, what the execution will send."""
    from sagecli.aws.images import XGBOOST_IMAGE, lookup
    from sagecli.aws.plan import Layout
    from sagecli.flow.data import make_dataset, write_channels
    from sagecli.flow.pipeline_export import build_definition, definition_problems, example_requests

    image = lookup(XGBOOST_IMAGE, region)
    lay = Layout(run_id, bucket)
    definition, refs = build_definition(options, steps, run_id=run_id, region=region, image=image, role_arn=role,
                                        bucket=bucket)
    problems = definition_problems(definition, refs)
    if problems:
        raise SageCliError(f"the pipeline definition is invalid: {problems[0]}", hint="nothing was created")
    import json

    from sagecli.paths import atomic_write_text

    local_definition = run_dir / "pipeline.json"
    atomic_write_text(local_definition, json.dumps(definition, indent=2) + "\n")
    dirs = write_channels(make_dataset(options.seed, options.rows), run_dir / "data")
    uploads = [(calls.put_object(lay.uri("raw", name, f.name), run_id, f"{name}/{f.name}"), f)
               for name, d in sorted(dirs.items()) for f in sorted(d.iterdir()) if f.is_file()]
    uploads += [(calls.put_object(lay.uri("code", script), run_id, script, "text/x-python"), SCRIPTS / script)
                for script in ("process.py", "evaluate.py")]
    if "bias" in steps:  # the ClarifyCheck reads its analysis configuration and dataset from S3, as the SDK's
        from sagecli.flow import pipeline_bias  # ClarifyCheckStep uploads them when the pipeline is defined

        config, rows = pipeline_bias.write_inputs(options, run_dir / "clarify")
        uploads += [(calls.put_object(pipeline_bias.config_uri(lay), run_id, config.name, "application/json"), config),
                    (calls.put_object(pipeline_bias.dataset_uri(lay) + rows.name, run_id, rows.name), rows)]
    definition_uri = lay.uri("pipeline.json")
    uploads.append((calls.put_object(definition_uri, run_id, "pipeline.json", "application/json"),
                    local_definition))
    plan: list[calls.ApiCall] = []
    if not bucket_exists:
        plan += [calls.create_bucket(bucket, region, run_id), calls.tag_bucket(bucket, run_id)]
    plan += [call for call, _ in uploads]
    if "register" in steps and not group_exists:
        plan.append(calls.create_model_package_group(options.model_package_group, run_id))
    name = lay.name("pipeline")
    plan += [pc.create_pipeline(name, definition_uri, len(definition["Steps"]), role, run_id),
             pc.start_execution(name, run_id)]
    plan += [pc.step_call(op, request, step) for step, op, request in example_requests(definition, refs)]
    return definition, plan, uploads


def run_on_sagemaker(options: FlowOptions, steps: list[str], *, run_id: str, run_dir: Path,
                     confirm: Callable[[str], bool], say: Callable[[str], None], json_out: bool) -> FlowResult:
    """Plan, confirm, create and start the pipeline, wait for the execution, tear down; the steps as a FlowResult."""
    import time

    from sagecli.aws import preflight, session
    from sagecli.aws.cost import estimate
    from sagecli.aws.executor import Executor
    from sagecli.aws.ledger import Ledger
    from sagecli.aws.plan import validate_plan
    from sagecli.aws.render import render_plan
    from sagecli.aws.teardown import teardown

    b = options.backend_options
    region, role = _checks(options)
    aws = session.connect(region)
    bucket = b.get("bucket") or f"sagemaker-{region}-{aws.account}"
    bucket_exists = preflight.bucket_exists(aws, bucket)
    if not bucket_exists:
        from sagecli.aws.checks import check_bucket_name

        check_bucket_name(bucket)
    group_exists = preflight.group_exists(aws, options.model_package_group)
    definition, plan, uploads = build_plan(options, steps, run_id=run_id, run_dir=run_dir, region=region, role=role,
                                           account=aws.account, bucket=bucket, bucket_exists=bucket_exists,
                                           group_exists=group_exists)
    invalid = validate_plan(plan)
    if invalid:
        i, found = next(iter(invalid.items()))
        raise SageCliError(f"{plan[i].operation} request does not validate: {found[0]}", hint="nothing was created")
    costs = estimate(plan, region)  # the execution's jobs too: training, tuning, processing, transform
    if "bias" in steps:
        from sagecli.flow.pipeline_bias import shadow_cost

        costs.append(shadow_cost(next(s for s in definition["Steps"] if s["Type"] == "ClarifyCheck"), options, region))
    notes = [f"Pipelines sends the requests marked 'sent by the pipeline' itself, with the role {role}; they "
             "are priced at the pipeline's parameter defaults.",
             f"The definition is also in {run_dir / 'pipeline.json'}.",
             "The Process step runs process.py (it passes the dataset made here through) and Evaluate runs "
             "evaluate.py (test AUC into evaluation.json): both are uploaded under code/."]
    if "monitor" in steps:
        notes.append("The DataQualityCheck step runs the Model Monitor analyzer image, which Model Monitor accounts "
                     "still have; new customers cannot use Model Monitor.")
    if "bias" in steps:
        notes.append("The BiasCheck step runs a SageMaker Clarify job (closed to new customers) reading "
                     "clarify/analysis_config.json and clarify/dataset/, uploaded here; Clarify also runs a shadow "
                     f"endpoint of 1 x {options.instance_type} while it works (priced as an Endpoint).")
    out = sys.stderr if json_out and not b.get("dry_run") else sys.stdout  # as the sagemaker backend does
    render_plan(plan, costs, aws, as_json=json_out, out=out, notes=notes)
    if b.get("dry_run"):
        from sagecli.flow.backends.sagemaker import PlanShown

        raise PlanShown()
    if not confirm(f"Create these resources in AWS account {aws.account}, region {region}?"):
        raise SageCliError("cancelled: nothing was created")
    ledger = Ledger.create(run_id, aws.account, region)
    exe = Executor(aws, ledger)
    sm = aws.client("sagemaker")
    started = time.perf_counter()
    flow = FlowResult(run_id=run_id, run_dir=run_dir, backend="sagemaker", steps=[])
    arn = None
    try:
        sent = [c for c in plan if c.kind is not None or c.service == "s3"]
        for call in sent:
            if call.operation == "PutObject":
                continue
            if call.operation == "CreatePipeline":
                ledger.mark(ledger.begin("S3Prefix", f"s3://{bucket}/sagecli/{run_id}/", "the run's objects"),
                            "created")
                for upload, path in uploads:
                    exe.upload(upload, path)
                say(f"uploaded {len(uploads)} file(s) under s3://{bucket}/sagecli/{run_id}/")
            response = exe.call(call)
            if call.operation == "StartPipelineExecution":
                arn = response["PipelineExecutionArn"]
                say(f"execution {arn}")
        assert arn is not None
        desc = pc.wait_for_execution(sm, arn, say, float(b.get("poll_s", 15)), EXECUTION_TIMEOUT_S)
        flow.ok = desc["PipelineExecutionStatus"] == "Succeeded"
        if not flow.ok:
            flow.error = f"execution {desc['PipelineExecutionStatus']}: {desc.get('FailureReason') or 'see its steps'}"
    finally:
        records = _settle(sm, ledger, arn, say, float(b.get("poll_s", 15)))
        report = teardown(aws, ledger, False, say)
        flow.steps = [_step_result(r) for r in records]
        td = StepResult("teardown", status="failed" if report.failed else "ok",
                        summary=f"removed {len(report.removed)} resource(s)"
                        + (f"; {len(report.failed)} could not be deleted" if report.failed else ""),
                        data={"removed": [f"{e.kind} {e.name}" for e in report.removed]})
        flow.steps.append(td)
        flow.duration_s = time.perf_counter() - started
    if report.failed:
        flow.ok = False
        flow.error = (flow.error or "") + f"; teardown: retry with `sagecli cleanup --run-id {run_id}`"
    return flow


def _settle(sm: Any, ledger: Any, arn: str | None, say: Callable[[str], None], poll_s: float
            ) -> list[dict[str, Any]]:
    """Stop the execution if it still runs and add what its steps made to the ledger; its step records.

    When StartPipelineExecution's answer was lost (Ctrl-C, a timeout) the execution may exist all the same:
    the pipeline's executions are listed, so what they made is found and deleted too."""
    arns = [arn] if arn else []
    pipeline = next((e for e in ledger.entries if e.kind == "Pipeline" and e.state in ("pending", "created")), None)
    if not arns and pipeline is not None:
        try:
            listed = sm.list_pipeline_executions(PipelineName=pipeline.name)["PipelineExecutionSummaries"]
            arns = [x["PipelineExecutionArn"] for x in listed]
        except Exception:  # no pipeline (CreatePipeline failed): no execution either
            arns = []
    records: list[dict[str, Any]] = []
    entry = next((e for e in ledger.entries if e.kind == "PipelineExecution"), None)
    for one in arns:
        if entry is not None:
            ledger.mark(entry, "created" if entry.state == "pending" else entry.state, arn=one)
        say("execution " + pc.stop_execution(sm, one, poll_s=poll_s))
        records = pc.execution_steps(sm, one)
        for kind, name, res_arn in pc.created_by(records):
            state = "created" if kind in pc.DELETABLE else "finished"
            ledger.mark(ledger.begin(kind, name, "created by the pipeline execution"), state, arn=res_arn)
    return records


def _step_result(record: dict[str, Any]) -> StepResult:
    """A ListPipelineExecutionSteps record as a StepResult: what it made, and whether it reused a cached run."""
    hit = record.get("CacheHitResult", {}).get("SourcePipelineExecutionArn")
    metadata = record.get("Metadata", {})
    made = [m["Arn"].rsplit("/", 1)[-1] for m in metadata.values() if isinstance(m, dict) and m.get("Arn")]
    status = pc.STEP_STATUS.get(record.get("StepStatus", ""), "failed")
    jobs = {"TrainingJob", "ProcessingJob", "TransformJob", "TuningJob"} & set(metadata)
    outcome = metadata.get("Condition", {}).get("Outcome")
    summary = record.get("FailureReason") or (f"cache hit: reused {hit.rsplit('/', 1)[-1]}" if hit else "") \
        or (f"Outcome {outcome}" if outcome else ", ".join(made)) or record.get("StepStatus", "")
    cache = {"status": "hit", "source_execution": hit, "reason": f"reused execution {hit}"} if hit else \
        {"status": "miss", "reason": "the step ran (no CacheHitResult)"} if jobs else {"status": "off"}
    return StepResult(record["StepName"], status=status, summary=summary,
                      data={"step_status": record.get("StepStatus"), "metadata": metadata, "cache": cache})
