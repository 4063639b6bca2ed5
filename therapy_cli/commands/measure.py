"""`therapy measure`: outcome questionnaires (PHQ-9, GAD-7, CORE-10, WSAS, ORS, SRS)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    in_range, CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)

app = typer.Typer(help="Outcome questionnaires: PHQ-9, GAD-7, CORE-10, WSAS, ORS, SRS.", no_args_is_help=True)

ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")]
INSTRUMENT_HELP = "PHQ-9, GAD-7, CORE-10, WSAS, ORS or SRS (case-insensitive, hyphen optional)."


@app.command("add")
def add(
    client: ClientArg,
    instrument: Annotated[str, typer.Argument(metavar="INSTRUMENT", help=INSTRUMENT_HELP)],
    items: Annotated[Optional[str], typer.Option(
        "--items", metavar="N,N,...", help="Each item's score, in questionnaire order (reversed items as ticked).")] = None,
    score: Annotated[Optional[str], typer.Option("--score", metavar="N", help="The total, when items were not kept.")] = None,
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE",
                                              help="Date completed (default: the session's date, else today).")] = None,
    session: Annotated[Optional[str], typer.Option(
        "--session", metavar="ID|last",
        help="The session it was completed at: its id, or 'last' (the client's latest attended by today).")] = None,
    again: Annotated[bool, typer.Option(
        "--again", help="Completed a second time that day with the same answers (otherwise refused as a "
                        "repeat of the command).")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a questionnaire: the items (checked and scored) or a total (checked).

    A PHQ-9 with item 9, or a CORE-10 with item 6, above 0 is flagged on stderr,
    on `client show` and on the risk register (`therapy risk list`) until a risk
    assessment after it (`therapy risk assess`): dated later, or the same day and entered after it.

    Example: therapy measure add morgan phq9 --items 2,2,1,3,1,2,1,0,1 --session last
    Example: therapy measure add 3 GAD-7 --score 11 --on 2026-11-20
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import measures, risk

    with database(write=True) as db:
        who = clients.find_client(db, client)
        record = measures.add_measure(db, who, instrument, items=items, score=score,
                                      on=parse_date_option(on, "--on"),
                                      session_id=measures.session_option(db, who["id"], session), again=again)
        label = clients.case_label(who)
        answered, earlier = risk.answer_of(db, record["id"]) if record["risk"] else (None, None)
        baseline = measures.new_baseline(db, who, record)
    if baseline:
        render.warn(f"this {record['instrument']} of {record['taken_on']}, before the referral on "
                    f"{who['referred_on']}, is now {label}'s first: progress and recovery start from it; if the "
                    f"date is wrong, 'therapy measure remove {record['id']}' and add it again")
    if who["kind"] != "individual":   # recorded as asked; the questionnaires are a person's own
        render.warn(f"{label} is a {who['kind']}: {record['instrument']} is answered by one person; record each "
                    f"member's own (therapy measure add MEMBER {record['instrument']} ...)")
    if record["risk"]:
        from therapy_cli.clinical.instruments import get_instrument

        inst = get_instrument(record["instrument"])
        said = f"{inst.name} item {inst.risk_item} ({inst.risk_wording}) scored {record['risk']} for {label}"
        if answered:   # entered late, behind an assessment dated after it
            render.warn(f"{said} on {record['taken_on']}: answered by the risk assessment of "
                        f"{answered['assessed_on']} (level {answered['level']}), made after it")
        else:
            render.warn(f"{said}: review risk (therapy risk assess {record['client_id']})"
                        + (f"; the risk assessment of {earlier['assessed_on']} (level {earlier['level']}) was "
                           "entered before this questionnaire and does not answer it" if earlier else ""))
    render.emit(record, output_format(fmt, as_json, as_csv),
                title=f"{record['instrument']} #{record['id']} for {label}")


@app.command("list")
def list_(
    client: ClientArg,
    instrument: Annotated[Optional[str], typer.Option("--instrument", "-i", help="Only this instrument.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List a client's measures, oldest first.

    Example: therapy measure list morgan --instrument phq9
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import measures

    with database() as db:
        rows = measures.list_measures(db, clients.find_client(db, client)["id"], instrument)
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=measures.MEASURE_COLUMNS,
                headers={"risk": "risk item"})


@app.command("progress")
def progress(client: ClientArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False,
             as_csv: CsvOpt = False) -> None:
    """First score against last for each instrument, and recovery by NHS Talking Therapies rules.

    Example: therapy measure progress morgan --json
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import measures

    from therapy_cli.practice.state import state_of

    with database() as db:
        who = clients.find_client(db, client)
        state = state_of(db, who["id"]) or {}
        ended = state.get("status") == "discharged"   # no "so far" once therapy is over
        # judged as `report client` and `report outcomes` judge it: over the scores up to the discharge; a
        # follow-up score taken after it is listed (measure list) but does not change the verdict
        until = state.get("discharged_on") if ended else None
        result = measures.progress(db, who["id"], until)
        after = sum(1 for points in measures.series(db, who["id"]).values() for point in points
                    if until and until < point["taken_on"] <= db.today.isoformat())

    def rows(data: dict) -> list[dict]:
        return [{"instrument": name, **row} for name, row in data["instruments"].items()]

    def csv_rows(data: dict) -> list[dict]:
        # a row per instrument, then the client's NHS Talking Therapies verdict as an `overall` row (the
        # columns the JSON has at its top level); yes/no, as the reports' CSV says it
        listed = rows(data)
        if listed:
            listed.append({"instrument": "overall", **{key: data[key] for key in VERDICT}})
        return [{k: render.cell(v) if isinstance(v, bool) else v for k, v in row.items()} for row in listed]

    def table(data: dict) -> None:
        if data["instruments"]:
            render.write_table(rows(data), title=f"Progress, client #{data['client_id']}")
        for line in measures.progress_in_words(data, ended):
            print(line)
        if after:
            print(f"{after} score{'s' if after > 1 else ''} taken after therapy ended on {until} "
                  f"{'are' if after > 1 else 'is'} not counted in the change (measure list shows "
                  f"{'them' if after > 1 else 'it'}).")

    render.emit(result, output_format(fmt, as_json, as_csv), table=table, csv_rows=csv_rows,
                columns=["instrument", "first", "last", "change", "reliable_improvement", "reliable_deterioration",
                         "caseness_start", "caseness_end", "recovered", "reliable_recovery", "finished_course"])


