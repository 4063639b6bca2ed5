"""An end-of-therapy or progress report a practitioner could send to a referrer.

Markdown (with a text chart) or one self-contained HTML page (inline SVG chart
and CSS, no scripts, no external links; prints on A4). Written 0600 through
files.write_private.
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

from therapy_cli.storage.db import Database
from therapy_cli.errors import InvalidValue
from therapy_cli.reports.markdown_text import inline as _md

MODALITY_NAMES = {"cbt": "Cognitive behavioural therapy (CBT)", "psychodynamic": "Psychodynamic therapy",
                  "psychoanalytic": "Psychoanalytic psychotherapy", "humanistic": "Humanistic therapy",
                  "integrative": "Integrative therapy", "systemic": "Systemic therapy", "hypno": "Hypnotherapy",
                  "constructivist": "Constructivist therapy", "other": "Other"}
CHARTED = ("PHQ-9", "GAD-7", "CORE-10", "WSAS", "ORS")
COLOURS = {"PHQ-9": "#1f5fa8", "GAD-7": "#b3541e", "CORE-10": "#2e7d32", "WSAS": "#6a1b9a", "ORS": "#00838f"}


def format_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".html", ".htm"):
        return "html"
    raise InvalidValue(f"--output {path!r} must end in .md (Markdown) or .html (HTML)")


def gather(db: Database, client: dict) -> dict:
    """Everything the report says, as plain data."""
    from therapy_cli.clinical import measures
    from therapy_cli.clinical import plans
    from therapy_cli.clinical import risk
    from therapy_cli.practice.clients import client_record, members_of, refuse_erased

    # an erased stub has no sessions or scores left: a report of "0 attended, no questionnaires" would mislead
    refuse_erased(client, "their records are gone and there is nothing to report")
    cid = client["id"]
    record = client_record(db, cid)
    referrer = None
    if record["referred_by"]:
        referrer = db.one("SELECT name, role, org FROM contacts WHERE id = ?", (record["referred_by"],))
    # every session the person was at, their own and their units' (practice/state.py)
    from therapy_cli.practice.state import presence_of

    # as at the report's day (`--today` replays one): what happened up to it, and what is still booked
    today = db.today.isoformat()
    at = (f"SELECT p.status, p.type, p.local_date, s.mode FROM {presence_of('?')} p "
          "JOIN sessions s ON s.id = p.session_id WHERE p.status = 'scheduled' OR p.local_date <= ?")
    sessions = db.query(at, (cid, cid, today))
    attended = [r for r in sessions if r["status"] == "attended"]
    counts: dict[str, int] = {}
    by_type: dict[str, int] = {}
    modes: dict[str, int] = {}
    for r in sessions:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    for r in attended:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        modes[r["mode"]] = modes.get(r["mode"], 0) + 1
    days = sorted(r["local_date"] for r in attended)
    treatments = sorted(r["local_date"] for r in attended if r["type"] == "treatment")
    span = {"first": days[0] if days else None, "last": days[-1] if days else None,
            "first_treatment": treatments[0] if treatments else None}
    plan = plans.current_plan(db, cid)
    goals = []
    for goal in db.query("SELECT id, text, created_on, closed_on FROM goals WHERE client_id = ? AND created_on <= ? "
                         "ORDER BY id", (cid, today)):
        ratings = db.query("SELECT rated_on, score FROM goal_ratings WHERE goal_id = ? AND rated_on <= ? "
                           "ORDER BY rated_on, id", (goal["id"], today))
        if goal["closed_on"] and goal["closed_on"] > today:
            goal["closed_on"] = None
        goals.append({**goal, "first": ratings[0] if ratings else None, "last": ratings[-1] if ratings else None,
                      "ratings": len(ratings)})
    rows = [m for m in measures.list_measures(db, cid) if m["taken_on"] <= today]
    # An end-of-therapy report judges change as `report outcomes` does: over the scores up to the
    # discharge; a later (follow-up) score is listed but not counted.
    until = record["discharged_on"] if record["status"] == "discharged" else today
    progress = measures.progress(db, cid, until)
    after = sum(1 for m in rows if m["taken_on"] > until)
    counted = {name: sum(1 for m in rows if m["instrument"] == name and m["taken_on"] <= until)
               for name in progress["instruments"]}
    in_words = _in_words(progress, counted, record["status"] == "discharged") if progress["instruments"] else []
    members = members_of(db, cid) if record["kind"] != "individual" else []
    # as at the report's day: a member who joined later is not yet one, and a leaving day still to come is not known
    members = [{**m, "left_on": m["left_on"] if m["left_on"] and m["left_on"] <= today else None}
               for m in members if not m["joined_on"] or m["joined_on"] <= today]
    member_rows = _members_scores(db, cid, members, until)
    in_words += _members_in_words(member_rows)
    rows = rows + member_rows
    if after:
        in_words.append(f"{after} score{'s' if after > 1 else ''} taken after therapy ended on {until} "
                        f"{'are' if after > 1 else 'is'} listed above but not counted in the change.")
    return {
        "client": record,
        "members": members,
        "referrer": referrer,
        "practitioner": db.setting("practitioner.name") or "",
        "today": db.today.isoformat(),
        "ended": record["status"] == "discharged",
        "attendance": {"attended": counts.get("attended", 0), "dna": counts.get("dna", 0),
                       "cancelled": counts.get("cancelled", 0), "late_cancelled": counts.get("late-cancelled", 0),
                       "scheduled": counts.get("scheduled", 0), "first": span["first"], "last": span["last"],
                       "first_treatment": span["first_treatment"],
                       "by_type": by_type, "by_mode": modes},
        "plan": plan,
        "goals": goals,
        "measures": rows,
        "progress": progress,
        "in_words": in_words,
        "risk": risk.current(db, cid),
        "risk_flag": risk.questionnaire_flag(db, cid),
    }


def _in_words(progress: dict, counted: dict[str, int], ended: bool = False) -> list[str]:
    """measures.progress_in_words, except that one score is never described as a change (`ended`: therapy is
    over, discharged)."""
    from therapy_cli.clinical import measures

    single = {name for name, n in counted.items() if n == 1}
    several = {k: v for k, v in progress["instruments"].items() if k not in single}
    lines = [f"{name}: a single score ({_num(progress['instruments'][name]['first'])}); "
             "change needs at least two." for name in progress["instruments"] if name in single]
    unjudged = "Overall: not yet judged (a single PHQ-9 or GAD-7 score so far)."
    if ended:
        # therapy is over: judged as `report outcomes` judges it, a single score counting as unchanged
        overall = measures.progress_in_words(progress, ended)[-1]
        unjudged = f"{overall[:-1]} (a single PHQ-9 or GAD-7 score counts as unchanged, as in report outcomes)."
    if several:
        lines = measures.progress_in_words({**progress, "instruments": several}, ended) + lines
        if not any(name in several for name in measures.PAIRED) and any(name in single for name in measures.PAIRED):
            lines = [line for line in lines if not line.startswith("No PHQ-9 or GAD-7")]
            lines.append(unjudged)
    elif any(name in single for name in measures.PAIRED):
        lines.append(unjudged)
    return lines


def _members_scores(db: Database, unit_id: int, members: list[dict], until: str) -> list[dict]:
    """Members' own questionnaires taken at the unit's sessions by `until`, each marked with the member's
    name."""
    from therapy_cli.clinical.measures import measure_record

    if not members:
        return []
    names = {m["id"]: m["name"] for m in members}
    rows = db.query(
        f"SELECT m.* FROM measures m JOIN sessions s ON s.id = m.session_id WHERE s.client_id = ? "
        f"AND m.client_id IN ({','.join('?' * len(names))}) AND m.taken_on <= ? "
        "ORDER BY m.client_id, m.taken_on, m.id", [unit_id, *names, until])
    return [{**measure_record(r), "member": names[r["client_id"]]} for r in rows]


def _members_in_words(rows: list[dict]) -> list[str]:
    """`Ann Lee, PHQ-9: 14 → 8, fell 6 points.` per member and instrument; one score is not a change."""
    from therapy_cli.clinical.instruments import get_instrument, reliable_direction

    series: dict[tuple, list[float]] = {}
    for row in rows:
        series.setdefault((row["member"], row["instrument"]), []).append(row["score"])
    lines = []
    for (member, name), scores in series.items():
        if len(scores) == 1:
            lines.append(f"{member}, {name}: a single score ({_num(scores[0])}); change needs at least two.")
            continue
        first, last = scores[0], scores[-1]
        direction = reliable_direction(get_instrument(name), first, last)
        change = round(abs(last - first), 1)
        moved = "unchanged" if last == first else \
            f"{'fell' if last < first else 'rose'} {_num(change)} point{'' if change == 1 else 's'}"
        reliable = {"improved": "; a reliable improvement", "deteriorated": "; a reliable deterioration"}.get(
            direction or "", "")
        lines.append(f"{member}, {name}: {_num(first)} → {_num(last)}, {moved}{reliable}.")
    return lines


def _measure_label(row: dict) -> str:
    return f"{row['instrument']} ({row['member']})" if row.get("member") else row["instrument"]


def _series(data: dict) -> dict[str, list[tuple[date, float]]]:
    series: dict[str, list[tuple[date, float]]] = {}
    for row in data["measures"]:
        if row["instrument"] in CHARTED and not row.get("member"):
            series.setdefault(row["instrument"], []).append((date.fromisoformat(row["taken_on"]), row["score"]))
    return series


def _facts(data: dict) -> list[tuple[str, str]]:
    c, a = data["client"], data["attendance"]
    facts = [("Client", c["name"] + (f" ({c['kind']})" if c["kind"] != "individual" else ""))]
    if c["date_of_birth"]:
        facts.append(("Date of birth", c["date_of_birth"]))
    if data["members"]:
        facts.append(("Members", ", ".join(_member(m) for m in data["members"])))
    referral = c["referred_on"] or "not recorded"
    if c["referral_source"]:
        referral += f", {c['referral_source']}"
    if data["referrer"]:
        r = data["referrer"]
        referral += " (" + ", ".join(x for x in (r["name"], r["role"], r["org"]) if x) + ")"
    facts.append(("Referral", referral))
    facts.append(("First session", a["first"] or "none yet"))
    facts.append(("Last session", a["last"] or "none yet"))
    if c["discharged_on"]:
        facts.append(("Therapy ended", c["discharged_on"] + (f" ({c['discharge_reason']})"
                                                            if c["discharge_reason"] else "")))
    if c["referred_on"] and a["first"]:
        wait = (date.fromisoformat(a["first"]) - date.fromisoformat(c["referred_on"])).days
        facts.append(("Wait from referral to first session", f"{wait} days"))
    if c["referred_on"] and a.get("first_treatment") and a["first_treatment"] != a["first"]:
        # NHS Digital's clock runs to the first attended treatment session; an assessment does not stop it
        wait = (date.fromisoformat(a["first_treatment"]) - date.fromisoformat(c["referred_on"])).days
        facts.append(("Wait from referral to first treatment session", f"{wait} days"))
    plan = data["plan"]
    if plan:
        text = MODALITY_NAMES.get(plan["modality"], plan["modality"])
        if plan.get("approach"):
            text += f" ({plan['approach']})"
        facts.append(("Therapy", text))
        if plan.get("sessions_planned"):
            facts.append(("Sessions planned", str(plan["sessions_planned"])))
        problems = plan.get("problems") or []
        if isinstance(problems, str):
            problems = json.loads(problems)
        if problems:
            facts.append(("Presenting problems", "; ".join(problems)))
    attended = a["attended"]
    parts = [f"{attended} attended"] + [f"{a[k]} {label}" for k, label in
                                        (("dna", "not attended (DNA)"), ("cancelled", "cancelled"),
                                         ("late_cancelled", "cancelled late"), ("scheduled", "booked"))
                                        if a[k]]
    facts.append(("Sessions", ", ".join(parts)))
    facts.append(("Current risk level", _risk_fact(data.get("risk"), data.get("risk_flag"))))
    if a["by_mode"]:
        facts.append(("Held", ", ".join(f"{n} {mode}" for mode, n in sorted(a["by_mode"].items()))))
    return facts


def _risk_fact(assessment: dict | None, flag: dict | None = None) -> str:
    """`low (assessed 2026-11-20; review due 2026-12-18)`, or `not assessed`; and a questionnaire risk item
    scored since (`; PHQ-9 item 9 = 2 on 2026-11-25, not yet assessed`), which the level does not reflect."""
    since = (f"; {flag['instrument']} item {flag['item']} = {flag['score']} on {flag['taken_on']}, not yet assessed"
             if flag else "")
    if assessment is None:
        return "not assessed" + since
    review = f"; review due {assessment['review_due']}" if assessment["review_due"] else ""
    return f"{assessment['level']} (assessed {assessment['assessed_on']}{review}){since}"


def _member(m: dict) -> str:
    """`Name`, or `Name (joined 2026-10-01, left 2026-11-05)`: a group's membership changes."""
    when = [f"{label} {m[key]}" for label, key in (("joined", "joined_on"), ("left", "left_on")) if m.get(key)]
    return m["name"] + (f" ({', '.join(when)})" if when else "")


