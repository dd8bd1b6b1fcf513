"""Feature Store for the fake SageMaker (test-only): what moto 5.2 lacks.

moto has CreateFeatureGroup and DescribeFeatureGroup. Added here:
- DescribeFeatureGroup of a missing group answers ResourceNotFound (moto raises a KeyError: HTTP 500), and
  ResolvedOutputS3Uri follows SageMaker's layout `<S3Uri>/<account>/sagemaker/<region>/offline-store/...`
  (moto leaves out the `sagemaker` segment);
- DeleteFeatureGroup, ListFeatureGroups, and ListTags on a feature group's ARN (for `sagecli cleanup`);
- sagemaker-featurestore-runtime PutRecord (PUT /FeatureGroup/<name>) and GetRecord (GET /FeatureGroup/<name>):
  an online store that keeps the version with the latest event time per record identifier, and answers
  {"Record": [{FeatureName, ValueAsString}]} or {} for an unknown identifier. Records live on moto's group
  object, so a reset of the server forgets them. Nothing is written to the offline store (SageMaker itself
  takes up to 15 minutes).
Every call is counted in `CALLS` (operation -> count) so tests can see what reached the server; the runtime
calls also go to `faults.seen`, and `faults.fail = "PutRecord"` (or "GetRecord") fails them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

CALLS: Counter[str] = Counter()


def _group(name: str) -> Any:
    from tests.aws.fake_sagemaker import _backends

    sm, _ = _backends()
    return next((g for g in sm.feature_groups.values() if name in (g.feature_group_name, g.arn)), None)


def _event_seconds(value: str) -> float:
    try:
        return float(value)  # Fractional event time: Unix seconds
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any],
          error: str | None = None) -> list[bytes]:
    headers = [("Content-Type", "application/json")]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    start_response(status, headers)
    return [json.dumps(body).encode()]


def runtime_call(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """PutRecord and GetRecord on /FeatureGroup/<name>."""
    name = unquote(environ["PATH_INFO"].split("/", 2)[2])
    group = _group(name)
    op = "PutRecord" if environ["REQUEST_METHOD"] == "PUT" else "GetRecord"
    CALLS[op] += 1
    if group is None:
        return _json(start_response, "404 Not Found", {"message": f"Resource Not Found: Amazon SageMaker can't "
                                                                  f"find a feature group with name {name}"},
                     "ResourceNotFound")
    online: dict[str, dict[str, str]] = group.__dict__.setdefault("_online", {})
    rid, etime = group.record_identifier_feature_name, group.event_time_feature_name
    if op == "PutRecord":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        record = {f["FeatureName"]: f["ValueAsString"] for f in json.loads(environ["wsgi.input"].read(size))["Record"]}
        known = {d["FeatureName"] for d in group.feature_definitions}
        if rid not in record or etime not in record or set(record) - known:
            return _json(start_response, "400 Bad Request", {"message": "record does not match the definitions"},
                         "ValidationError")
        old = online.get(record[rid])
        if old is None or _event_seconds(record[etime]) >= _event_seconds(old[etime]):
            online[record[rid]] = record
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b""]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    found = online.get(query.get("RecordIdentifierValueAsString", [""])[0])
    if found is None:
        return _json(start_response, "200 OK", {})
    names = query.get("FeatureName") or [d["FeatureName"] for d in group.feature_definitions]
    return _json(start_response, "200 OK", {"Record": [{"FeatureName": n, "ValueAsString": found[n]}
                                                       for n in names if n in found]})


def patches(url_box: dict[str, str]) -> list[Any]:
    """DeleteFeatureGroup, a DescribeFeatureGroup that knows SageMaker's errors and layout, the runtime calls."""
    from unittest import mock

    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ResourceNotFound
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    from tests.aws.fake_sagemaker import ACCOUNT, REGION, FaultyApp

    def describe_feature_group(self: Any) -> Any:
        CALLS["DescribeFeatureGroup"] += 1
        name = self._get_param("FeatureGroupName")
        group = _group(name)
        if group is None:
            raise ResourceNotFound(message=f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with "
                                           f"name {name}")
        desc = group.describe()
        s3 = desc["OfflineStoreConfig"]["S3StorageConfig"]
        s3["ResolvedOutputS3Uri"] = s3["ResolvedOutputS3Uri"].replace(
            f"/{ACCOUNT}/{REGION}/offline-store/", f"/{ACCOUNT}/sagemaker/{REGION}/offline-store/")
        return ActionResult(desc)

    def delete_feature_group(self: Any) -> Any:
        CALLS["DeleteFeatureGroup"] += 1
        group = _group(self._get_param("FeatureGroupName"))
        if group is None:
            raise ResourceNotFound(message=f"Resource Not Found: FeatureGroup {self._get_param('FeatureGroupName')}")
        del self.sagemaker_backend.feature_groups[group.arn]
        return EmptyResult()

    def list_feature_groups(self: Any) -> Any:  # moto 5.2 lacks it
        CALLS["ListFeatureGroups"] += 1
        groups = sorted(self.sagemaker_backend.feature_groups.values(), key=lambda g: g.creation_time)
        return ActionResult({"FeatureGroupSummaries": [
            {"FeatureGroupName": g.feature_group_name, "FeatureGroupArn": g.arn, "CreationTime": g.creation_time,
             "FeatureGroupStatus": "Created"} for g in groups]})

    orig_list_tags = SageMakerModelBackend.list_tags

    def list_tags(self: Any, arn: str, **kwargs: Any) -> Any:  # moto cannot resolve a feature group's ARN
        if ":feature-group/" in arn:
            group = _group(arn)
            if group is None:
                raise ResourceNotFound(message=f"Resource Not Found: {arn}")
            return list(group.tags or []), None
        return orig_list_tags(self, arn=arn, **kwargs)

    orig_call = FaultyApp.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/FeatureGroup/"):
            op = "PutRecord" if environ["REQUEST_METHOD"] == "PUT" else "GetRecord"
            with self.faults.lock:
                self.faults.seen.append(op)
                fail = self.faults.fail == op
            if fail:  # the same injected failure as the other operations get
                return _json(start_response, "400 Bad Request", {"message": f"injected failure of {op}"},
                             "ValidationError")
            return runtime_call(environ, start_response)
        return orig_call(self, environ, start_response)

    return [mock.patch.object(SageMakerResponse, "describe_feature_group", describe_feature_group),
            mock.patch.object(SageMakerResponse, "delete_feature_group", delete_feature_group, create=True),
            mock.patch.object(SageMakerResponse, "list_feature_groups", list_feature_groups, create=True),
            mock.patch.object(SageMakerModelBackend, "list_tags", list_tags),
            mock.patch.object(FaultyApp, "__call__", call)]
