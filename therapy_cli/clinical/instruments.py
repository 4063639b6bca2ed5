"""The outcome questionnaires, as data: items, ranges, reversed items, bands, cut-offs, reliable change.

Every number here comes from the published source named in `source` (see
docs/measures.md for the full references and for where sources disagree).
The code below only walks these tables; nothing about one questionnaire is
hidden in an `if`.
"""

from __future__ import annotations

import re
from collections import namedtuple

from therapy_cli.errors import InvalidValue, WrongForm


def normalise(name: str) -> str:
    """'PHQ-9', 'phq9', ' Phq 9 ' → 'phq9'."""
    return re.sub(r"[\s\-_]", "", (name or "").lower())


_FIELDS = ("name", "title", "item_count", "item_min", "item_max", "total_min", "total_max", "bands",
           "reversed_items", "caseness_cutoff", "caseness_below", "reliable_change", "higher_is_better",
           "decimals", "concern_below", "risk_item", "risk_wording", "source", "notes")
_DEFAULTS = ((), None, False, None, False, 0, None, None, "", "", ())


class Instrument(namedtuple("Instrument", _FIELDS, defaults=_DEFAULTS)):
    """One questionnaire (immutable; a named tuple rather than a dataclass, whose `inspect` import costs
    every command that scores a questionnaire ~5 ms of start-up).

    `bands` are (low, high, label), both ends included, covering the whole
    total range in order. `caseness_cutoff`: a total at or above it is
    caseness, or strictly below it when `caseness_below` (ORS: lower is worse).
    `reliable_change`: the smallest change, in either direction, that counts
    as reliable (None where none is published). `decimals`: ORS and SRS are
    marks on a 10 cm line, read to the millimetre (one decimal); the others
    take whole numbers only. `concern_below` (SRS): not caseness, but a total
    below it calls for a conversation. `risk_item`: the item (1-based) about
    self-harm or suicide, above 0 raising the risk flag; `risk_wording`: what it
    asks, for the warning. `source` and `notes`: where the numbers come from.
    """

    __slots__ = ()

    @property
    def key(self) -> str:
        return normalise(self.name)


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        name="PHQ-9", title="Patient Health Questionnaire (depression)",
        item_count=9, item_min=0, item_max=3, total_min=0, total_max=27,
        bands=((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
               (15, 19, "moderately severe"), (20, 27, "severe")),
        caseness_cutoff=10, reliable_change=6,
        risk_item=9, risk_wording="thoughts of being better off dead or of self-harm",
        source="Kroenke, Spitzer & Williams 2001; NHS Talking Therapies Manual (caseness, reliable change)",
        notes=("item 9 asks about thoughts of being better off dead or of self-harm",),
    ),
    Instrument(
        name="GAD-7", title="Generalised Anxiety Disorder scale",
        item_count=7, item_min=0, item_max=3, total_min=0, total_max=21,
        bands=((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")),
        caseness_cutoff=8, reliable_change=4,
        source="Spitzer, Kroenke, Williams & Löwe 2006; NHS Talking Therapies Manual (caseness, reliable change)",
    ),
    Instrument(
        name="CORE-10", title="Clinical Outcomes in Routine Evaluation, 10 items",
        item_count=10, item_min=0, item_max=4, total_min=0, total_max=40,
        reversed_items=(2, 3),
        bands=((0, 10, "healthy"), (11, 14, "mild"), (15, 19, "moderate"),
               (20, 24, "moderate-to-severe"), (25, 40, "severe")),
        caseness_cutoff=11, reliable_change=6,
        risk_item=6, risk_wording="I made plans to end my life",
        source="Barkham et al. 2013",
        notes=("items 2 and 3 are positively worded and reverse-scored",
               "item 6 asks about plans to end one's life"),
    ),
    Instrument(
        name="WSAS", title="Work and Social Adjustment Scale",
        item_count=5, item_min=0, item_max=8, total_min=0, total_max=40,
        bands=((0, 9, "subclinical"), (10, 20, "significant impairment"),
               (21, 40, "moderately severe or worse")),
        source="Mundt, Marks, Shear & Greist 2002",
        notes=("no caseness cut-off or reliable change is published; the bands describe impairment",),
    ),
    Instrument(
        name="ORS", title="Outcome Rating Scale",
        item_count=4, item_min=0, item_max=10, total_min=0, total_max=40,
        bands=((0, 24.9, "clinical range"), (25, 40, "non-clinical range")),
        caseness_cutoff=25, caseness_below=True, reliable_change=5, higher_is_better=True, decimals=1,
        source="Miller, Duncan, Brown, Sparks & Claud 2003 (adult cut-off 25, reliable change 5)",
        notes=("higher is better: caseness is a total below 25 (adults)",),
    ),
    Instrument(
        name="SRS", title="Session Rating Scale (alliance)",
        item_count=4, item_min=0, item_max=10, total_min=0, total_max=40,
        bands=((0, 35.9, "alliance concern"), (36, 40, "good alliance")),
        higher_is_better=True, decimals=1, concern_below=36,
        source="Duncan, Miller, Sparks et al. 2003 (a total below 36 calls for a conversation about the alliance)",
        notes=("rates the session, not the client's distress: no caseness",),
    ),
)

_BY_KEY = {inst.key: inst for inst in INSTRUMENTS}
_BY_NAME = {inst.name: inst for inst in INSTRUMENTS}
NAMES = tuple(inst.name for inst in INSTRUMENTS)


def get_instrument(name: str) -> Instrument:
    """The instrument by name, case-insensitive, hyphen optional ('phq9', 'PHQ-9', 'core10')."""
    inst = _BY_NAME.get(name) or _BY_KEY.get(normalise(name))   # stored names are canonical: no regex for them
    if inst is None:
        raise WrongForm(f"unknown instrument {name!r}; use one of {', '.join(NAMES)}")
    return inst


# -- scoring -------------------------------------------------------------------

def _number(inst: Instrument, value, what: str) -> float | int:
    """A value as entered (text or number), checked for form: whole, or one decimal for ORS/SRS."""
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):  # ASCII digits only
        raise WrongForm(f"{inst.name} {what} {text!r} is not a number")
    if "." in text:
        whole, frac = text.split(".")
        if inst.decimals == 0 and frac.strip("0"):
            raise InvalidValue(f"{inst.name} {what} {text!r} must be a whole number")
        if len(frac.rstrip("0")) > inst.decimals:
            raise InvalidValue(f"{inst.name} {what} {text!r} has more than {inst.decimals} decimal place")
        number = round(float(text), inst.decimals)
        return int(number) if number == int(number) else number
    return int(text)


