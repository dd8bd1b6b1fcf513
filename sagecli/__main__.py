"""Entry point: `python -m sagecli` and the `sagecli` console script."""

import sys

from sagecli.errors import run


def main() -> None:
    """Run the CLI with sagecli's single error path, registering only the commands argv needs."""
    from sagecli.cli import build_app

    run(build_app(sys.argv))


if __name__ == "__main__":
    main()
