"""Command groups. Each module defines `register(app)`; keep their top-level imports light."""

# Order here is the order in `sagecli --help`.
COMMAND_MODULES: list[str] = ["kb", "recommend", "quiz", "demo", "monitor", "cleanup", "pipeline", "experiments"]

# Top-level command name -> the module that registers it. When the first argument names a command,
# only that module is imported and registered, so Typer builds a small click tree (pip's name ->
# module table does the same). Names missing here fall back to registering every module.
COMMAND_NAMES: dict[str, str] = {
    "kb": "kb",
    "recommend": "recommend",
    "quiz": "quiz",
    "stats": "quiz",
    "run-demo": "demo",
    "registry": "demo",
    "endpoint": "demo",
    "monitor": "monitor",
    "cleanup": "cleanup",
    "pipeline": "pipeline",
    "experiments": "experiments",
}


def modules_for(argv: list[str]) -> list[str]:
    """The command modules a command line needs: one for a known command, else all of them."""
    if len(argv) > 1:
        module = COMMAND_NAMES.get(argv[1])
        if module in COMMAND_MODULES:
            return [module]
    return list(COMMAND_MODULES)