VERDICT = ("reliable_improvement", "reliable_deterioration", "recovered", "reliable_recovery", "finished_course")


@app.command("chart")
def chart(
    client: ClientArg,
    instrument: Annotated[Optional[str], typer.Argument(metavar="[INSTRUMENT]",
                                                        help="One instrument (default: each one taken).")] = None,
    width: Annotated[int, typer.Option(help="Chart width in characters, 20 to 200.")] = 60,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Chart scores over time in the terminal: dates along, score up, the caseness cut-off drawn.

    Example: therapy measure chart morgan phq9
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.clinical import measures

    in_range(width, "--width", 20, 200)
    with database() as db:
        who = clients.find_client(db, client)
        data = measures.chart_data(db, who["id"], instrument)
        label = clients.case_label(who)

    def rows(result: dict) -> list[dict]:
        return [{"instrument": name, **point} for name, s in result["series"].items() for point in s["points"]]

    def table(result: dict) -> None:
        if not result["series"]:
            what = f"{measures.get_instrument(instrument).name} scores" if instrument else "measures"
            render.message(f"No {what} recorded for {label}")  # the label ends 'A.M.': no second full stop
            return
        print(measures.chart_text(result, width=width, unicode=render.fancy(), who=label))

    render.emit(data, output_format(fmt, as_json, as_csv), table=table, csv_rows=rows,
                columns=["instrument", "taken_on", "score"])


@app.command("remove")
def remove(
    measure_id: Annotated[int, typer.Argument(metavar="ID", help="The measure's id (see `therapy measure list`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Delete a measure entered in error (asks first; --yes to skip); the audit log keeps that it was removed.

    Example: therapy measure remove 17 --yes
    """
    from therapy_cli import render
    from therapy_cli.clinical import measures, risk

    from therapy_cli.practice.clients import case_label

    with database() as db:
        found = measures.get_measure(db, measure_id)
        # which one, so a mistyped id is seen before another client's score goes (and its risk item with it)
        item = measures.get_instrument(found["instrument"]).risk_item
        what = (f"{found['instrument']} of {case_label(db.get('clients', found['client_id'], 'client'))} on "
                f"{found['taken_on']}, score {found['score']:g}"
                + (f", risk item {item} = {found['risk']}" if found.get("risk") else ""))
    # Ask outside the write transaction: never hold the lock while a person decides.
    confirm(f"Delete measure #{measure_id} ({what})?", yes)
    with database(write=True) as db:
        on_register = [i for i in risk.register(db) if i["client_id"] == found["client_id"]] if found.get("risk") else []
        record = measures.remove_measure(db, measure_id)
        left = risk.left_register(db, on_register)
    render.message(f"Removed measure #{measure_id} ({what})")
    for entry in left:   # the questionnaire was the only reason they were on it
        render.warn(f"{risk.register_text(entry)} leaves the risk register and remind with this questionnaire")
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"{record['instrument']} #{record['id']}")


@app.command("instruments")
def instruments(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """The questionnaires known, with items, ranges, bands, cut-offs and sources.

    Example: therapy measure instruments --json
    """
    from therapy_cli import render
    from therapy_cli.clinical import instruments as known

    data = [known.describe(inst) for inst in known.INSTRUMENTS]
    render.emit(data, output_format(fmt, as_json, as_csv),
                columns=["name", "item_count", "item_range", "reversed_items", "total_range", "caseness",
                         "reliable_change", "source"])
