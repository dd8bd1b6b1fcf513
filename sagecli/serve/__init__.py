"""The local real-time endpoint: SageMaker's inference container contract over HTTP on 127.0.0.1."""
