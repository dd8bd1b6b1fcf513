"""The create calls behind `--inference serverless|async|multi-model` on SageMaker, their plan, cost and deletes.

The same builders make the plan printed before the run and the requests sent during it (as api_calls.py
does for the default flow). Sources:
- ServerlessConfig: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
- AsyncInferenceConfig: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AsyncInferenceConfig.html
- scale to zero, and out from zero (step policy + HasBacklogWithoutCapacity alarm):
  https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html#async-inference-autoscale-scale-up
- Mode MultiModel: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
"""

from __future__ import annotations

from typing import Any

from sagecli.aws.api_calls import TAG_KEY, TOOL_TAG, ApiCall, put_object, tag_list

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
BACKLOG_TARGET = 5.0  # ApproximateBacklogSizePerInstance the policy aims for (the AWS guide's example value)
ASYNC_MAX_INSTANCES = 2
# Scale out from 0 (the AWS guide's values): +1 instance when HasBacklogWithoutCapacity averages >= 1 for 2 of 2
# one-minute periods; 300 s cooldown. Source: async-inference-autoscale.html#async-inference-autoscale-scale-up
SCALE_OUT_STEP = 1
SCALE_OUT_COOLDOWN_S = 300
BACKLOG_ALARM = {"Period": 60, "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Threshold": 1.0}
POLICY_ID_PLACEHOLDER = "<policy-id>"  # the plan's stand-in: AWS picks the id when PutScalingPolicy runs
# Extra model versions a multi-model endpoint hosts beside the trained one (other hyperparameters).
MME_VARIANTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("depth-2", {"max_depth": "2"}), ("depth-6", {"max_depth": "6"}))
# The sagemaker-xgboost images that predate multi-model support (it came with 0.90-2 and 1.0-1, in 2020:
# github.com/aws/sagemaker-xgboost-container/pull/101 and /112; the AWS list of MME containers names XGBoost:
# https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html).
MME_REFUSED_XGBOOST_TAGS = ("0.90-1",)
ASYNC_SCALE_NOTE = ("async: the endpoint starts with 1 instance; Application Auto Scaling (MinCapacity 0, a target "
                    "on ApproximateBacklogSizePerInstance) scales it in to 0 after the queue stays empty (minutes, "
                    "CloudWatch-driven); a step policy (+1 instance) on a CloudWatch alarm on "
                    "HasBacklogWithoutCapacity scales it out from 0 when a request waits (about 2 minutes of alarm, "
                    "then the instance's start); the alarm's AlarmActions hold the policy's ARN, known once "
                    "PutScalingPolicy answers (https://docs.aws.amazon.com/sagemaker/latest/dg/"
                    "async-inference-autoscale.html)")


ASYNC_ROLE_NOTE = ("async: the role must be able to read and write the run's S3 prefix and publish to the two "
                   "SNS topics (https://docs.aws.amazon.com/sagemaker/latest/dg/"
                   "async-inference-create-endpoint-prerequisites.html)")


def plan_notes(inference: str) -> list[str]:
    """Caveats printed with the plan for an --inference option on SageMaker."""
    return [ASYNC_ROLE_NOTE, ASYNC_SCALE_NOTE] if inference == "async" else []


def topic_arn(region: str, account: str, name: str) -> str:
    """The ARN CreateTopic returns for a standard topic."""
    return f"arn:aws:sns:{region}:{account}:{name}"


def resource_id(endpoint: str, variant: str) -> str:
    """Application Auto Scaling's ResourceId for an endpoint variant."""
    return f"endpoint/{endpoint}/variant/{variant}"


def create_topic(name: str, run_id: str) -> ApiCall:
    """SNS CreateTopic for an async endpoint's notifications (the flow creates and deletes it)."""
    params = {"Name": name, "Tags": tag_list(run_id)}
    return ApiCall("sns", "CreateTopic", params, "SnsTopic", name, f"SNS topic {name} (async notifications)")


