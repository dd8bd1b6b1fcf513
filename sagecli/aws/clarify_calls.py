"""A SageMaker Clarify processing job: the CreateProcessingJob request, the wait, the stop.

The job runs AWS's prebuilt Clarify image (content/images.yaml, image-clarify-processing) on two inputs named as
the container expects them, the analysis configuration (InputName analysis_config, read from
/opt/ml/processing/input/config) and the dataset (InputName dataset, /opt/ml/processing/input/data), and writes
analysis.json (and explanations_shap/out.csv with SHAP) from /opt/ml/processing/output to the output's S3 URI;
ContainerEntrypoint and ContainerArguments are not supported. For post-training bias and SHAP it creates a shadow
endpoint from the analysis configuration's `predictor` (a SageMaker model) for as long as it runs.
https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-configure-parameters.html
https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-run.html
Clarify is closed to new customers: https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-availability-change.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagecli.aws.api_calls import ApiCall, tag_list

CLARIFY_IMAGE = "image-clarify-processing"
CONFIG_PATH = "/opt/ml/processing/input/config"
DATA_PATH = "/opt/ml/processing/input/data"
OUTPUT_PATH = "/opt/ml/processing/output"
DONE = ("Completed", "Failed", "Stopped")


def _input(name: str, uri: str, local: str) -> dict[str, Any]:
    return {"InputName": name, "S3Input": {"S3Uri": uri, "LocalPath": local, "S3DataType": "S3Prefix",
                                           "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated",
                                           "S3CompressionType": "None"}}


def create_clarify_job(*, name: str, image: str, role_arn: str, config_uri: str, dataset_uri: str,
                       output_uri: str, instance_type: str, run_id: str, instance_count: int = 1,
                       max_runtime_s: int = 3600, shadow_instances: int = 1, volume_gb: int = 20) -> ApiCall:
    """CreateProcessingJob with the Clarify image, its two named inputs and its analysis_result output."""
    params = {
        "ProcessingJobName": name,
        "ProcessingInputs": [_input("analysis_config", config_uri, CONFIG_PATH),
                             _input("dataset", dataset_uri, DATA_PATH)],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "analysis_result", "S3Output": {
            "S3Uri": output_uri, "LocalPath": OUTPUT_PATH, "S3UploadMode": "EndOfJob"}}]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": instance_count, "InstanceType": instance_type,
                                                  "VolumeSizeInGB": volume_gb}},
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime_s},
        "AppSpecification": {"ImageUri": image},
        "RoleArn": role_arn,
        "Tags": tag_list(run_id),
    }
    summary = (f"Clarify bias job {name}: {instance_count} x {instance_type}, plus a shadow endpoint of "
               f"{shadow_instances} x {instance_type} while it runs")
    return ApiCall("sagemaker", "CreateProcessingJob", params, "ProcessingJob", name, summary,
                   extra={"shadow_endpoint_instances": shadow_instances})


def wait_processing(sm: Any, name: str, say: Callable[[str], None], poll_s: float,
                    timeout_s: float) -> dict[str, Any]:
    """DescribeProcessingJob until Completed, Failed or Stopped."""
    from sagecli.aws.executor import wait_for

    return wait_for(lambda: sm.describe_processing_job(ProcessingJobName=name), "ProcessingJobStatus", DONE, say,
                    poll_s, timeout_s, lambda d: d.get("ExitMessage", "")[:60])


def run_processing(exe: Any, sm: Any, call: ApiCall, say: Callable[[str], None], poll_s: float,
                   timeout_s: float) -> dict[str, Any]:
    """Create the job and wait; a failed wait or Ctrl-C sends StopProcessingJob at once (teardown waits for it)."""
    from sagecli.aws.teardown import wait_or_stop

    name = call.params["ProcessingJobName"]
    exe.call(call)
    return wait_or_stop(sm, "ProcessingJob", name, lambda: wait_processing(sm, name, say, poll_s, timeout_s), say)


def plan_calls(clarify: dict[str, Any] | None, *, role_arn: str, layout: Any, run_id: str, instance_type: str,
               model_image: str | None) -> list[ApiCall]:
    """The plan's Clarify job (none without the bias step): its config and dataset uploads, the processing job."""
    from sagecli.aws.api_calls import create_model, put_object

    if not clarify:
        return []
    out = [put_object(layout.uri("clarify", "analysis_config.json"), run_id, "analysis_config.json",
                      "application/json"),
           put_object(layout.uri("clarify", "dataset", "train-with-facet.csv"), run_id, "train-with-facet.csv")]
    if model_image:  # the bias step creates the model (deploy and transform reuse it); listed there otherwise
        out.append(create_model(layout.name("model"), model_image,
                                layout.uri("output", layout.name("train"), "output", "model.tar.gz"), role_arn,
                                run_id))
    out.append(create_clarify_job(
        name=layout.name("clarify"), image=clarify["image"], role_arn=role_arn,
        config_uri=layout.uri("clarify", "analysis_config.json"),
        dataset_uri=layout.uri("clarify", "dataset") + "/", output_uri=layout.uri("clarify", "output") + "/",
        instance_type=instance_type, run_id=run_id))
    return out
