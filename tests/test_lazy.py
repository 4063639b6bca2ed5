"""The contract therapy_cli/lazy.py relies on in Typer's internals: when a Typer upgrade breaks it, this fails."""

import inspect
from typing import List, Optional

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo, TyperInfo

from conftest import entry_point
from therapy_cli import lazy
from therapy_cli.cli import app, lazy_root


def test_the_typer_functions_used_exist_with_the_arguments_passed():
    main = typer.main
    assert set(inspect.signature(main.get_group_from_info).parameters) >= {
        "group_info", "pretty_exceptions_short", "rich_markup_mode", "suggest_commands"}
    assert set(inspect.signature(main.get_command_from_info).parameters) >= {
        "command_info", "pretty_exceptions_short", "rich_markup_mode"}
    assert "typer_info" in inspect.signature(main.solve_typer_info_defaults).parameters
    assert callable(main.get_command_name) and callable(main.get_command)
    assert hasattr(TyperGroup, "_click_resolve_command") and hasattr(TyperGroup, "resolve_command")
    assert all(hasattr(app, a) for a in ("registered_groups", "registered_commands", "pretty_exceptions_short",
                                         "rich_markup_mode", "suggest_commands"))


def test_the_root_is_lazy_and_converts_each_group_on_first_use():
    root = lazy_root()
    assert isinstance(root, lazy.LazyGroup) and not root.commands
    names = root.list_commands(None)
    assert {"client", "session", "import", "export", "report", "remind"} <= set(names)
    registered = {info.name for info in app.registered_groups}
    assert registered <= set(names)
    group = root.get_command(None, "client")
    # the class swap: a plain TyperGroup built without its commands, made lazy
    assert type(group) is lazy.LazyGroup and "add" in group.list_commands(None) and not group.commands
    add = group.get_command(None, "add")
    assert isinstance(add, TyperCommand) and any(p.name == "kind" for p in add.params)
    assert isinstance(root.lazy["client"], TyperInfo) and isinstance(root.lazy["demo"], CommandInfo)


def test_the_stand_in_carries_the_help_of_a_group_and_a_command():
    root = lazy_root()
    for name in ("client", "remind"):
        stand_in = lazy._stand_in(name, root.lazy[name])
        built = root.get_command(None, name)
        assert stand_in.get_short_help_str(80) == built.get_short_help_str(80)


def test_a_pair_option_takes_two_values_a_use():
    seen = {}
    demo = typer.Typer()

    @demo.command(cls=lazy.PairOptionCommand)
    def run(value: Optional[List[str]] = typer.Option(None, "--value")):
        seen["value"] = value

    @demo.command()
    def other():
        pass

    from typer.testing import CliRunner

    result = CliRunner().invoke(demo, ["run", "--value", "status", "No Show=dna", "--value", "mode", "Zoom=video"])
    assert result.exit_code == 0, result.output
    assert seen["value"] == [("status", "No Show=dna"), ("mode", "Zoom=video")]
    assert CliRunner().invoke(demo, ["run", "--value", "status"]).exit_code == 2


def test_the_tests_drive_the_console_entry_point():
    root = entry_point()
    assert type(root) is type(lazy_root()) and root.lazy.keys() == lazy_root().lazy.keys()
    from therapy_cli import cli

    assert "lazy_root()" in inspect.getsource(cli.main)