def create_multi_model(name: str, image: str, prefix: str, role_arn: str, run_id: str) -> ApiCall:
    """CreateModel with Mode MultiModel: ModelDataUrl is the prefix holding every model.tar.gz."""
    params = {"ModelName": name, "ExecutionRoleArn": role_arn, "Tags": tag_list(run_id),
              "PrimaryContainer": {"Image": image, "ModelDataUrl": prefix, "Mode": "MultiModel"}}
    return ApiCall("sagemaker", "CreateModel", params, "Model", name, f"multi-model {name}: models under {prefix}")


def serverless_endpoint_config(*, name: str, model_name: str, variant: str, memory_size_mb: int,
                               max_concurrency: int, run_id: str, provisioned: int | None = None) -> ApiCall:
    """CreateEndpointConfig with ServerlessConfig: no InstanceType, no DataCaptureConfig (none for serverless)."""
    serverless: dict[str, Any] = {"MemorySizeInMB": memory_size_mb, "MaxConcurrency": max_concurrency}
    if provisioned:
        serverless["ProvisionedConcurrency"] = provisioned
    params = {"EndpointConfigName": name, "Tags": tag_list(run_id),
              "ProductionVariants": [{"VariantName": variant, "ModelName": model_name, "ServerlessConfig": serverless}]}
    extra = f", ProvisionedConcurrency {provisioned}" if provisioned else ""
    return ApiCall("sagemaker", "CreateEndpointConfig", params, "EndpointConfig", name,
                   f"endpoint config {name}: serverless {memory_size_mb} MB, MaxConcurrency {max_concurrency}{extra}")


