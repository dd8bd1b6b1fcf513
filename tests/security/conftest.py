"""The security tests reuse the SageMaker backend tests' fake AWS (moto's ThreadedMotoServer on 127.0.0.1)
and the serve tests' small trained model."""

from tests.aws.conftest import fake, fake_server  # noqa: F401 - pytest fixtures
from tests.serve.conftest import trained  # noqa: F401 - pytest fixture
