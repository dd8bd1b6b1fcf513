"""Training jobs on this machine, following SageMaker's training container contract."""