def _goal_lines(data: dict) -> list[str]:
    out = []
    for goal in data["goals"]:
        if goal["first"] is None:
            rated = "not yet rated"
        elif goal["ratings"] == 1:
            rated = f"rated {goal['first']['score']}/10 on {goal['first']['rated_on']}"
        else:
            rated = (f"{goal['first']['score']}/10 ({goal['first']['rated_on']}) → "
                     f"{goal['last']['score']}/10 ({goal['last']['rated_on']})")
        closed = f"; closed {goal['closed_on']}" if goal["closed_on"] else ""
        out.append(f"{goal['text']}: {rated}{closed}")
    return out


def _title(data: dict) -> str:
    return "End-of-therapy report" if data["ended"] else "Progress report"


def _num(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


# -- Markdown -----------------------------------------------------------------

def _stop(text: str) -> str:
    """A full stop after `text`, unless it ends with one already (`Jo Smith, UKCP reg.`)."""
    return "" if text.endswith(".") else "."


def markdown(data: dict) -> str:
    from therapy_cli.reports import charts
    from therapy_cli.clinical.instruments import get_instrument

    lines = [f"# {_title(data)}: {_md(data['client']['name'])}", ""]
    by = f" by {_md(data['practitioner'])}" if data["practitioner"] else ""
    lines += [f"Written {data['today']}{by}{_stop(by)} Confidential: for the referrer and the client's care.", ""]
    lines += ["| | |", "| --- | --- |"]
    lines += [f"| {k} | {_md(v).replace('|', '/')} |" for k, v in _facts(data)]
    lines.append("")
    goals = _goal_lines(data)
    if goals:
        lines += ["## Goals", ""] + [f"- {_md(g)}" for g in goals] + [""]
    lines += ["## Outcome measures", ""]
    if not data["measures"]:
        lines += ["No questionnaires were recorded.", ""]
    else:
        lines += ["| Date | Measure | Score | Severity |", "| --- | --- | --- | --- |"]
        lines += [f"| {m['taken_on']} | {_md(_measure_label(m)).replace('|', '/')} | {_num(m['score'])} | "
                  f"{m['severity'] or ''} |"
                  for m in data["measures"]]
        lines.append("")
        for name, points in _series(data).items():
            inst = get_instrument(name)
            lines += ["```", charts.line_chart(points, inst.total_min, inst.total_max, cutoff=inst.caseness_cutoff,
                                               cutoff_label="caseness threshold" if inst.caseness_cutoff else None,
                                               title=f"{name} ({'higher is better' if inst.higher_is_better else 'lower is better'})",
                                               width=50, height=10), "```", ""]
        lines += ["## Change", ""] + [f"- {_md(w)}" for w in data["in_words"]] + [""]
        lines += [_rules_note(), ""]
    return "\n".join(lines)


def _rules_note() -> str:
    return ("Reliable change and recovery follow the NHS Talking Therapies rules: caseness PHQ-9 ≥ 10, "
            "GAD-7 ≥ 8; a reliable change is at least 6 points on the PHQ-9 and 4 on the GAD-7 "
            "(CORE-10: caseness ≥ 11, reliable change ≥ 6, Barkham et al. 2013), first score against last.")


# -- HTML -----------------------------------------------------------------------

def svg_chart(series: dict[str, list[tuple[date, float]]], width: int = 640, height: int = 280) -> str:
    """One SVG line chart, each instrument as a share of its maximum, with its caseness line dashed."""
    from therapy_cli.clinical.instruments import get_instrument

    if not series:
        return ""
    left, right, top, bottom = 48, 130, 16, 36
    days = [d for points in series.values() for d, _ in points]
    first, last = min(days), max(days)
    span = max(1, (last - first).days)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + (day - first).days / span * plot_w

    def y(share: float) -> float:
        return top + (1 - share) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="Questionnaire scores over time">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>']
    for tick in (0, 25, 50, 75, 100):
        ty = y(tick / 100)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="10" text-anchor="end">{tick}%</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11">{first.isoformat()}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 8}" font-size="11" text-anchor="end">'
                 f'{last.isoformat()}</text>')
    for n, (name, points) in enumerate(series.items()):
        inst = get_instrument(name)
        colour = COLOURS.get(name, "#333")
        scale = float(inst.total_max - inst.total_min) or 1.0

        def share(v: float) -> float:
            return (v - inst.total_min) / scale

        coords = " ".join(f"{x(d):.1f},{y(share(v)):.1f}" for d, v in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for d, v in points:
            parts.append(f'<circle cx="{x(d):.1f}" cy="{y(share(v)):.1f}" r="3" fill="{colour}">'
                         f'<title>{name} {_num(v)} on {d.isoformat()}</title></circle>')
        if inst.caseness_cutoff is not None:
            cy = y(share(inst.caseness_cutoff))
            parts.append(f'<line x1="{left}" y1="{cy:.1f}" x2="{left + plot_w}" y2="{cy:.1f}" stroke="{colour}" '
                         f'stroke-dasharray="4 3" stroke-opacity="0.6"/>')
        ly = top + 14 + n * 34
        parts.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 26}" y="{ly}" font-size="11">{html.escape(name)} '
                     f'(0–{inst.total_max:g})</text>')
        if inst.caseness_cutoff is not None:
            parts.append(f'<text x="{left + plot_w + 26}" y="{ly + 13}" font-size="10" fill="#555">'
                         f'- - caseness {inst.caseness_cutoff:g}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 2em auto; color: #111;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
th, td { border-bottom: 1px solid #ccc; text-align: left; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #f3f3f3; } .facts th { width: 16em; background: none; font-weight: normal; color: #444; }
.meta, .rules { color: #444; font-size: 0.9em; } svg { max-width: 100%; height: auto; }
@media print { body { margin: 0; max-width: none; font-size: 10.5pt; } @page { size: A4; margin: 18mm; }
  h2, table, svg { page-break-inside: avoid; } }
"""


def html_page(data: dict) -> str:
    e = html.escape
    title = f"{_title(data)}: {data['client']['name']}"
    by = f" by {e(data['practitioner'])}" if data["practitioner"] else ""
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title>", f"<style>{_CSS}</style></head><body>",
           f"<h1>{e(title)}</h1>",
           f'<p class="meta">Written {e(data["today"])}{by}{_stop(by)} Confidential: for the referrer and the '
           'client\'s care.</p>',
           '<table class="facts">']
    out += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _facts(data)]
    out.append("</table>")
    goals = _goal_lines(data)
    if goals:
        out += ["<h2>Goals</h2>", "<ul>"] + [f"<li>{e(g)}</li>" for g in goals] + ["</ul>"]
    out.append("<h2>Outcome measures</h2>")
    if not data["measures"]:
        out.append("<p>No questionnaires were recorded.</p>")
    else:
        out.append(svg_chart(_series(data)))
        out += ["<table><tr><th>Date</th><th>Measure</th><th>Score</th><th>Severity</th></tr>"]
        out += [f"<tr><td>{e(m['taken_on'])}</td><td>{e(_measure_label(m))}</td><td>{e(_num(m['score']))}</td>"
                f"<td>{e(m['severity'] or '')}</td></tr>" for m in data["measures"]]
        out.append("</table>")
        out += ["<h2>Change</h2>", "<ul>"] + [f"<li>{e(w)}</li>" for w in data["in_words"]] + ["</ul>"]
        out.append(f'<p class="rules">{e(_rules_note())}</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def markdown_report(db: Database, client: dict) -> str:
    """The report as Markdown text (for stdout, when no file is asked for)."""
    return markdown(gather(db, client))


def write_report(db: Database, client: dict, output: str) -> dict:
    """Write the report to `output` (.md or .html), mode 0600; returns where and what."""
    from therapy_cli.storage.files import write_private

    kind = format_of(output)
    data = gather(db, client)
    text = markdown(data) if kind == "markdown" else html_page(data)
    path = write_private(output, text)
    return {"client_id": client["id"], "path": str(path), "format": kind, "bytes": len(text.encode("utf-8")),
            "measures": len(data["measures"]), "ended": data["ended"]}
