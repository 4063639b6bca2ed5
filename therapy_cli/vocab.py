"""The words the record is kept in, once: statuses, modes, types, kinds, and how other systems spell them.

Domain modules check against these tuples; the importer reads other systems'
words through the `*_WORDS` tables (lower-cased keys) onto the same values,
and then hands them to the same checks (`choose`).
"""

from __future__ import annotations

from therapy_cli.errors import InvalidValue

CLIENT_KINDS = ("individual", "couple", "family", "group")
UNIT_KINDS = ("couple", "family", "group")
CLIENT_STATUSES = ("waiting", "active", "discharged")

SESSION_STATUSES = ("scheduled", "attended", "dna", "cancelled", "late-cancelled")
SESSION_MODES = ("in-person", "video", "phone")
SESSION_TYPES = ("assessment", "treatment", "review")
SESSION_KINDS = ("client", "training")
CANCELLED_BY = ("client", "therapist")
# Statuses only a day that has come can have.
PAST_ONLY = ("attended", "dna")


def _words(values: tuple, **more: str) -> dict[str, str]:
    words = {v: v for v in values}
    words.update({v.replace("-", " "): v for v in values})
    words.update({v.replace("-", "_"): v for v in values})
    words.update({k.replace("_", " "): v for k, v in more.items()})
    return words


CLIENT_KIND_WORDS = _words(CLIENT_KINDS)
CLIENT_STATUS_WORDS = _words(CLIENT_STATUSES, open="active", closed="discharged")
# A session's status as practice systems write it (SimplePractice, Power Diary/Zanda, Cliniko, ...).
# A status word may also say who cancelled: see SESSION_STATUS_CANCELLED_BY.
SESSION_STATUS_WORDS = _words(
    SESSION_STATUSES, booked="scheduled", upcoming="scheduled", pending="scheduled", confirmed="scheduled",
    show="attended", arrived="attended", completed="attended", complete="attended", attended="attended",
    seen="attended", did_not_attend="dna", no_show="dna", noshow="dna", missed="dna", dna="dna",
    canceled="cancelled", client_canceled="cancelled", client_cancelled="cancelled",
    clinician_canceled="cancelled", clinician_cancelled="cancelled", therapist_canceled="cancelled",
    therapist_cancelled="cancelled", practitioner_cancelled="cancelled",
    late_canceled="late-cancelled", late_cancellation="late-cancelled", late_cancel="late-cancelled",
    late_cancelled="late-cancelled")
SESSION_STATUS_WORDS["no-show"] = "dna"
SESSION_STATUS_WORDS["late-canceled"] = "late-cancelled"
SESSION_STATUS_WORDS["d.n.a."] = "dna"
SESSION_STATUS_WORDS["did not arrive"] = "dna"
SESSION_STATUS_CANCELLED_BY = {
    "clinician canceled": "therapist", "clinician cancelled": "therapist", "therapist canceled": "therapist",
    "therapist cancelled": "therapist", "practitioner cancelled": "therapist",
    "client canceled": "client", "client cancelled": "client"}
# the same the other way round: `Cancelled by client`, `Canceled by therapist`
for _spelling in ("cancelled", "canceled"):
    for _who, _by in (("client", "client"), ("therapist", "therapist"), ("clinician", "therapist"),
                      ("practitioner", "therapist")):
        SESSION_STATUS_WORDS[f"{_spelling} by {_who}"] = "cancelled"
        SESSION_STATUS_CANCELLED_BY[f"{_spelling} by {_who}"] = _by
del _spelling, _who, _by
SESSION_MODE_WORDS = _words(SESSION_MODES, face_to_face="in-person", office="in-person", online="video",
                            telehealth="video", video_call="video", telephone="phone")
SESSION_TYPE_WORDS = _words(SESSION_TYPES)
SESSION_KIND_WORDS = _words(SESSION_KINDS)
CANCELLED_BY_WORDS = _words(CANCELLED_BY, clinician="therapist", practitioner="therapist")


def choices(name: str, values: tuple) -> type:
    """A str Enum of `values` for a Typer option's choices (member names: the values with `-` as `_`)."""
    from enum import Enum

    return Enum(name, {value.replace("-", "_"): value for value in values}, type=str, module=__name__)


def choose(value: str, allowed: tuple, what: str, words: dict[str, str] | None = None) -> str:
    """`value` as one of `allowed` (case and spacing aside, or through another system's `words`)."""
    key = " ".join((value or "").split()).lower()
    if key in allowed:
        return key
    if words and key in words:
        return words[key]
    raise InvalidValue(f"{what} {value!r} is not one of {', '.join(allowed)}")
