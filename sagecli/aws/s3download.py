"""Download an S3 object or prefix for commands that read the user's data (`sagecli monitor`)."""

from __future__ import annotations

from pathlib import Path

from sagecli.errors import SageCliError


def fetch_prefix(uri: str, dest: Path) -> list[Path]:
    """Copy s3://bucket/key (one object or a prefix) into dest, refusing keys that would leave dest."""
    from sagecli.aws.session import error_line

    try:
        import boto3
    except ImportError:
        raise SageCliError("S3 inputs need boto3", hint="pip install 'sagecli[aws]'", exit_code=2) from None
    from sagecli.aws.api_calls import split_s3

    bucket, key = split_s3(uri)
    s3 = boto3.client("s3")
    root = dest.resolve()
    root.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                exact = obj["Key"] == key
                if key and not key.endswith("/") and not exact and not obj["Key"].startswith(key + "/"):
                    continue  # s3://b/data names data and data/..., not data2/...
                rel = obj["Key"].rsplit("/", 1)[-1] if exact else obj["Key"][len(key):].lstrip("/")
                target = (root / rel).resolve()
                if not target.is_relative_to(root) or rel.endswith("/"):
                    if rel.endswith("/"):
                        continue
                    raise SageCliError(f"refusing S3 key {obj['Key']!r}: it would be written outside {dest}",
                                       exit_code=2)
                target.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, obj["Key"], str(target))
                out.append(target)
    except SageCliError:
        raise
    except Exception as exc:  # botocore's ClientError, NoCredentialsError, endpoint errors
        raise SageCliError(f"cannot read {uri}: {error_line(exc)}", exit_code=2) from None
    if not out:
        raise SageCliError(f"nothing found at {uri}", exit_code=2)
    return sorted(out)
