"""`therapy plan`: treatment plans, goals and reviews."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)

app = typer.Typer(help="Treatment plans: modality, problems, goals and reviews (every change kept).",
                  no_args_is_help=True)
goal_app = typer.Typer(help="Goals of the plan: add, rate 0–10, close (unrate, reopen: take back one in error).",
                       no_args_is_help=True)
app.add_typer(goal_app, name="goal")


class Modality(str, Enum):
    cbt = "cbt"
    psychodynamic = "psychodynamic"
    psychoanalytic = "psychoanalytic"
    humanistic = "humanistic"
    integrative = "integrative"
    systemic = "systemic"
    hypno = "hypno"
    constructivist = "constructivist"
    other = "other"


ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")]
GoalArg = Annotated[int, typer.Argument(metavar="GOAL_ID", help="The goal's id (see `therapy plan show`).")]
OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Date (default: today).")]


def _plan_table(plan: dict) -> None:
    from therapy_cli import render

    head = {k: plan[k] for k in ("id", "client_id", "version", "modality", "approach", "sessions_planned",
                                 "review_every_weeks", "problems", "started_on", "last_reviewed_on",
                                 "review_due") if k in plan}
    render.write_record(head, title=f"Plan for client #{plan['client_id']} (version {plan['version']})")
    if plan.get("goals"):
        print()
        render.write_table(plan["goals"], ["id", "text", "status", "latest_score", "latest_rated_on",
                                           "first_score", "created_on", "closed_on"], title="Goals")
    if plan.get("reviews"):
        print()
        render.write_table(plan["reviews"], ["id", "reviewed_on", "plan_version", "next_review_on", "note"],
                           title="Reviews")
    if plan.get("history"):
        print()
        render.write_table(plan["history"], ["version", "started_on", "modality", "approach", "sessions_planned",
                                             "review_every_weeks", "problems"], title="Versions")


def _emit_plan(plan: dict, fmt: str) -> None:
    from therapy_cli import render

    render.emit(plan, fmt, table=_plan_table)


@app.command("set")
def set_(
    client: ClientArg,
    modality: Annotated[Optional[Modality], typer.Option(
        case_sensitive=False, help="cbt, psychodynamic, psychoanalytic, humanistic, integrative, systemic, hypno, "
                                   "constructivist or other (required for a first plan; a new version keeps the "
                                   "current one unless given).")] = None,
    approach: Annotated[Optional[str], typer.Option(metavar="TEXT", help="The approach, e.g. 'Clark & Wells'.")] = None,
    sessions: Annotated[Optional[int], typer.Option(metavar="N", help="Number of sessions planned.")] = None,
    review_every: Annotated[Optional[int], typer.Option(metavar="WEEKS", help="Review the plan every WEEKS weeks.")] = None,
    problem: Annotated[Optional[List[str]], typer.Option(metavar="TEXT", help="A presenting problem (repeatable).")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Set the treatment plan; changing it adds a new version and keeps the old one.

    On a change, options not given carry over from the current version
    (--approach '' or --problem '' clears them).

    Example: therapy plan set morgan --modality cbt --sessions 12 --review-every 6 --problem 'low mood'
    Example: therapy plan set morgan --sessions 16
    """
    from therapy_cli import render
    from therapy_cli.errors import WrongForm
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        who = clients.find_client(db, client)
        # before the first plan's missing --modality: an erased client has no plan to set, with or without it
        clients.refuse_erased(who, "its plan cannot be changed")
        before = plans.current_plan(db, who["id"])
        if modality is None and before is None:
            raise WrongForm(f"Missing option '--modality': client #{who['id']} has no plan yet, and a first plan "
                            f"names its modality ({', '.join(m.value for m in Modality)})")
        plan = plans.set_plan(db, who, modality.value if modality else before["modality"], approach, sessions,
                              review_every,
                              problem if problem else None, parse_date_option(on, "--on"))
    if before is not None and before["version"] == plan["version"]:
        render.message(f"The plan is unchanged (version {plan['version']}); nothing was added.")
    _emit_plan(plan, output_format(fmt, as_json, as_csv))


