"""Every create call the SageMaker backend makes, built as (service, operation, request) values.

The same builders make the plan printed before the run and the requests sent during it, so what
the user approves is what runs. Each call names the resource it creates, for the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TAG_KEY = "sagecli:run-id"
TOOL_TAG = ("sagecli:tool", "sagecli run-demo")
CAPTURE_MODES = ("Input", "Output")
MONITOR_CRON = "cron(0 * ? * * *)"  # hourly, the usual Model Monitor schedule


@dataclass(frozen=True)
class ApiCall:
    """One request: which client and operation, its parameters, and the resource it creates."""

    service: str  # boto3 client name: s3 | sagemaker
    operation: str  # API operation name, e.g. CreateTrainingJob
    params: dict[str, Any]
    kind: str | None = None  # resource kind for the ledger (None: creates nothing)
    name: str = ""
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # not sent (e.g. the local file to upload)

    @property
    def method(self) -> str:
        """The boto3 method name (CreateTrainingJob -> create_training_job)."""
        from botocore import xform_name

        return xform_name(self.operation)


def tag_list(run_id: str) -> list[dict[str, str]]:
    """SageMaker Tags for every resource of a run."""
    return [{"Key": TAG_KEY, "Value": run_id}, {"Key": TOOL_TAG[0], "Value": TOOL_TAG[1]}]


def s3_tagging(run_id: str) -> str:
    """S3 PutObject Tagging: the same tags as a URL-encoded query string."""
    return urlencode({TAG_KEY: run_id, TOOL_TAG[0]: TOOL_TAG[1]})


def split_s3(uri: str) -> tuple[str, str]:
    """('bucket', 'key/prefix') from s3://bucket/key/prefix."""
    rest = uri.removeprefix("s3://")
    bucket, _, key = rest.partition("/")
    return bucket, key


def create_bucket(bucket: str, region: str, run_id: str) -> ApiCall:
    """CreateBucket (us-east-1 takes no LocationConstraint)."""
    params: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return ApiCall("s3", "CreateBucket", params, "S3Bucket", bucket, f"create bucket {bucket} (it does not exist)")


def tag_bucket(bucket: str, run_id: str) -> ApiCall:
    """PutBucketTagging on a bucket this run created, so cleanup can find it."""
    params = {"Bucket": bucket, "Tagging": {"TagSet": tag_list(run_id)}}
    return ApiCall("s3", "PutBucketTagging", params, None, bucket, f"tag bucket {bucket}")


def put_object(uri: str, run_id: str, local: str = "", content_type: str = "text/csv") -> ApiCall:
    """PutObject with the run's tags; the body is read from `local` when the call is made."""
    bucket, key = split_s3(uri)
    params = {"Bucket": bucket, "Key": key, "Tagging": s3_tagging(run_id), "ContentType": content_type}
    return ApiCall("s3", "PutObject", params, None, uri, f"upload {local or 'data'} -> {uri}",
                   extra={"local": local})


def create_training_job(
    *, name: str, image: str, role_arn: str, channels: Mapping[str, str], hyperparameters: Mapping[str, str],
    input_mode: str, instance_type: str, instance_count: int, output_path: str, max_runtime_s: int,
    run_id: str, content_type: str = "text/csv", spot: bool = False, max_wait_s: int | None = None,
    checkpoint_uri: str | None = None, volume_gb: int = 10,
) -> ApiCall:
    """CreateTrainingJob for the built-in XGBoost image; the train channel is sharded across instances."""
    inputs = []
    for channel, uri in channels.items():
        sharded = channel == "train" and instance_count > 1
        inputs.append({
            "ChannelName": channel,
            "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": uri,
                "S3DataDistributionType": "ShardedByS3Key" if sharded else "FullyReplicated",
            }},
            "ContentType": content_type,
            "CompressionType": "None",
        })
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": max_runtime_s}
    params: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": input_mode},
        "RoleArn": role_arn,
        "InputDataConfig": inputs,
        "OutputDataConfig": {"S3OutputPath": output_path},
        "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": instance_count,
                           "VolumeSizeInGB": volume_gb},
        "HyperParameters": dict(hyperparameters),
        "StoppingCondition": stopping,
        "Tags": tag_list(run_id),
    }
    if spot:
        # MaxWait must exceed MaxRuntime; XGBoost checkpoints, so an interrupted job can resume.
        stopping["MaxWaitTimeInSeconds"] = max_wait_s or max_runtime_s + 3600
        params["EnableManagedSpotTraining"] = True
        if checkpoint_uri:
            params["CheckpointConfig"] = {"S3Uri": checkpoint_uri}
    how = "spot" if spot else "on-demand"
    summary = f"train {name}: {instance_count} x {instance_type} ({how}), at most {max_runtime_s} s"
    return ApiCall("sagemaker", "CreateTrainingJob", params, "TrainingJob", name, summary)


def create_model_package_group(name: str, run_id: str, description: str = "") -> ApiCall:
    """CreateModelPackageGroup."""
    params = {"ModelPackageGroupName": name, "Tags": tag_list(run_id),
              "ModelPackageGroupDescription": description or f"sagecli run-demo {run_id}"}
    return ApiCall("sagemaker", "CreateModelPackageGroup", params, "ModelPackageGroup", name,
                   f"model package group {name}")


