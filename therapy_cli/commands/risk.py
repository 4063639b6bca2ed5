"""`therapy risk`: risk assessments, safety plans and the risk register."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format, parse_date_option

app = typer.Typer(help="Risk: assessments (never changed), safety plans (every version kept) and the register.",
                  no_args_is_help=True)


class Level(str, Enum):
    none = "none"
    low = "low"
    moderate = "moderate"
    high = "high"


ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")]
OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Date (default: today).")]


def _flag_text(flag: dict | None) -> str:
    if not flag:
        return ""
    return f"{flag['instrument']} item {flag['item']} = {flag['score']} on {flag['taken_on']}"


def _superseded(record: dict, later: dict) -> str:
    """Why an assessment dated before another changes nothing that is read from the current one, and, when
    it found more risk than the current one, the command that records it as today's."""
    from therapy_cli.clinical.risk import RANK

    client_id, level = record["client_id"], record["level"]
    said = (f"this assessment ({level}, {record['assessed_on']}) is dated before #{client_id}'s assessment of "
            f"{later['assessed_on']} ({later['level']}), which stays the current one")
    review = (f" --review-in {record['review_in_days']}" if record["review_in_days"]
              else " --review-in DAYS" if level in ("moderate", "high") else "")
    again = f"'therapy risk assess {client_id} --level {level}{review}'"
    if RANK[level] < RANK[later["level"]]:
        return f"{said}: the current level stays {later['level']}; this one is kept in the history"
    if RANK[level] > RANK[later["level"]]:
        brings = f" or bring its review (due {record['review_due']}) to remind" if record["review_due"] else ""
        return (f"{said}: it does not change the current level ({later['level']}){brings}; if the {level} risk "
                f"stands, record it dated today: {again}")
    if later["review_due"]:
        return f"{said}: the level is {level} either way; remind brings that one's review, due {later['review_due']}"
    if level in ("moderate", "high"):
        return f"{said}, with no review date: remind will not ask for a review; {again} records one"
    return f"{said}: the level is {level} either way"


