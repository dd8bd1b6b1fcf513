"""The console script builds only the command its argv names, inside its group; the full app keeps every command."""

from __future__ import annotations

import typer

from sagecli.cli import build_app


def _commands(app: typer.Typer, group: str) -> list[str]:
    info = next(g for g in app.registered_groups if g.name == group)
    return [c.name for c in info.typer_instance.registered_commands]


def test_a_named_command_is_the_only_one_built() -> None:
    assert _commands(build_app(["sagecli", "recommend", "instance", "--json"]), "recommend") == ["instance"]
    assert _commands(build_app(["sagecli", "kb", "show", "x"]), "kb") == ["show"]


def test_otherwise_the_group_keeps_every_command() -> None:
    every = ["instance", "input-mode", "deployment", "needs"]
    assert _commands(build_app(["sagecli", "recommend", "--help"]), "recommend") == every
    assert _commands(build_app(["sagecli", "recommend", "instanc"]), "recommend") == every
    assert _commands(build_app(["sagecli", "recommend"]), "recommend") == every
    build_app(["sagecli", "recommend", "instance"])
    assert _commands(build_app(), "recommend") == every  # pruning a built app never touches the group itself


def test_a_pruned_command_runs_and_a_typo_still_gets_a_suggestion(cli) -> None:
    res = cli("recommend", "input-mode", "--dataset-gb", "5", "--json")
    assert res.returncode == 0, res.stderr
    res = cli("recommend", "instanc")
    assert res.returncode == 2 and "Did you mean 'instance'?" in res.stderr
