"""Plain boto3 pieces for the SageMaker backend: plan, offline validation, ledger, teardown, cleanup, cost.

Nothing here is imported by `sagecli.cli`; the run-demo and cleanup commands import it when they run.
"""