def async_endpoint_config(*, name: str, model_name: str, variant: str, instance_type: str, run_id: str,
                          output_uri: str, failure_uri: str, success_topic: str, error_topic: str,
                          max_concurrent: int = 1) -> ApiCall:
    """CreateEndpointConfig with AsyncInferenceConfig: S3 output and failure paths, SNS success/error topics."""
    params = {
        "EndpointConfigName": name, "Tags": tag_list(run_id),
        "ProductionVariants": [{"VariantName": variant, "ModelName": model_name, "InstanceType": instance_type,
                                "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}],
        "AsyncInferenceConfig": {
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": max_concurrent},
            "OutputConfig": {"S3OutputPath": output_uri, "S3FailurePath": failure_uri,
                             "NotificationConfig": {"SuccessTopic": success_topic, "ErrorTopic": error_topic}}},
    }
    return ApiCall("sagemaker", "CreateEndpointConfig", params, "EndpointConfig", name,
                   f"endpoint config {name}: async, 1 x {instance_type}, outputs to {output_uri}")


def instance_endpoint_config(*, name: str, model_name: str, variant: str, instance_type: str,
                             run_id: str) -> ApiCall:
    """CreateEndpointConfig with one instance variant and no DataCaptureConfig (multi-model: capture is N/A)."""
    params = {"EndpointConfigName": name, "Tags": tag_list(run_id),
              "ProductionVariants": [{"VariantName": variant, "ModelName": model_name, "InstanceType": instance_type,
                                      "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}]}
    return ApiCall("sagemaker", "CreateEndpointConfig", params, "EndpointConfig", name,
                   f"endpoint config {name}: 1 x {instance_type}, multi-model, no data capture")


def register_scalable_target(endpoint: str, variant: str, run_id: str,
                             max_capacity: int = ASYNC_MAX_INSTANCES) -> ApiCall:
    """RegisterScalableTarget with MinCapacity 0 (an async endpoint can scale in to zero), tagged for cleanup."""
    rid = resource_id(endpoint, variant)
    params = {"ServiceNamespace": "sagemaker", "ResourceId": rid, "ScalableDimension": SCALABLE_DIMENSION,
              "MinCapacity": 0, "MaxCapacity": max_capacity, "Tags": {TAG_KEY: run_id, TOOL_TAG[0]: TOOL_TAG[1]}}
    return ApiCall("application-autoscaling", "RegisterScalableTarget", params, "ScalableTarget", rid,
                   f"scaling target {rid}: 0-{max_capacity} instances")


def backlog_policy(endpoint: str, variant: str) -> ApiCall:
    """PutScalingPolicy: target tracking on ApproximateBacklogSizePerInstance (the AWS async scaling guide)."""
    rid = resource_id(endpoint, variant)
    name = f"{endpoint}-backlog"[:256]
    params = {
        "PolicyName": name, "ServiceNamespace": "sagemaker", "ResourceId": rid,
        "ScalableDimension": SCALABLE_DIMENSION, "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": BACKLOG_TARGET, "ScaleInCooldown": 600, "ScaleOutCooldown": 300,
            "CustomizedMetricSpecification": {
                "MetricName": "ApproximateBacklogSizePerInstance", "Namespace": "AWS/SageMaker",
                "Dimensions": [{"Name": "EndpointName", "Value": endpoint}], "Statistic": "Average"}},
    }
    return ApiCall("application-autoscaling", "PutScalingPolicy", params, "ScalingPolicy", f"{rid}|{name}",
                   f"scaling policy {name}: backlog per instance {BACKLOG_TARGET:g}")


def scale_out_policy_name(endpoint: str) -> str:
    """The step policy's name."""
    return f"{endpoint}-scale-out-from-zero"[:256]


def policy_arn(region: str, account: str, endpoint: str, variant: str, name: str,
               policy_id: str = POLICY_ID_PLACEHOLDER) -> str:
    """A scaling policy's ARN as PutScalingPolicy returns it (the plan shows the id as a placeholder)."""
    return (f"arn:aws:autoscaling:{region}:{account}:scalingPolicy:{policy_id}:"
            f"resource/sagemaker/{resource_id(endpoint, variant)}:policyName/{name}")


def scale_out_policy(endpoint: str, variant: str) -> ApiCall:
    """PutScalingPolicy: StepScaling, +1 instance (ChangeInCapacity) whenever its alarm fires (scale out from 0)."""
    rid = resource_id(endpoint, variant)
    name = scale_out_policy_name(endpoint)
    params = {
        "PolicyName": name, "ServiceNamespace": "sagemaker", "ResourceId": rid,
        "ScalableDimension": SCALABLE_DIMENSION, "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {
            "AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Average",
            "Cooldown": SCALE_OUT_COOLDOWN_S,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": SCALE_OUT_STEP}]},
    }
    return ApiCall("application-autoscaling", "PutScalingPolicy", params, "ScalingPolicy", f"{rid}|{name}",
                   f"scaling policy {name}: step +{SCALE_OUT_STEP} instance when its alarm fires")


def backlog_alarm_name(endpoint: str) -> str:
    """The HasBacklogWithoutCapacity alarm's name."""
    return f"{endpoint}-backlog-without-capacity"[:255]


def backlog_alarm(endpoint: str, step_policy_arn: str, run_id: str) -> ApiCall:
    """PutMetricAlarm on HasBacklogWithoutCapacity (AWS/SageMaker, EndpointName); its action is the step policy."""
    name = backlog_alarm_name(endpoint)
    params = {"AlarmName": name, "Namespace": "AWS/SageMaker", "MetricName": "HasBacklogWithoutCapacity",
              "Dimensions": [{"Name": "EndpointName", "Value": endpoint}], "Statistic": "Average",
              **BACKLOG_ALARM, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
              "TreatMissingData": "missing", "AlarmActions": [step_policy_arn], "Tags": tag_list(run_id)}
    return ApiCall("cloudwatch", "PutMetricAlarm", params, "CloudWatchAlarm", name,
                   f"alarm {name}: HasBacklogWithoutCapacity >= 1 for 2 min -> the step policy")


def scale_calls(endpoint: str, variant: str, run_id: str) -> list[ApiCall]:
    """The calls before the alarm: scaling target, backlog target tracking, step policy (in this order)."""
    return [register_scalable_target(endpoint, variant, run_id), backlog_policy(endpoint, variant),
            scale_out_policy(endpoint, variant)]


def plan_inference(spec: Any, lay: Any, variant: str) -> list[ApiCall]:
    """The deploy-step calls for a non-realtime --inference option (after the plan's CreateModel, if any)."""
    run_id, inference, out = spec.run_id, spec.inference, []
    config, endpoint = lay.name("config"), lay.endpoint
    model = lay.name("model")
    if inference == "multi-model":
        check_mme_image(spec.image)  # before anything exists
        out += mme_training_calls(spec, lay)
        model = lay.name("mme-model")
        prefix = lay.uri("mme") + "/"
        out += [put_object(prefix + name, run_id, name, "application/x-gzip") for name in mme_artifact_names()]
        out.append(create_multi_model(model, spec.image, prefix, spec.role_arn, run_id))
        out.append(instance_endpoint_config(name=config, model_name=model, variant=variant,
                                            instance_type=spec.instance_type, run_id=run_id))
    elif inference == "serverless":
        out.append(serverless_endpoint_config(name=config, model_name=model, variant=variant,
                                              memory_size_mb=spec.memory_size_mb, run_id=run_id,
                                              max_concurrency=spec.max_concurrency,
                                              provisioned=spec.provisioned_concurrency))
    else:
        topics = [lay.name("async-success"), lay.name("async-error")]
        out += [create_topic(t, run_id) for t in topics]
        arns = [topic_arn(spec.region, spec.account, t) for t in topics]
        out.append(async_endpoint_config(
            name=config, model_name=model, variant=variant, instance_type=spec.instance_type, run_id=run_id,
            output_uri=lay.uri("async-output") + "/", failure_uri=lay.uri("async-failure") + "/",
            success_topic=arns[0], error_topic=arns[1]))
    from sagecli.aws.api_calls import create_endpoint

    out.append(create_endpoint(endpoint, config, run_id))
    if inference == "async":
        out += scale_calls(endpoint, variant, run_id)
        arn = policy_arn(spec.region, spec.account, endpoint, variant, scale_out_policy_name(endpoint))
        out.append(backlog_alarm(endpoint, arn, run_id))
    return out


def mme_artifact_names() -> list[str]:
    """The model.tar.gz names under the multi-model prefix (the flow's own naming, TargetModel values)."""
    return ["model-main.tar.gz"] + [f"model-{name}.tar.gz" for name, _ in MME_VARIANTS]


def mme_training_calls(spec: Any, lay: Any) -> list[ApiCall]:
    """The extra training jobs a multi-model run makes (one model version per MME_VARIANTS entry)."""
    from sagecli.aws.api_calls import create_training_job

    out = []
    for name, extra in MME_VARIANTS:
        out.append(create_training_job(
            name=lay.name(name), image=spec.image, role_arn=spec.role_arn,
            channels={k: lay.uri("input", k) + "/" for k in ("train", "validation")},
            hyperparameters={**spec.hyperparameters, **extra}, input_mode=spec.input_mode,
            instance_type=spec.instance_type, instance_count=1, output_path=lay.uri("output") + "/",
            max_runtime_s=spec.max_runtime_s, run_id=spec.run_id, spot=spec.spot,
            checkpoint_uri=lay.uri("checkpoints") + "/"))
    return out


def check_mme_image(image: str) -> None:
    """Refuse an XGBoost image version without multi-model support (a usage error before anything exists)."""
    from sagecli.errors import SageCliError

    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    if tag in MME_REFUSED_XGBOOST_TAGS:
        raise SageCliError(f"the XGBoost image {tag} has no multi-model support",
                           hint="multi-model endpoints need sagemaker-xgboost 0.90-2, 1.0-1 or later "
                                "(https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html)")


# -- cost ---------------------------------------------------------------------------------------
SERVERLESS_BOUND = ("bills per millisecond of compute at the configured memory (GB-seconds) plus data processed; "
                    "nothing while idle")


def inference_cost_lines(plan: list[ApiCall]) -> list[dict[str, Any]]:
    """CostLine fields for serverless endpoint configs: no instance-hour; the KB's billing words, no invented rate."""
    lines = []
    for call in plan:
        if call.operation != "CreateEndpointConfig":
            continue
        cfg = call.params["ProductionVariants"][0].get("ServerlessConfig")
        if not cfg:
            continue
        gb = cfg["MemorySizeInMB"] / 1024
        note = (f"price unknown: the knowledge base holds no Serverless Inference rate; usage = {gb:g} GB x seconds "
                f"of compute, up to {cfg['MaxConcurrency']} requests at once; see https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html")
        if cfg.get("ProvisionedConcurrency"):
            note += f"; ProvisionedConcurrency {cfg['ProvisionedConcurrency']} is billed extra while it exists"
        lines.append({"resource": "Endpoint", "instance_type": f"serverless-{cfg['MemorySizeInMB']}MB",
                      "instances": 1, "usd_per_hour": None, "bound": SERVERLESS_BOUND,
                      "note": note})
    return lines


# -- teardown -------------------------------------------------------------------------------------
KINDS = ("ScalingPolicy", "ScalableTarget", "SnsTopic")
GONE_TEXT = ("no scalable target found", "no scaling policy found", "does not exist", "not found")


def delete_resource(aws: Any, kind: str, name: str, arn: str | None) -> str:
    """Delete a scaling policy, scaling target or SNS topic; an already-deleted one is not an error."""
    from sagecli.aws.session import error_code, error_line

    try:
        if kind == "SnsTopic":
            aws.client("sns").delete_topic(TopicArn=arn or topic_arn(aws.region, aws.account, name))
        elif kind == "ScalableTarget":
            aws.client("application-autoscaling").deregister_scalable_target(
                ServiceNamespace="sagemaker", ResourceId=name, ScalableDimension=SCALABLE_DIMENSION)
        else:
            rid, _, policy = name.partition("|")
            aws.client("application-autoscaling").delete_scaling_policy(
                PolicyName=policy, ServiceNamespace="sagemaker", ResourceId=rid, ScalableDimension=SCALABLE_DIMENSION)
    except Exception as exc:
        text = error_line(exc).lower()
        if error_code(exc) in ("ObjectNotFoundException", "NotFound") or any(t in text for t in GONE_TEXT):
            return "already gone"
        raise
    return "deleted"


def tagged_leftovers(aws: Any, run_id: str | None, warn: Any = lambda m: None) -> list[tuple[Any, ...]]:
    """(kind, name, arn, run id, created, status) of sagecli-tagged SNS topics and scaling targets, for cleanup.

    Deregistering a scaling target also deletes its scaling policies (AWS documents this for
    DeregisterScalableTarget), so policies are not listed on their own. The HasBacklogWithoutCapacity alarm is
    tagged too; cleanup finds it with the other sagecli-tagged alarms (rollout_calls.tagged_alarms).
    """
    from sagecli.aws.session import error_line

    out: list[tuple[Any, ...]] = []
    try:
        sns = aws.client("sns")
        arns = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page.get("Topics", [])]
        for arn in arns:
            tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])}
            if TAG_KEY in tags and (run_id is None or tags[TAG_KEY] == run_id):
                out.append(("SnsTopic", arn.rsplit(":", 1)[-1], arn, tags[TAG_KEY], None, ""))
    except Exception as exc:  # an account without SNS access: say so, keep going
        warn(f"cannot list SNS topics: {error_line(exc)}")
    try:
        aas = aws.client("application-autoscaling")
        pages = aas.get_paginator("describe_scalable_targets").paginate(ServiceNamespace="sagemaker")
        for target in (t for page in pages for t in page.get("ScalableTargets", [])):
            arn = target.get("ScalableTargetARN")
            tags = aas.list_tags_for_resource(ResourceARN=arn).get("Tags", {}) if arn else {}
            if TAG_KEY in tags and (run_id is None or tags[TAG_KEY] == run_id):
                out.append(("ScalableTarget", target["ResourceId"], arn, tags[TAG_KEY], target.get("CreationTime"),
                            f"{target.get('MinCapacity')}-{target.get('MaxCapacity')} instances"))
    except Exception as exc:
        warn(f"cannot list scaling targets: {error_line(exc)}")
    return out
