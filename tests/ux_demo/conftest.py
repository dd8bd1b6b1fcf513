"""The fake SageMaker fixtures of tests/aws, shared with these user-experience tests."""

from tests.aws.conftest import fake, fake_server  # noqa: F401  (pytest fixtures, used by name)