def reverse(inst: Instrument, value):
    """A reverse-scored item: the scale turned round (0↔4 on CORE-10)."""
    return inst.item_max + inst.item_min - value


def check_items(inst: Instrument, items) -> list:
    """The items as numbers, in order, after checking count, form and range."""
    items = list(items)
    if len(items) != inst.item_count:
        raise InvalidValue(f"{inst.name} has {inst.item_count} items; {len(items)} given")
    values = []
    for position, raw in enumerate(items, start=1):
        value = _number(inst, raw, f"item {position}")
        if not inst.item_min <= value <= inst.item_max:
            raise InvalidValue(f"{inst.name} item {position} is {raw}; items are "
                               f"{inst.item_min}–{inst.item_max}")
        values.append(value)
    return values


def score_items(inst: Instrument, items) -> int | float:
    """The total of a validated item list, reverse-scored items turned round."""
    values = check_items(inst, items)
    total = sum(reverse(inst, v) if i in inst.reversed_items else v for i, v in enumerate(values, start=1))
    total = round(total, inst.decimals)
    return int(total) if total == int(total) else total


def check_total(inst: Instrument, score) -> int | float:
    """A total as entered, checked against the instrument's range."""
    value = _number(inst, score, "total")
    if not inst.total_min <= value <= inst.total_max:
        raise InvalidValue(f"{inst.name} total {score} is out of range; totals are "
                           f"{inst.total_min}–{inst.total_max}")
    return value


def severity(inst: Instrument, score) -> str | None:
    """The band label for a total (None for a total outside the range)."""
    if score is None or not inst.total_min <= score <= inst.total_max:
        return None
    label = None
    for low, _high, name in inst.bands:  # the last band starting at or below the score
        if score >= low:
            label = name
    return label


def is_caseness(inst: Instrument, score) -> bool | None:
    """At or above the clinical cut-off (below it for ORS); None where none is published."""
    if inst.caseness_cutoff is None or score is None:
        return None
    if inst.caseness_below:
        return score < inst.caseness_cutoff
    return score >= inst.caseness_cutoff


def reliable_direction(inst: Instrument, first, last) -> str | None:
    """'improved', 'deteriorated' or 'unchanged' first against last; None without a published threshold."""
    if inst.reliable_change is None:
        return None
    # Scores are whole numbers or tenths; rounding keeps 8.2 - 3.2 from falling just short of 5.
    change = round(last - first, 6)
    better = change if inst.higher_is_better else -change
    if better >= inst.reliable_change:
        return "improved"
    if -better >= inst.reliable_change:
        return "deteriorated"
    return "unchanged"


def risk_score(inst: Instrument, values) -> int | None:
    """The risk item's score from validated items; None without a risk item or without items (a total only)."""
    if inst.risk_item is None or values is None:
        return None
    return values[inst.risk_item - 1]


def describe(inst: Instrument) -> dict:
    """The instrument as data (for `measure instruments` and the docs)."""
    return {
        "name": inst.name, "title": inst.title, "item_count": inst.item_count,
        "item_range": [inst.item_min, inst.item_max], "reversed_items": list(inst.reversed_items),
        "total_range": [inst.total_min, inst.total_max],
        "bands": [{"low": lo, "high": hi, "label": label} for lo, hi, label in inst.bands],
        "caseness_cutoff": inst.caseness_cutoff,
        "caseness": (None if inst.caseness_cutoff is None else
                     f"{'<' if inst.caseness_below else '>='} {inst.caseness_cutoff:g}"),
        "reliable_change": inst.reliable_change, "higher_is_better": inst.higher_is_better,
        "risk_item": inst.risk_item,
        "source": inst.source,
    }