@app.command("assess")
def assess(
    client: ClientArg,
    level: Annotated[Level, typer.Option(case_sensitive=False, help="none, low, moderate or high.")],
    note: Annotated[Optional[str], typer.Option(metavar="TEXT", help="What the assessment found.")] = None,
    review_in: Annotated[Optional[int], typer.Option(metavar="DAYS",
                                                     help="Review the risk in DAYS days (1–366).")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a risk assessment (dated, audited; never changed: a later one supersedes it).

    It also answers every questionnaire risk flag dated before it, or the same day and entered before it. One dated (--on) before the
    current assessment is kept in the history but does not change the current level: a warning says so.

    Example: therapy risk assess morgan --level moderate --review-in 14 --note 'passive thoughts, no plan'
    """
    from therapy_cli import render
    from therapy_cli.clinical import risk
    from therapy_cli.practice import clients

    with database(write=True) as db:
        who = clients.find_client(db, client)
        record = risk.assess(db, who, level.value, note, review_in, parse_date_option(on, "--on"))
        later = risk.superseded_by(db, record)
        # a flag still up after it is dated after this assessment (--on an earlier day): it does not answer it
        listed = next((i for i in risk.register(db) if i["client_id"] == who["id"]), None)
        open_flag = listed["flag"] if listed else None
        label = clients.case_label(who)
        # a risk found in someone not in therapy or waiting today (discharged, or in it only through a
        # discharged couple, family or group) is kept, but nothing that follows the register will ask again
        unfollowed = record["level"] != "none" and later is None and listed is None
        # a member who finished through a couple, family or group is reopened with it (client reopen refuses them)
        # (and one who left a unit that goes on joins it again)
        again = f"therapy client reopen {who['id']}"
        if unfollowed and not who.get("died_on"):
            from therapy_cli.practice.state import state_of

            unit = (state_of(db, who["id"]) or {}).get("via_unit")
            if unit:
                again = (f"therapy client reopen {unit}" if db.get("clients", unit, "client")["status"] == "discharged"
                         else f"therapy client join {unit} {who['id']} --on DATE")
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Risk assessment #{record['id']} for {label}")
    if who["kind"] != "individual":   # recorded as asked: a family's safeguarding concern is theirs together
        render.warn(f"{label} is a {who['kind']}: the register will name the {who['kind']}, not who is at risk; "
                    "a person's risk is assessed on their own record (therapy risk assess MEMBER)")
    if unfollowed and who.get("died_on"):   # dated up to the death: history, with nothing to follow or reopen
        render.warn(f"{label} died on {who['died_on']}: this {record['level']} risk is kept in the history; the "
                    "risk register and remind follow only the living in therapy or waiting")
    elif unfollowed:
        render.warn(f"{label} is not in therapy or waiting today (discharged): this {record['level']} risk is kept in "
                    "the history, but the risk register and remind follow only clients in therapy or waiting; "
                    f"'{again}' if therapy goes on, else hand the risk on")
    if open_flag:
        render.warn(f"{_flag_text(open_flag)} is dated after this assessment ({record['assessed_on']}), which does "
                    "not answer it: it stays on the risk register and in remind until an assessment after it "
                    f"(therapy risk assess {who['id']})")
    if later is not None:
        # recorded as asked (history may be entered late), but the register, remind and the caseload read the
        # current level: a back-dated high behind today's none would otherwise go unseen
        render.warn(_superseded(record, later))
    elif record["level"] in ("moderate", "high") and record["review_due"] is None:
        # recorded as asked (a review date is optional), but nothing will ever bring this one back
        render.warn(f"no review date for a {record['level']} risk: remind will not ask for a review; "
                    f"'therapy risk assess {record['client_id']} --level {record['level']} --review-in DAYS' "
                    "records one with it")


@app.command("plan")
def plan(
    client: ClientArg,
    warning_signs: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Warning signs of a crisis.")] = None,
    coping: Annotated[Optional[str], typer.Option(metavar="TEXT", help="What the client can do to cope.")] = None,
    contacts: Annotated[Optional[str], typer.Option(metavar="TEXT",
                                                    help="People and professionals to contact.")] = None,
    crisis: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Crisis services (e.g. 111 option 2, "
                                                                       "Samaritans 116 123, 999).")] = None,
    means_safety: Annotated[Optional[str], typer.Option(metavar="TEXT",
                                                        help="Making the surroundings safe.")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Set the safety plan; a change adds a new version and keeps the old ones.

    Parts not given carry over from the current version ('' clears one).

    Example: therapy risk plan morgan --warning-signs 'not sleeping, withdrawing' --crisis 'NHS 111 option 2'
    """
    from therapy_cli import render
    from therapy_cli.clinical import risk
    from therapy_cli.practice import clients

    with database(write=True) as db:
        who = clients.find_client(db, client)
        record, added = risk.set_safety_plan(db, who, parse_date_option(on, "--on"), warning_signs=warning_signs,
                                             coping=coping, contacts=contacts, crisis=crisis,
                                             means_safety=means_safety)
        label = clients.case_label(who)
    if not added:
        render.message(f"The safety plan is unchanged (version {record['version']}); nothing was added.")
    render.emit(record, output_format(fmt, as_json, as_csv),
                title=f"Safety plan for {label} (version {record['version']})")


@app.command("show")
def show(client: ClientArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False,
         as_csv: CsvOpt = False) -> None:
    """Show the current risk level, any questionnaire flag, every assessment and the safety plan.

    Example: therapy risk show morgan
    """
    from therapy_cli import render
    from therapy_cli.clinical import risk
    from therapy_cli.practice import clients

    with database() as db:
        who = clients.find_client(db, client)
        data = risk.show(db, who["id"])
        label = clients.case_label(who)

    def table(d: dict) -> None:
        head = {"client": label, "level": d["level"] or "not assessed", "assessed_on": d["assessed_on"],
                "review_due": d["review_due"], "flag": _flag_text(d["flag"]) or None}
        render.write_record(head, title=f"Risk for {label}")
        if d["assessments"]:
            print()
            render.write_table(d["assessments"], risk.ASSESSMENT_COLUMNS, title="Assessments")
        if d["safety_plan"]:
            print()
            plan_view = {risk.PLAN_LABELS[k]: d["safety_plan"][k] for k in risk.PLAN_FIELDS}
            render.write_record({"version": d["safety_plan"]["version"], "set_on": d["safety_plan"]["set_on"],
                                 **plan_view}, title="Safety plan")

    out = output_format(fmt, as_json, as_csv)
    render.emit(data, out, table=table,
                csv_rows=lambda d: [{"client_id": d["client_id"], **a} for a in d["assessments"]],
                columns=["id", "client_id", "level", "assessed_on", "review_in_days", "review_due", "note"])
    left_out = [what for what, held in (("the questionnaire flag", data["flag"]),
                                        ("the safety plan", data["safety_plan"])) if held]
    if out == "csv" and left_out:   # a table of assessments: what it cannot hold is not silently missing
        render.warn(f"the CSV holds the assessments only; {' and '.join(left_out)} "
                    f"{'are' if len(left_out) > 1 else 'is'} in the table and --json")


@app.command("list")
def list_(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """The risk register: every active or waiting client with a level above none or a questionnaire
    risk item not yet followed by an assessment; highest level first.

    Example: therapy risk list --json
    """
    from therapy_cli import render
    from therapy_cli.clinical import risk

    with database() as db:
        items = risk.register(db)
    shape = output_format(fmt, as_json, as_csv)
    if shape == "json":
        render.emit(items, shape)
        return
    rows = [{**i, "flag": _flag_text(i["flag"])} for i in items]
    if shape == "csv":   # never assessed: an empty cell, as JSON's null (words are for the table)
        render.emit(rows, shape, columns=risk.REGISTER_COLUMNS)
        return
    rows = [{**r, "level": r["level"] or "not assessed"} for r in rows]
    if not rows:
        render.message("No one on the risk register.")
        return
    render.write_table(rows, risk.REGISTER_COLUMNS, title="Risk register",
                       headers={"client_id": "id", "flag": "questionnaire flag (not yet assessed)"})
