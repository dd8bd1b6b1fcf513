"""Download an S3 object or prefix for commands that read the user's data (`sagecli monitor`)."""

from __future__ import annotations

from pathlib import Path

from sagecli.errors import SageCliError


def fetch_prefix(uri: str, dest: Path) -> list[Path]:
    """Copy s3://bucket/key (one object or a prefix) into dest with the SageMaker backend's checked download.

    Keys that would leave dest are refused exactly as for the backend (aws.executor.inside); every failure
    here is a usage error (exit 2), as `sagecli monitor` promises.
    """
    try:
        import boto3
    except ImportError:
        raise SageCliError("S3 inputs need boto3", hint="pip install 'sagecli[aws]'", exit_code=2) from None
    from sagecli.aws.executor import download_objects
    from sagecli.aws.session import error_line

    try:
        return download_objects(boto3.client("s3"), uri, dest)
    except SageCliError as err:
        raise SageCliError(err.message, hint=err.hint, exit_code=2) from None
    except Exception as exc:  # botocore's ClientError, NoCredentialsError, endpoint errors
        raise SageCliError(f"cannot read {uri}: {error_line(exc)}", exit_code=2) from None
