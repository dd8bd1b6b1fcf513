"""Entry point: `python -m sagecli` and the `sagecli` console script."""

import gc
import sys

from sagecli.errors import run

# Start-up builds tens of thousands of long-lived objects (Typer's and pydantic's classes, the knowledge base)
# and next to no garbage, so the default threshold (a young-generation collection every 700 allocations)
# spends ~3% of a command's start-up collecting nothing. Collecting every 100,000 allocations keeps that
# work for long-running commands (quiz, run-demo, the local endpoint), where cyclic garbage stays bounded.
GC_THRESHOLD = (100_000, 10, 10)


def main() -> None:
    """Run the CLI with sagecli's single error path, registering only the commands argv needs."""
    gc.set_threshold(*GC_THRESHOLD)
    from sagecli.cli import build_app

    run(build_app(sys.argv))


if __name__ == "__main__":
    main()
