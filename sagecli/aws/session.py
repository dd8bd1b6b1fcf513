"""A boto3 session for one account and Region: credentials and identity checked once, clients cached.

AWS_ENDPOINT_URL (boto3's own setting) points every client at another endpoint, which is how the
tests talk to moto. Credentials are never printed, logged or written to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sagecli.errors import SageCliError

USER_AGENT = "sagecli"


@dataclass
class AwsContext:
    """A checked session: the Region, the caller's account id, and cached clients."""

    region: str
    account: str
    session: Any
    caller_arn: str = ""
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A cached boto3 client for a service in this Region."""
        if service not in self._clients:
            from botocore.config import Config

            self._clients[service] = self.session.client(
                service, region_name=self.region, config=Config(user_agent_extra=USER_AGENT)
            )
        return self._clients[service]


def resolve_region(region: str | None) -> str | None:
    """The --region value, else the region boto3 finds in the environment or config files."""
    if region:
        return region
    import boto3

    return boto3.session.Session().region_name


def connect(region: str, unchanged: str = "nothing was created") -> AwsContext:
    """Open a session in a checked Region; fail with one line if credentials are missing or rejected.

    `unchanged` ends each hint: what the failed command did not do (create, or delete for cleanup).
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.session.Session(region_name=region)
    try:
        has_credentials = session.get_credentials() is not None
    except BotoCoreError as exc:  # a broken profile or credential process: say which, not the secret
        raise SageCliError(f"cannot load AWS credentials: {type(exc).__name__}") from None
    if not has_credentials:
        raise SageCliError(
            "no AWS credentials found",
            hint="run `aws configure` or `aws sso login`, or set AWS_PROFILE; " + unchanged,
        )
    ctx = AwsContext(region=region, account="", session=session)
    try:
        ident = ctx.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise SageCliError("no AWS credentials found", hint="run `aws configure` or set AWS_PROFILE") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Error")
        raise SageCliError(
            f"AWS rejected the credentials ({code})",
            hint="refresh them (`aws sso login`, a new session token) and try again; " + unchanged,
        ) from None
    except BotoCoreError as exc:
        name = type(exc).__name__
        if any(word in name for word in ("Token", "Credential", "SSO")):  # e.g. an expired SSO session
            raise SageCliError(f"AWS credentials could not be used ({name})",
                               hint="refresh them (`aws sso login`) and try again; " + unchanged) from None
        raise SageCliError(f"cannot reach AWS STS in {region}: {name}", hint=unchanged) from None
    ctx.account = ident["Account"]
    ctx.caller_arn = ident.get("Arn", "")
    return ctx


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_line(exc: BaseException) -> str:
    """One line describing an AWS error: code and message, never request data."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip().rstrip(":")
    return f"{type(exc).__name__}: {exc}"