def create_model_package(
    *, group: str, image: str, model_data_url: str, metrics_uri: str, metrics: Mapping[str, float],
    approval_status: str, run_id: str, description: str = "", instance_type: str = "ml.m5.xlarge",
    content_types: Sequence[str] = ("text/csv",), response_types: Sequence[str] = ("text/csv",),
) -> ApiCall:
    """CreateModelPackage: a version with its evaluation metrics (a JSON file in S3) and approval status."""
    params = {
        "ModelPackageGroupName": group,
        "ModelPackageDescription": description or f"sagecli run-demo {run_id}",
        "InferenceSpecification": {
            "Containers": [{"Image": image, "ModelDataUrl": model_data_url}],
            "SupportedContentTypes": list(content_types),
            "SupportedResponseMIMETypes": list(response_types),
            "SupportedRealtimeInferenceInstanceTypes": [instance_type],
            "SupportedTransformInstanceTypes": [instance_type],
        },
        "ModelApprovalStatus": approval_status,
        "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": metrics_uri}}},
        "CustomerMetadataProperties": {k: f"{v:.6g}" for k, v in sorted(metrics.items())},
        "Tags": tag_list(run_id),
    }
    return ApiCall("sagemaker", "CreateModelPackage", params, "ModelPackage", group,
                   f"register a version in {group} as {approval_status}")


def create_model(name: str, image: str, model_data_url: str, role_arn: str, run_id: str) -> ApiCall:
    """CreateModel from the trained artifact and the same image."""
    params = {"ModelName": name, "ExecutionRoleArn": role_arn, "Tags": tag_list(run_id),
              "PrimaryContainer": {"Image": image, "ModelDataUrl": model_data_url}}
    return ApiCall("sagemaker", "CreateModel", params, "Model", name, f"model {name}")


def create_endpoint_config(
    *, name: str, model_name: str, variant: str, instance_type: str, instance_count: int, run_id: str,
    capture_uri: str, sampling_percentage: int = 100, capture_enabled: bool = True,
    capture_modes: Sequence[str] = CAPTURE_MODES, csv_types: Sequence[str] = ("text/csv",),
    json_types: Sequence[str] = ("application/json",),
) -> ApiCall:
    """CreateEndpointConfig with one variant and DataCaptureConfig."""
    params = {
        "EndpointConfigName": name,
        "ProductionVariants": [{"VariantName": variant, "ModelName": model_name, "InstanceType": instance_type,
                                "InitialInstanceCount": instance_count, "InitialVariantWeight": 1.0}],
        "DataCaptureConfig": {
            "EnableCapture": capture_enabled,
            "InitialSamplingPercentage": sampling_percentage,
            "DestinationS3Uri": capture_uri,
            "CaptureOptions": [{"CaptureMode": m} for m in capture_modes],
            "CaptureContentTypeHeader": {"CsvContentTypes": list(csv_types), "JsonContentTypes": list(json_types)},
        },
        "Tags": tag_list(run_id),
    }
    summary = f"endpoint config {name}: {instance_count} x {instance_type}, capture {sampling_percentage}%"
    return ApiCall("sagemaker", "CreateEndpointConfig", params, "EndpointConfig", name, summary)


def create_endpoint(name: str, config_name: str, run_id: str) -> ApiCall:
    """CreateEndpoint (bills per instance-hour while InService)."""
    params = {"EndpointName": name, "EndpointConfigName": config_name, "Tags": tag_list(run_id)}
    return ApiCall("sagemaker", "CreateEndpoint", params, "Endpoint", name, f"endpoint {name}")


def create_transform_job(
    *, name: str, model_name: str, input_uri: str, output_uri: str, instance_type: str, instance_count: int,
    run_id: str, content_type: str = "text/csv", accept: str = "text/csv", split_type: str = "Line",
    batch_strategy: str = "MultiRecord", max_payload_mb: int = 6, max_concurrent: int = 1,
    assemble_with: str = "Line", join_source: str = "None",
) -> ApiCall:
    """CreateTransformJob over an S3 prefix: one <input>.out per input file."""
    params = {
        "TransformJobName": name, "ModelName": model_name,
        "MaxConcurrentTransforms": max_concurrent, "MaxPayloadInMB": max_payload_mb, "BatchStrategy": batch_strategy,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
                           "ContentType": content_type, "SplitType": split_type, "CompressionType": "None"},
        "TransformOutput": {"S3OutputPath": output_uri, "Accept": accept, "AssembleWith": assemble_with},
        "TransformResources": {"InstanceType": instance_type, "InstanceCount": instance_count},
        "DataProcessing": {"JoinSource": join_source},
        "Tags": tag_list(run_id),
    }
    return ApiCall("sagemaker", "CreateTransformJob", params, "TransformJob", name,
                   f"batch transform {name}: {instance_count} x {instance_type}")


def create_monitoring_schedule(
    *, name: str, endpoint_name: str, image: str, role_arn: str, output_uri: str, instance_type: str,
    run_id: str, statistics_uri: str | None = None, constraints_uri: str | None = None, max_runtime_s: int = 3600,
) -> ApiCall:
    """CreateMonitoringSchedule: an hourly data-quality job with the prebuilt analyzer (existing customers)."""
    params: dict[str, Any] = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": MONITOR_CRON},
            "MonitoringType": "DataQuality",
            "MonitoringJobDefinition": {
                "MonitoringInputs": [{"EndpointInput": {"EndpointName": endpoint_name,
                                                        "LocalPath": "/opt/ml/processing/input/endpoint"}}],
                "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
                    "S3Uri": output_uri, "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]},
                "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": instance_type,
                                                          "VolumeSizeInGB": 20}},
                "MonitoringAppSpecification": {"ImageUri": image},
                "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime_s},
                "RoleArn": role_arn,
            },
        },
        "Tags": tag_list(run_id),
    }
    if statistics_uri and constraints_uri:
        params["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["BaselineConfig"] = {
            "ConstraintsResource": {"S3Uri": constraints_uri}, "StatisticsResource": {"S3Uri": statistics_uri}}
    return ApiCall("sagemaker", "CreateMonitoringSchedule", params, "MonitoringSchedule", name,
                   f"hourly Model Monitor schedule {name} on {endpoint_name}")
