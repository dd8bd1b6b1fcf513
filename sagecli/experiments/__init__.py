"""Experiment tracking: every run-demo as MLflow runs (parent, training jobs, tuning trials), and the queries
behind `sagecli experiments list|show|compare`. mlflow is imported only inside the functions that use it."""