@app.command("show")
def show(
    client: ClientArg,
    history: Annotated[bool, typer.Option("--history", help="Also list every previous version.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Show the current plan, its goals with their latest ratings, reviews and when review is due.

    Example: therapy plan show morgan --history
    """
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database() as db:
        plan = plans.show_plan(db, clients.find_client(db, client)["id"], history)
    _emit_plan(plan, output_format(fmt, as_json, as_csv))


@app.command("review")
def review(
    client: ClientArg,
    note: Annotated[Optional[str], typer.Option(metavar="TEXT", help="What the review concluded.")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a review of the plan; the next is due --review-every weeks later.

    Example: therapy plan review morgan --note 'goals still fit; continue'
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        record = plans.review_plan(db, clients.find_client(db, client), note, parse_date_option(on, "--on"))
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Review #{record['id']}")


def _emit_goal(goal: dict, fmt: str) -> None:
    from therapy_cli import render

    render.emit(goal, fmt, title=f"Goal #{goal['id']}")


@goal_app.command("add")
def goal_add(
    client: ClientArg,
    text: Annotated[str, typer.Argument(help="The goal, in the client's words if possible.")],
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Add a goal to the client's plan.

    Example: therapy plan goal add morgan 'Return to work three days a week'
    """
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        goal = plans.add_goal(db, clients.find_client(db, client), text, parse_date_option(on, "--on"))
    _emit_goal(goal, output_format(fmt, as_json, as_csv))


@goal_app.command("rate")
def goal_rate(
    client: ClientArg, goal_id: GoalArg,
    score: Annotated[str, typer.Argument(metavar="SCORE", help="0 (not at all) to 10 (fully achieved).")],
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Rate progress towards a goal, 0–10.

    Example: therapy plan goal rate morgan 15 6
    """
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        goal = plans.rate_goal(db, clients.find_client(db, client), goal_id, score, parse_date_option(on, "--on"))
    _emit_goal(goal, output_format(fmt, as_json, as_csv))


@goal_app.command("close")
def goal_close(
    client: ClientArg, goal_id: GoalArg, on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Close a goal (achieved or set aside); it stays on the record.

    Example: therapy plan goal close morgan 16
    """
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        goal = plans.close_goal(db, clients.find_client(db, client), goal_id, parse_date_option(on, "--on"))
    _emit_goal(goal, output_format(fmt, as_json, as_csv))


@goal_app.command("unrate")
def goal_unrate(
    client: ClientArg, goal_id: GoalArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Take back a goal's latest rating, recorded in error (asks first; --yes to skip; audited).

    For a goal and score swapped (`rate morgan 2 3` meant for goal 3): unrate goal 2, then rate goal 3.

    Example: therapy plan goal unrate morgan 15 --yes
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database() as db:
        who = clients.find_client(db, client)
        latest = plans.latest_rating(db, who, goal_id)
    if latest is not None:   # ask outside the write transaction; a goal with no rating is refused below
        confirm(f"Take back goal #{goal_id}'s rating of {latest['score']}/10 on {latest['rated_on']} "
                f"({latest['text'][:40]!r})?", yes)
    with database(write=True) as db:
        removed, goal = plans.unrate_goal(db, clients.find_client(db, client), goal_id)
    render.message(f"Took back goal #{goal_id}'s rating of {removed['score']}/10 on {removed['rated_on']}")
    _emit_goal(goal, output_format(fmt, as_json, as_csv))


@goal_app.command("reopen")
def goal_reopen(
    client: ClientArg, goal_id: GoalArg,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Reopen a goal closed in error (the wrong id, or too soon); audited.

    Example: therapy plan goal close morgan 16 && therapy plan goal reopen morgan 16
    """
    from therapy_cli.practice import clients
    from therapy_cli.clinical import plans

    with database(write=True) as db:
        goal = plans.reopen_goal(db, clients.find_client(db, client), goal_id)
    _emit_goal(goal, output_format(fmt, as_json, as_csv))
