"""A local model registry shaped like SageMaker's: model package groups, numbered versions, approval status."""
