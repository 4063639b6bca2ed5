"""Cases brought to supervision, pseudonymised.

What is in a case: `#id A.M.`, an age band, the kind of case, weeks in therapy,
attendance, the plan's modality and goals, score trajectories by week of
therapy, and the current risk level. What never is: a name, a date of birth,
a date (scores are placed by week of therapy, not by day), contact details or
note text.
"""

from __future__ import annotations

import html
from datetime import date

from therapy_cli.reports.markdown_text import inline as _md
from therapy_cli.storage.db import Database

AGE_BANDS = [(0, 17, "under 18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 54, "45-54"), (55, 64, "55-64"), (65, 200, "65 and over")]


def age_band(date_of_birth: str | None, today: date) -> str:
    if not date_of_birth:
        return "not recorded"
    born = date.fromisoformat(date_of_birth)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _risk_level(db: Database, client_id: int) -> str:
    """The clinician's latest risk assessment, and a questionnaire risk item not yet followed by one."""
    from therapy_cli.clinical import risk

    text = risk.current_level(db, client_id) or "not assessed"
    if risk.questionnaire_flag(db, client_id):
        text += " (questionnaire risk item scored since; assess)"
    return text


def case(db: Database, client: dict) -> dict:
    """One pseudonymised case summary."""
    from therapy_cli.clinical.measures import series
    from therapy_cli.clinical.plans import current_plan
    from therapy_cli.practice.clients import case_label
    from therapy_cli.practice.state import presence_of, state_of

    today = db.today
    cid = client["id"]
    # every session the person was at, their own and their couple's, family's or group's, and where they stand
    # today (practice/state.py), as client show counts them: a group member is in therapy through the group
    at = {"person": cid, "today": today.isoformat()}
    counts = {row["status"]: row["n"] for row in db.query(
        f"SELECT status, count(*) AS n FROM {presence_of(':person')} WHERE local_date <= :today GROUP BY status",
        at)}
    first = db.scalar(f"SELECT min(local_date) FROM {presence_of(':person')} WHERE status = 'attended' "
                      "AND local_date <= :today", at)
    state = state_of(db, cid) or {}
    status = state.get("status") or client["status"]
    discharged_on = state.get("discharged_on") or client.get("discharged_on")
    end = today
    if status == "discharged" and discharged_on and discharged_on <= today.isoformat():
        end = date.fromisoformat(discharged_on)
    weeks = (end - date.fromisoformat(first)).days // 7 if first else None
    attended, dna = counts.get("attended", 0), counts.get("dna", 0)
    plan = current_plan(db, cid)
    start = date.fromisoformat(first) if first else None
    trajectories = {}
    for name, points in series(db, cid).items():
        shown = []
        for point in points:
            if point["taken_on"] > today.isoformat():
                continue
            week = (date.fromisoformat(point["taken_on"]) - start).days // 7 if start else None
            shown.append({"week": week, "score": point["score"]})
        if shown:
            trajectories[name] = shown
    # the members belonging on the last day counted (today, or the discharge), as `client list` counts them: not
    # every membership ever held (one who left, or left and rejoined, is not a member twice over)
    members = db.scalar("SELECT count(DISTINCT member_id) FROM memberships WHERE unit_id = ? "
                        "AND coalesce(joined_on, '') <= ? AND coalesce(left_on, '9999') >= ?",
                        (cid, end.isoformat(), end.isoformat())) if client["kind"] != "individual" else None
    return {
        "case": case_label(client),
        "kind": client["kind"],
        "members": members,
        "age_band": age_band(client.get("date_of_birth"), today) if client["kind"] == "individual" else None,
        "status": status,
        "weeks_in_therapy": weeks,
        "attendance": {"attended": attended, "dna": dna, "cancelled": counts.get("cancelled", 0),
                       "late_cancelled": counts.get("late-cancelled", 0),
                       "attendance_rate": round(attended / (attended + dna), 4) if attended + dna else None},
        "modality": plan["modality"] if plan else None,
        "sessions_planned": plan["sessions_planned"] if plan else None,
        "goals": [{"goal": g["text"], "latest_rating": g["latest_score"], "closed": bool(g["closed_on"])}
                  for g in (plan["goals"] if plan else [])],
        "scores": trajectories,
        "risk": _risk_level(db, cid),
    }


def pack(db: Database, clients: list[dict]) -> dict:
    return {"written_on": db.today.isoformat(), "cases": [case(db, c) for c in clients]}


def _goal_text(goal: dict) -> str:
    rating = "" if goal["latest_rating"] is None else f" (latest rating {goal['latest_rating']}/10)"
    return f"{goal['goal']}{rating}{' - closed' if goal['closed'] else ''}"


def _facts(item: dict) -> list[tuple[str, str]]:
    a = item["attendance"]
    rate = "n/a" if a["attendance_rate"] is None else f"{round(100 * a['attendance_rate'])}%"
    facts = [("Kind", item["kind"] + (f" ({item['members']} members)" if item["members"] else ""))]
    if item["age_band"]:
        facts.append(("Age band", item["age_band"]))
    facts += [("Status", item["status"]),
              ("Weeks in therapy", "not yet started" if item["weeks_in_therapy"] is None
               else str(item["weeks_in_therapy"])),
              ("Attendance", f"{a['attended']} attended, {a['dna']} DNA, {a['cancelled']} cancelled, "
                             f"{a['late_cancelled']} late-cancelled ({rate} of appointments kept)"),
              ("Modality", item["modality"] or "no plan"),
              ("Risk", item["risk"])]
    return facts


def _trajectory(points: list[dict]) -> str:
    return ", ".join(f"week {p['week']}: {p['score']:g}" if p["week"] is not None else f"{p['score']:g}"
                     for p in points)


def markdown(data: dict) -> str:
    lines = ["# Cases for supervision", "",
             f"Written {data['written_on']}. Pseudonymised: no names, dates of birth, dates or note text.", ""]
    for item in data["cases"]:
        lines += [f"## {item['case']}", "", "| | |", "| --- | --- |"]
        lines += [f"| {k} | {v.replace('|', '/')} |" for k, v in _facts(item)]
        lines.append("")
        if item["goals"]:
            lines += ["Goals:", ""] + [f"- {_md(_goal_text(g))}" for g in item["goals"]] + [""]
        if item["scores"]:
            lines += ["Scores by week of therapy:", ""]
            lines += [f"- {name}: {_trajectory(points)}" for name, points in item["scores"].items()] + [""]
    return "\n".join(lines)


def html_page(data: dict) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           "<title>Cases for supervision</title>",
           "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}"
           "th{text-align:left;padding-right:1em}</style></head><body>",
           "<h1>Cases for supervision</h1>",
           f"<p>Written {e(data['written_on'])}. Pseudonymised: no names, dates of birth, dates or note text.</p>"]
    for item in data["cases"]:
        out += [f"<h2>{e(item['case'])}</h2>", "<table>"]
        out += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _facts(item)]
        out.append("</table>")
        if item["goals"]:
            out += ["<p>Goals:</p>", "<ul>"] + [f"<li>{e(_goal_text(g))}</li>" for g in item["goals"]] + ["</ul>"]
        if item["scores"]:
            out += ["<p>Scores by week of therapy:</p>", "<ul>"]
            out += [f"<li>{e(name)}: {e(_trajectory(points))}</li>" for name, points in item["scores"].items()]
            out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_pack(db: Database, clients: list[dict], output: str) -> dict:
    """Write the pack (.md or .html, mode 0600)."""
    from therapy_cli.reports.client_report import format_of
    from therapy_cli.storage.files import write_private

    kind = format_of(output)
    data = pack(db, clients)
    text = markdown(data) if kind == "markdown" else html_page(data)
    path = write_private(output, text)
    return {"path": str(path), "format": kind, "cases": [c["case"] for c in data["cases"]]}
