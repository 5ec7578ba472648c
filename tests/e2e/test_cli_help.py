"""Every command explains itself: a help text and an example in ``--help``,
help for every option; list outputs have a header; the top-level help
names the environment variables."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ontzorging.entrypoints.cli import main
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (fixture)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found += _commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda p: " ".join(p) or "ontzorging")
def test_every_command_has_help_and_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
    assert "Example: ontzorging" in result.output
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"


def test_the_top_level_help_names_the_environment() -> None:
    result = CliRunner().invoke(main, ["--help"])
    for variable in ("ONTZORGING_HOME", "_DATABASE_URL", "_CONFIG", "_TODAY", "_LOG_LEVEL"):
        assert variable in result.output


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (("runs", "list"), "status"),
        (("batches", "list"), "execution"),
        (("households", "list"), "household"),
    ],
)
def test_list_outputs_have_a_header(home: Home, args: tuple[str, ...], header: str) -> None:  # noqa: F811
    result = home(*args)
    assert result.exit_code == 0
    assert header in result.output.splitlines()[0]
