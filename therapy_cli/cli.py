"""The root command: global options, the command groups, and the one error → exit translation."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

from therapy_cli import __version__
from therapy_cli.argv import GLOBAL_VALUE_OPTIONS, conflicting_global_option, hoist_global_options
from therapy_cli.lazy import LazyGroup, build_lazy_root
from therapy_cli.commands._common import STATE
from therapy_cli.errors import TherapyError
from therapy_cli.failures import explain, new_run, quiet_broken_pipe


class TherapyGroup(LazyGroup):
    """Turns every TherapyError into `Error: …` and its exit code, in one place."""

    def parse_args(self, ctx, args):
        if ctx.parent is None:
            args = hoist_global_options(args)
            if len(args) > 1 and args[-1] in GLOBAL_VALUE_OPTIONS and "--" not in args:
                from typer._click.exceptions import BadOptionUsage

                # `client list --db` with its value forgotten: the sub-command's parser would say the option
                # does not exist, which it does (after the sub-command too)
                raise BadOptionUsage(args[-1], f"Option '{args[-1]}' requires an argument.", ctx=ctx)
            twice = conflicting_global_option(args)
            if twice:
                from typer._click.exceptions import BadOptionUsage

                name, first, second = twice
                raise BadOptionUsage(name, f"{name} is given twice, as {first!r} and {second!r} (an alias or "
                                           f"a script's own {name}?); give it once", ctx=ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        new_run()
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            code = explain(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None


def _csv_style(name: str):
    def set_style(ctx, param, value):
        from therapy_cli import render

        setattr(render.CSV, name, bool(value))
        return value

    return set_style


def csv_options() -> list:
    """`--raw` and `--bom`, for every command that writes CSV (they set render.CSV for this run)."""
    from typer.core import TyperOption

    return [
        TyperOption(param_decls=["--raw"], is_flag=True, default=False, expose_value=False,
                    callback=_csv_style("raw"),
                    help="CSV for scripts: leave text beginning = + - @ as it is (by default such a cell gets "
                         "a leading ' so a spreadsheet does not run it as a formula)."),
        TyperOption(param_decls=["--bom"], is_flag=True, default=False, expose_value=False,
                    callback=_csv_style("bom"), help="Begin CSV with a UTF-8 byte-order mark (for Excel)."),
    ]


class CsvCommand(TyperCommand):
    """A command with --csv: gains --raw and --bom without each command declaring them."""

    def __init__(self, *args, params=None, **kwargs):
        super().__init__(*args, params=[*(params or []), *csv_options()], **kwargs)


app = typer.Typer(
    cls=TherapyGroup,
    name="therapy",
    help="A private, scriptable caseload tool for psychotherapists and counsellors.\n\n"
         "Example: therapy client add 'Alex Morgan' --referred-on today",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"therapy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option(
        "--db", metavar="PATH", help="Database file (default: THERAPY_DB, then caseload.db in the user data dir).")] = None,
    today: Annotated[Optional[str], typer.Option(
        "--today", metavar="DATE", envvar="THERAPY_TODAY",
        help="Compute every relative date from this day (reproducible reports and cron runs).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    no_pager: Annotated[bool, typer.Option(
        "--no-pager", help="Print long tables straight to the terminal (default: through PAGER, "
                           "else less -FRX, when taller than the screen; never when piped).")] = False,
) -> None:
    """A private, scriptable caseload tool for psychotherapists and counsellors."""
    from datetime import date

    from therapy_cli.runtime import begin

    begin(db, no_pager)
    if today:
        from therapy_cli.dates import parse_today

        try:
            STATE.today = parse_today(today, date.today())
        except TherapyError as exc:
            # named once, and by where it came from: a cron line's THERAPY_TODAY, not an option nobody typed
            said = str(exc).removeprefix("--today ")
            source = ctx.get_parameter_source("today")
            hint = "THERAPY_TODAY (environment variable)" if source and source.name == "ENVIRONMENT" else "--today"
            raise typer.BadParameter(said, param_hint=hint) from None


def _register() -> None:
    from therapy_cli.commands import client, config, contact, db

    app.add_typer(client.app, name="client")
    app.add_typer(contact.app, name="contact")
    app.add_typer(db.app, name="db")
    app.add_typer(config.app, name="config")
    from therapy_cli.commands import session

    app.add_typer(session.app, name="session")
    from therapy_cli.commands import note

    app.add_typer(note.app, name="note")
    from therapy_cli.commands import cpd, supervise

    app.add_typer(supervise.app, name="supervise")
    app.add_typer(cpd.app, name="cpd")
    from therapy_cli.commands import report

    app.add_typer(report.app, name="report")
    from therapy_cli.commands import remind

    app.add_typer(remind.app, name="remind")
    from therapy_cli.commands.demo import demo

    app.command("demo")(demo)
    from therapy_cli.commands import measure, plan

    app.add_typer(plan.app, name="plan")
    app.add_typer(measure.app, name="measure")
    from therapy_cli.commands import transfer

    app.add_typer(transfer.import_app, name="import")
    app.command("export")(transfer.export_command)
    from therapy_cli.commands import practice

    app.add_typer(practice.app, name="practice")
    from therapy_cli.commands import risk

    app.add_typer(risk.app, name="risk")
    from therapy_cli.commands import invoice

    app.add_typer(invoice.app, name="invoice")
    app.add_typer(invoice.payment_app, name="payment")


def _keep_examples(text: str | None) -> str | None:
    """Keep `Example:` lines as written: click rewraps paragraphs unless marked with \\b."""
    if not text or "Example:" not in text:
        return text
    import inspect

    lines = inspect.cleandoc(text).splitlines()
    out: list[str] = []
    for line in lines:
        if line.startswith("Example:"):
            if out and out[-1] != "\b":
                out += ["", "\b"] if out[-1] else ["\b"]
        out.append(line)
    return "\n".join(out)


def _tidy_help(typer_app: typer.Typer) -> None:
    group = typer_app.registered_callback  # a group that is also a command (`remind`) has examples too
    if group is not None and group.callback is not None:
        group.callback.__doc__ = _keep_examples(group.callback.__doc__)
    for command in typer_app.registered_commands:
        if command.callback is not None:
            command.callback.__doc__ = _keep_examples(command.callback.__doc__)
            if command.cls in (None, TyperCommand) and "as_csv" in command.callback.__code__.co_varnames:
                command.cls = CsvCommand
    for group in typer_app.registered_groups:
        _tidy_help(group.typer_instance)


_register()
_tidy_help(app)


def lazy_root():
    """The root click group with its sub-commands converted on first use: what the console script runs."""
    return build_lazy_root(app)


def main() -> None:
    try:
        lazy_root()(prog_name="therapy")
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(1)
