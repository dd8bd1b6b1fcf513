"""The recording process: `python -m sagecli.experiments.worker URI EXPERIMENT [ARTIFACTS]`.

run-demo starts it when the flow starts. It imports mlflow (about a second and a half of CPU) on its own
core while the flow runs, without holding the demo's GIL, then reads the finished run as one JSON object
on stdin, writes it and prints one JSON line: what `Recorder.record` returns. Empty stdin (the demo was
interrupted or failed before it finished) records nothing. The demo's process never imports mlflow.
"""

from __future__ import annotations

import json
import signal
import sys
import time


def main(argv: list[str]) -> int:
    """Import, wait for the run, record it; the answer is one JSON line on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the demo; this process ends at stdin's EOF
    from sagecli.experiments.settings import TrackingSettings
    from sagecli.experiments.store import quiet_mlflow

    uri, experiment = argv[0], argv[1]
    settings = TrackingSettings(uri, experiment, artifact_location=argv[2] if len(argv) > 2 and argv[2] else None)
    t0 = time.perf_counter()
    try:
        quiet_mlflow()
        import mlflow.tracking  # noqa: F401
        if uri.startswith("sqlite:"):
            import mlflow.store.tracking.sqlalchemy_store  # noqa: F401  (the slow part: the ORM models)
        warm_error = None
    except Exception as exc:  # reported once the run arrives
        warm_error = f"{type(exc).__name__}: {exc}"
    import_s = time.perf_counter() - t0
    payload = sys.stdin.read()
    if not payload.strip():
        return 0
    if warm_error:
        print(json.dumps({"error": warm_error}))
        return 0
    from sagecli.experiments.store import write_run

    request = json.loads(payload)
    info = write_run(settings, request["result"], request.get("options"))
    print(json.dumps({**info, "import_s": round(import_s, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
