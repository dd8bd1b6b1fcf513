"""Command groups. Each module defines `register(app)`; keep their top-level imports light."""

# Order here is the order in `sagecli --help`.
COMMAND_MODULES: list[str] = ["kb", "recommend", "quiz"]
