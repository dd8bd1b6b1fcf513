"""Programs a Pipelines execution of the demo runs in its processing jobs (uploaded to S3, never imported)."""
