"""sagecli: SageMaker AI decisions, MLA-C01 exam prep and a reference lifecycle flow."""

__version__ = "0.1.0"
