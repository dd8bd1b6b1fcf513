"""The recording process: `python -m sagecli.experiments.worker URI EXPERIMENT [ARTIFACTS]`.

run-demo starts it when the flow starts. At low priority it imports mlflow (about 1.5 s of CPU) and opens
a SQLite store (the first time it also creates the tables, 1-2 s more) while the flow runs, then reads the
finished run as one JSON object on stdin, writes it and prints one JSON line: what `Recorder.record`
returns. Empty stdin (the demo was interrupted, or stopped before it had a result) records nothing; it
ignores Ctrl-C, so a store it is creating is never left half made. The demo's process never imports mlflow.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time


def main(argv: list[str]) -> int:
    """Import, wait for the run, record it; the answer is one JSON line on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the demo; this process ends at stdin's EOF
    with contextlib.suppress(AttributeError, OSError):
        os.nice(10)  # the flow comes first: on a busy machine this import waits instead of slowing the demo
    from sagecli.experiments.settings import TrackingSettings
    from sagecli.experiments.store import quiet_mlflow

    uri, experiment = argv[0], argv[1]
    settings = TrackingSettings(uri, experiment, artifact_location=argv[2] if len(argv) > 2 and argv[2] else None)
    t0 = time.perf_counter()
    client = exp_id = None
    try:
        quiet_mlflow()
        from sagecli.experiments.store import client_for, experiment_id

        if uri.startswith("sqlite:"):
            # import, open (the first time: create the tables) and find the experiment before the run arrives;
            # a remote server is only contacted once there is a run to record
            client = client_for(uri)
            exp_id = experiment_id(client, settings)
        else:
            import mlflow.tracking  # noqa: F401
        warm_error = None
    except Exception as exc:  # reported once the run arrives
        text = str(exc).strip()
        warm_error = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
    import_s = time.perf_counter() - t0
    payload = sys.stdin.read()
    if not payload.strip():
        return 0
    if warm_error:
        print(json.dumps({"error": warm_error}))
        return 0
    from sagecli.experiments.store import write_run

    request = json.loads(payload)
    info = write_run(settings, request["result"], request.get("options"), client, exp_id)
    print(json.dumps({**info, "import_s": round(import_s, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
