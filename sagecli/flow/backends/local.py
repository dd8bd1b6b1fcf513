"""The local backend: SageMaker's contracts on this machine (job directories, an HTTP endpoint, files for S3).

URIs are file:// URIs. Child processes (training jobs, endpoint servers) run in their own sessions and
are tracked, so teardown (also on failure and Ctrl-C) stops every one of them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sagecli.contracts import (
    ChannelData,
    Endpoint,
    EndpointRequest,
    InvokeResult,
    ModelPackage,
    ModelPackageRequest,
    Resource,
    RunContext,
    TrainingRequest,
    TrainingResult,
    TransformRequest,
    TransformResult,
)
from sagecli.deps import require
from sagecli.errors import SageCliError
from sagecli.names import endpoint_name, training_job_name, transform_job_name


def uri_to_path(uri: str) -> Path:
    """file:///a/b -> /a/b (plain paths pass through)."""
    if uri.startswith("file://"):
        return Path(unquote(urlparse(uri).path))
    if "://" in uri:
        raise SageCliError(f"the local backend reads file:// URIs, not {uri!r}")
    return Path(uri)


def runtime_client(url: str) -> Any:
    """boto3's sagemaker-runtime client pointed at a local endpoint (dummy credentials, no retries)."""
    boto3 = require("boto3")
    from botocore.config import Config

    return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                                      read_timeout=65))


def invoke_url(url: str, name: str, body: bytes, content_type: str = "text/csv", accept: str = "text/csv",
               inference_id: str | None = None, client: Any = None, target_model: str | None = None) -> InvokeResult:
    """InvokeEndpoint on a local endpoint through boto3's sagemaker-runtime client (errors become SageCliError)."""
    client = client or runtime_client(url)
    kwargs: dict[str, Any] = {"EndpointName": name, "Body": body, "ContentType": content_type, "Accept": accept}
    if inference_id:
        kwargs["InferenceId"] = inference_id
    if target_model:
        kwargs["TargetModel"] = target_model
    t0 = time.perf_counter()
    try:
        resp = client.invoke_endpoint(**kwargs)
    except Exception as exc:  # botocore ClientError / connection errors
        raise SageCliError(f"InvokeEndpoint failed: {exc}") from None
    out = resp["Body"].read()
    return InvokeResult(body=out, content_type=resp.get("ContentType", ""),
                        invoked_variant=resp.get("InvokedProductionVariant"),
                        latency_ms=(time.perf_counter() - t0) * 1000)


