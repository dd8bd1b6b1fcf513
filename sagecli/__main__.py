"""Entry point: `python -m sagecli` and the `sagecli` console script."""

from sagecli.errors import run


def main() -> None:
    """Run the CLI with sagecli's single error path."""
    from sagecli.cli import app

    run(app)


if __name__ == "__main__":
    main()