class LocalBackend:
    """Backend protocol on this machine."""

    name = "local"

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._created: list[Resource] = []
        self._procs: list[subprocess.Popen] = []
        self._servers: dict[str, int] = {}  # endpoint name -> server pid
        self._clients: dict[str, Any] = {}
        self._fronts: dict[str, Any] = {}  # endpoint name -> serverless/async front (in this process)
        self._mme_events: dict[str, Path] = {}  # multi-model endpoint name -> its load/evict events file

    def prepare(self, ctx: RunContext) -> None:
        """Check the optional packages the chosen steps need, before anything starts."""
        self.ctx = ctx
        steps = set(ctx.options.steps)
        require("numpy")
        if steps & {"train", "evaluate", "register", "deploy", "invoke", "transform", "monitor"}:
            require("xgboost")
        if steps & {"deploy", "invoke", "monitor"}:
            require("granian")
            require("boto3")
        if ctx.options.entry_point is not None and not Path(ctx.options.entry_point).is_file():
            raise SageCliError(f"entry point {ctx.options.entry_point} does not exist")

    def upload_channels(self, channels: Sequence[ChannelData]) -> dict[str, str]:
        """Local data stays where it is: each channel's URI is its directory."""
        return {c.name: c.local_dir.resolve().as_uri() for c in channels}

    def train(self, request: TrainingRequest) -> TrainingResult:
        """A training job in <run>/jobs/<job-name>, run by its own process."""
        from sagecli.train.job import run_training_job

        job_dir = self.ctx.run_dir / "jobs" / training_job_name(request.job_name)
        if job_dir.exists():
            shutil.rmtree(job_dir)
        self._created.append(Resource("TrainingJob", request.job_name, detail=str(job_dir)))
        last = [0.0]

        def on_line(line: str) -> None:
            now = time.monotonic()
            if line.startswith("[") and now - last[0] > 0.1:
                last[0] = now
                self.ctx.emit("train", line.replace("#011", "  "))

        result = run_training_job(
            job_dir, request.job_name, {k: uri_to_path(v) for k, v in request.channels.items()},
            request.hyperparameters, input_mode=request.input_mode,
            entry_point=Path(request.entry_point) if request.entry_point else None,
            instance_type=request.instance_type, max_runtime_s=request.max_runtime_s,
            on_line=on_line, on_start=self._procs.append)
        result.arn = f"arn:aws:sagemaker:local:000000000000:training-job/{request.job_name}"
        return result

    def download(self, uri: str, dest: Path) -> list[Path]:
        """Copy a file, or every file under a directory, into dest."""
        src = uri_to_path(uri)
        dest.mkdir(parents=True, exist_ok=True)
        if src.is_file():
            target = dest / src.name
            if src.resolve() != target.resolve():
                shutil.copy2(src, target)
            return [target]
        if not src.is_dir():
            raise SageCliError(f"nothing at {uri}")
        out = []
        for f in sorted(p for p in src.rglob("*") if p.is_file()):
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
            out.append(target)
        return out

    def register_model(self, request: ModelPackageRequest) -> ModelPackage:
        """A new version in the local registry ($SAGECLI_HOME/registry)."""
        from sagecli.registry.store import register_version

        rec = register_version(request.group_name, request.model_artifact, dict(request.metrics),
                               request.approval_status, request.description, request.content_types,
                               request.response_types, dict(request.tags))
        self._created.append(Resource("ModelPackage", f"{request.group_name}/{rec['ModelPackageVersion']}",
                                      rec["ModelPackageArn"], detail="kept: registry versions are records"))
        return ModelPackage(group_name=request.group_name, version=rec["ModelPackageVersion"],
                            arn=rec["ModelPackageArn"], approval_status=rec["ModelApprovalStatus"],
                            metrics=dict(request.metrics), model_artifact=request.model_artifact,
                            created=rec["CreationTime"])

    def deploy(self, request: EndpointRequest) -> Endpoint:
        """Extract the model (data filter), start the server on 127.0.0.1:<ephemeral>, wait for /ping."""
        from sagecli.serve.model import extract_model
        from sagecli.serve.process import realtime_payload_limit_bytes, start_server
        from sagecli.serve.state import save_endpoint

        base = self.ctx.run_dir / "endpoints" / endpoint_name(request.endpoint_name)
        model_dir = extract_model(uri_to_path(request.model_artifact), base / "model")
        if request.serverless is not None or request.async_config is not None:
            return self._deploy_front(request, base, model_dir)
        if request.multi_model is not None:
            return self._deploy_multi_model(request, base)
        cap = request.data_capture
        capture_root = uri_to_path(cap.destination) if cap.destination else self.ctx.run_dir / "capture"
        config = {"model_dir": str(model_dir), "endpoint": request.endpoint_name, "variant": request.variant_name,
                  "max_payload_bytes": realtime_payload_limit_bytes(),
                  "capture": {"enabled": cap.enabled, "root": str(capture_root),
                              "sampling_percentage": cap.sampling_percentage,
                              "capture_input": "Input" in cap.capture_modes,
                              "capture_output": "Output" in cap.capture_modes,
                              "csv_types": list(cap.csv_content_types), "json_types": list(cap.json_content_types)}}
        handle = start_server(config, base, startup_timeout_s=self.ctx.options.startup_timeout_s,
                              on_start=self._procs.append)
        self._servers[request.endpoint_name] = handle.pid
        self._created.append(Resource("Endpoint", request.endpoint_name, detail=handle.url))
        save_endpoint({"name": request.endpoint_name, "url": handle.url, "port": handle.port, "pid": handle.pid,
                       "variant": request.variant_name, "capture_root": str(capture_root),
                       "model_dir": str(model_dir), "run_id": self.ctx.run_id,
                       "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        return Endpoint(name=request.endpoint_name, status="InService", variant_name=request.variant_name,
                        url=handle.url, capture_uri=capture_root.resolve().as_uri(), pid=handle.pid,
                        arn=f"arn:aws:sagemaker:local:000000000000:endpoint/{request.endpoint_name}")

    def _deploy_front(self, request: EndpointRequest, base: Path, model_dir: Path) -> Endpoint:
        """A serverless or async endpoint: a front in this process, a worker process only while needed."""
        config = {"model_dir": str(model_dir), "endpoint": request.endpoint_name, "variant": request.variant_name}

        def event(message: str) -> None:
            self.ctx.emit("invoke", message)

        front: Any
        if request.serverless is not None:
            from sagecli.serve.multimodel import dir_size
            from sagecli.serve.serverless import ServerlessEndpoint, kb_limits

            spec = request.serverless
            size = dir_size(model_dir)
            if size > spec.memory_size_mb * 1024 * 1024:  # MemorySizeInMB must hold the model
                raise SageCliError(f"the model ({size} bytes) is larger than MemorySizeInMB {spec.memory_size_mb}",
                                   hint="choose a larger --memory-size (up to 6144)")
            lim = kb_limits("serverless-inference")
            front = ServerlessEndpoint(config, base, spec.memory_size_mb, spec.max_concurrency, spec.idle_timeout_s,
                                       int(lim["max_payload_mb"] * 1024 * 1024), lim["max_processing_seconds"],
                                       startup_timeout_s=self.ctx.options.startup_timeout_s,
                                       on_start=self._procs.append, on_event=event)
            kind = "serverless"
        else:
            from sagecli.serve.async_queue import AsyncEndpoint

            assert request.async_config is not None
            front = AsyncEndpoint(config, base, request.async_config, s3_root=self.s3_root(),
                                  startup_timeout_s=self.ctx.options.startup_timeout_s,
                                  on_start=self._procs.append, on_event=event)
            kind = "async"
        self._fronts[request.endpoint_name] = front
        self._created.append(Resource("Endpoint", request.endpoint_name, detail=f"{front.url} ({kind})"))
        return Endpoint(name=request.endpoint_name, status="InService", variant_name=request.variant_name,
                        url=front.url, capture_uri=None, inference=kind,
                        arn=f"arn:aws:sagemaker:local:000000000000:endpoint/{request.endpoint_name}")

    def _deploy_multi_model(self, request: EndpointRequest, base: Path) -> Endpoint:
        """One worker process serving every model.tar.gz under the prefix, loaded on first use."""
        from sagecli.serve.process import realtime_payload_limit_bytes, start_server

        spec = request.multi_model
        assert spec is not None
        events = base / "mme-events.jsonl"
        events.unlink(missing_ok=True)
        config = {"model_dir": None, "endpoint": request.endpoint_name, "variant": request.variant_name,
                  "max_payload_bytes": realtime_payload_limit_bytes(), "capture": None,
                  "multi_model": {"prefix": str(self.object_path(spec.model_data_prefix)),
                                  "budget_bytes": spec.cache_bytes or 1 << 62, "work_dir": str(base / "models"),
                                  "events": str(events)}}
        handle = start_server(config, base, startup_timeout_s=self.ctx.options.startup_timeout_s,
                              on_start=self._procs.append)
        self._servers[request.endpoint_name] = handle.pid
        self._mme_events[request.endpoint_name] = events
        self._created.append(Resource("Endpoint", request.endpoint_name, detail=f"{handle.url} (multi-model)"))
        return Endpoint(name=request.endpoint_name, status="InService", variant_name=request.variant_name,
                        url=handle.url, pid=handle.pid, inference="multi-model",
                        arn=f"arn:aws:sagemaker:local:000000000000:endpoint/{request.endpoint_name}")

    def invoke_target(self, endpoint: Endpoint, body: bytes, target_model: str,
                      content_type: str = "text/csv", accept: str = "text/csv") -> InvokeResult:
        """InvokeEndpoint with TargetModel (a multi-model endpoint) through boto3."""
        assert endpoint.url is not None
        client = self._clients.get(endpoint.url)
        if client is None:
            client = self._clients[endpoint.url] = runtime_client(endpoint.url)
        return invoke_url(endpoint.url, endpoint.name, body, content_type, accept, client=client,
                          target_model=target_model)

    def s3_root(self) -> Path:
        """Where s3://bucket/key URIs live on this machine: <run>/s3/bucket/key."""
        return self.ctx.run_dir / "s3"

    def put_object(self, uri: str, data: bytes) -> str:
        """Write an s3://bucket/key object under the run's local bucket root; return the URI."""
        front = next(iter(self._fronts.values()), None)
        path = front.local_path(uri) if front is not None and hasattr(front, "local_path") else \
            self.s3_root() / uri.removeprefix("s3://")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return uri

    def object_path(self, uri: str) -> Path:
        """The local file behind an s3://bucket/key URI."""
        return self.s3_root() / uri.removeprefix("s3://")

    def invoke_async(self, endpoint: Endpoint, input_uri: str, content_type: str = "text/csv",
                     accept: str = "text/csv", inference_id: str | None = None) -> dict[str, str]:
        """InvokeEndpointAsync through boto3's sagemaker-runtime client (InferenceId, Output/FailureLocation)."""
        assert endpoint.url is not None
        client = self._clients.get(endpoint.url)
        if client is None:
            client = self._clients[endpoint.url] = runtime_client(endpoint.url)
        kwargs: dict[str, Any] = {"EndpointName": endpoint.name, "InputLocation": input_uri,
                                  "ContentType": content_type, "Accept": accept}
        if inference_id:
            kwargs["InferenceId"] = inference_id
        try:
            resp = client.invoke_endpoint_async(**kwargs)
        except Exception as exc:  # botocore ClientError / connection errors
            raise SageCliError(f"InvokeEndpointAsync failed: {exc}") from None
        return {k: resp[k] for k in ("InferenceId", "OutputLocation", "FailureLocation") if k in resp}

    def endpoint_stats(self, endpoint: Endpoint) -> dict[str, Any]:
        """Scale-to-zero endpoints: invocations, throttles, cold starts, latency, billed units."""
        front = self._fronts.get(endpoint.name)
        if front is not None:
            return front.stats()
        if endpoint.name in self._mme_events:
            from sagecli.serve.multimodel import read_events

            return {"option": "multi-model", "events": read_events(self._mme_events[endpoint.name])}
        return {}

    def invoke(self, endpoint: Endpoint, body: bytes, content_type: str = "text/csv",
               accept: str = "text/csv", inference_id: str | None = None) -> InvokeResult:
        """InvokeEndpoint through boto3's sagemaker-runtime client with endpoint_url set to the local server."""
        assert endpoint.url is not None
        client = self._clients.get(endpoint.url)
        if client is None:
            client = self._clients[endpoint.url] = runtime_client(endpoint.url)
        return invoke_url(endpoint.url, endpoint.name, body, content_type, accept, inference_id, client)

    def batch_transform(self, request: TransformRequest) -> TransformResult:
        """Run the transform job in this process with the endpoint's own handler code."""
        from sagecli.serve.handler import InferenceHandler
        from sagecli.serve.model import load_model_artifact
        from sagecli.transform.job import run_transform

        base = self.ctx.run_dir / "transform" / transform_job_name(request.job_name)
        model = load_model_artifact(uri_to_path(request.model_artifact), base / "model")
        out_dir = uri_to_path(request.output_uri) if request.output_uri else base / "output"
        self._created.append(Resource("TransformJob", request.job_name, detail=str(out_dir)))
        return run_transform(InferenceHandler(model), request.job_name, uri_to_path(request.input_uri), out_dir,
                             max_payload_mb=request.max_payload_mb, batch_strategy=request.batch_strategy,
                             split_type=request.split_type, content_type=request.content_type,
                             accept=request.accept, join_source=request.join_source,
                             assemble_with=request.assemble_with)

    def fetch_capture(self, endpoint: Endpoint, dest: Path, min_records: int = 0,
                      timeout_s: float = 0.0) -> list[Path]:
        """Copy <capture>/<endpoint>/<variant>/... under dest once at least min_records lines exist."""
        assert endpoint.capture_uri is not None
        src = uri_to_path(endpoint.capture_uri) / endpoint.name / endpoint.variant_name
        deadline = time.monotonic() + timeout_s
        while True:
            files = sorted(src.rglob("*.jsonl")) if src.exists() else []
            count = sum(f.read_bytes().count(b"\n") for f in files)
            if count >= min_records or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        out = []
        for f in files:
            target = dest / endpoint.name / endpoint.variant_name / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
            out.append(target)
        return out

    def created(self) -> list[Resource]:
        """Everything created in this run, oldest first."""
        return list(self._created)

    def kept_endpoint_note(self, endpoint: Endpoint) -> str:
        """A kept local endpoint is a process on this machine: `sagecli endpoint stop` ends it."""
        return (f"endpoint {endpoint.name} kept at {endpoint.url} (a local process, no cost); "
                f"stop it with: sagecli endpoint stop {endpoint.name}")

    def teardown(self, keep_endpoint: bool = False) -> list[Resource]:
        """Stop what this run started (newest first); the endpoint survives with keep_endpoint.

        Only processes this backend started and recorded are stopped, each by its process group (every job
        and server runs in its own session), never anything found by a path or an environment variable:
        another run's kept endpoint, in the same or a similarly named --run-dir, is never touched.
        """
        from sagecli.procgroup import stop_group
        from sagecli.serve.state import forget_endpoint

        removed: list[Resource] = []
        for res in reversed(self._created):
            if res.kind == "Endpoint" and res.name in self._fronts:  # in-process fronts end with the run
                self._fronts.pop(res.name).close()
                removed.append(res)
        kept = set(self._servers) if keep_endpoint else set()
        keep_pids = {self._servers[n] for n in kept}
        for res in reversed(self._created):
            if res.kind == "Endpoint" and res.name not in kept and res.name in self._servers:
                pid = self._servers.pop(res.name)
                stop_group(pid, reap=pid)
                forget_endpoint(res.name)
                removed.append(res)
        for proc in reversed(self._procs):
            if proc.pid in keep_pids:
                continue
            stop_group(proc.pid, grace_s=1.0, reap=proc.pid)  # leader gone or not: its group may live on
            proc.poll()
        self._procs = [p for p in self._procs if p.pid in keep_pids]
        self._created = [r for r in self._created if r not in removed]
        return removed
