"""A realistic sample caseload, built through the same domain functions the commands use.

About forty client records: individuals (finished, in therapy, waiting),
two couples, a family and a therapy group; a year of weekly sessions up to today
and booked a month ahead, with DNAs, cancellations and holiday breaks; plans,
goals and reviews; PHQ-9, GAD-7 and CORE-10 trajectories (most improving, some
flat, one worsening with a risk item); supervision received and given; CPD; a
training group; referrals from and to professional contacts. The same seed and
the same `--today` give the same caseload.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from therapy_cli.storage.db import Database

MARKER = ("demo", "caseload")  # the audit row that marks a file as a demo

CONTACTS = [
    ("Dr Priya Patel", "GP", "Riverside Surgery"),
    ("Dr Tom Hughes", "GP", "Northgate Medical Centre"),
    ("Dr Sarah Okafor", "consultant psychiatrist", "Community Mental Health Team"),
    ("James Reid", "EAP case manager", "WellWork EAP"),
    ("Helen Moss", "school counsellor", "Oak Hill Academy"),
    ("Mark Evans", "couples counsellor", "Relate"),
]

FIRST = ["Alex", "Sam", "Jordan", "Priya", "Tom", "Hannah", "Omar", "Grace", "Liam", "Chloe", "Ravi", "Sophie",
         "Daniel", "Aisha", "Ben", "Megan", "Kwame", "Ellie", "Marcus", "Zoe", "Ian", "Fatima", "Luke", "Rosa",
         "Nathan", "Isla", "Pawel", "Yasmin", "George", "Leah", "Owen", "Nadia", "Callum", "Ruth", "Dev", "Amy"]
LAST = ["Morgan", "Hughes", "Khan", "Walsh", "Price", "Okoro", "Bennett", "Fraser", "Nowak", "Shah", "Doyle",
        "Ellis", "Hart", "Reid", "Lloyd", "Mensah", "Carter", "Quinn", "Bailey", "Foster", "Parry", "Rahman",
        "Young", "Sutton", "Barker", "Lowe", "Holt", "Iqbal", "Marsh", "Power"]

# Weekly slots (weekday 0 = Monday, hour): one per individual client or couple, so nothing overlaps.
SLOTS = [(d, h) for h in (9, 10, 11, 12, 14, 15, 16) for d in range(5)]
GROUP_SLOT = (1, 18, 90)      # Tuesday 18:00, 90 minutes
FAMILY_SLOT = (3, 17, 60)     # Thursday 17:00, 60 minutes, fortnightly
TRAINING_SLOT = (2, 19)       # Wednesday 19:00

NOTES = [
    "Explored the week's main difficulties; agreed homework.",
    "Reviewed thought records; worked on alternative perspectives.",
    "Focus on relationship patterns; links with early experience.",
    "Graded exposure plan reviewed; next step agreed.",
    "Session focused on sleep and routine; activity schedule updated.",
    "Worked with the transference; client more able to stay with difficult feelings.",
    "Reviewed progress against goals; client reports fewer low days.",
    "Relapse-prevention planning; early warning signs listed.",
]
GOALS = ["Return to work full time", "Sleep through most nights", "Go to the supermarket without panic",
         "Spend time with friends weekly", "Feel able to say no at work", "Fewer arguments at home",
         "Manage worry without checking", "Resume running"]


def is_demo(db: Database) -> bool:
    return db.scalar("SELECT 1 FROM audit WHERE action = ? AND record_type = ? LIMIT 1", MARKER) is not None


def _holiday(day: date) -> bool:
    """The practice closes over Christmas and for a fortnight in August."""
    return (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 4) \
        or (day.month == 8 and 10 <= day.day <= 23)


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


class Builder:
    def __init__(self, db: Database, seed: int):
        self.db = db
        self.rng = random.Random(seed)
        self.today = db.today
        self.horizon = self.today + timedelta(weeks=4)
        surnames = self.rng.sample(LAST, len(LAST)) * 2
        self.names = [f"{f} {l}" for f, l in zip(self.rng.sample(FIRST, len(FIRST)) * 2, surnames)]
        self.slots = list(SLOTS)
        self.rng.shuffle(self.slots)
        self.contacts: list[int] = []
        self.counts = {"clients": 0, "sessions": 0, "measures": 0}
        self.unnoted = 0
        # This week's days before today, and what has happened on them so far: the week the demo
        # prints should look like a real one (a DNA, a late cancellation), not depend on the dice.
        self.week_start = self.today - timedelta(days=self.today.weekday())
        self.week_missable = 0
        self.week_statuses: set[str] = set()

    # -- records -------------------------------------------------------------
    def name(self) -> str:
        return self.names.pop()

    def client(self, kind="individual", members=(), referred_on=None, source=None, contact=None, dob=None,
               name=None):
        from therapy_cli.practice import clients

        record = clients.add_client(
            self.db, name or self.name(), kind, [str(m) for m in members], dob, None, None, referred_on,
            source, str(self.contacts[contact]) if contact is not None else None)
        self.counts["clients"] += 1
        return record["id"]

    def start(self, day: date, hour: int, minute: int = 0):
        from therapy_cli.dates import localize

        return localize(datetime.combine(day, time(hour, minute)), self.db.tz)

    def session(self, client_id, day, hour, minutes=50, type_="treatment", absent=(), future_ok=True,
                may_miss=True, attend=False):
        """A session on `day`: attended (mostly), DNA or cancelled in the past; scheduled from today on.

        `attend`: always attended (a group meets whoever is absent; a session that must carry a measure).
        `may_miss`: may be this week's DNA or late cancellation.
        """
        from therapy_cli.practice import sessions

        if day >= self.today:
            status = "scheduled"
        else:
            roll = self.rng.random()
            status = ("dna" if roll < 0.05 else "cancelled" if roll < 0.09 else "late-cancelled" if roll < 0.11
                      else "attended")
            if type_ == "assessment" or attend:
                status = "attended"
            elif self.week_start <= day and may_miss:
                self.week_missable += 1
                if self.week_missable == 2 and "dna" not in self.week_statuses:
                    status = "dna"
                elif (self.week_missable == 4
                      and not self.week_statuses & {"cancelled", "late-cancelled"}):
                    status = "late-cancelled"
                self.week_statuses.add(status)
        note = None
        if status == "attended":
            # Two recent sessions are left without a note, so `remind` has something to show.
            recent = (self.today - day).days <= 7
            if recent and self.unnoted < 2:
                self.unnoted += 1
            else:
                note = self.rng.choice(NOTES)
        record = sessions.add_session(
            self.db, str(client_id), self.start(day, hour), minutes, status, type=type_,
            mode="video" if self.rng.random() < 0.2 else "in-person",
            absent=[str(a) for a in absent] if status == "attended" else None, note=note)
        self.counts["sessions"] += 1
        return record["id"], status

    def measure(self, client_id, instrument, score, day, session_id=None, items=None):
        from therapy_cli.clinical import measures

        if items is not None:
            measures.add_measure(self.db, client_id, instrument, items=items, on=day, session_id=session_id)
        else:
            measures.add_measure(self.db, client_id, instrument, score=score, on=day, session_id=session_id)
        self.counts["measures"] += 1

    # -- an episode of weekly therapy ------------------------------------------
    def episode(self, client_id, first: date, last: date, modality: str, trajectory: tuple, slot,
                every_weeks=1, minutes=50, risk=False, skip_measure_last=False, measured=True):
        """Weekly (or fortnightly) sessions from `first` to `last`; measures follow `trajectory`."""
        from therapy_cli.clinical import plans

        weekday, hour = slot
        day = _on_or_after(first, weekday)
        plans.set_plan(self.db, client_id, modality, approach=None, sessions=self.rng.choice([12, 16, 20, None]),
                       review_every=6, problems=[self.rng.choice(["low mood", "panic", "worry", "grief",
                                                                  "relationship difficulties", "trauma"])],
                       on=min(day, self.today))
        for text in self.rng.sample(GOALS, 2):
            plans.add_goal(self.db, client_id, text, on=min(day, self.today))
        goal_ids = [r[0] for r in self.db.execute("SELECT id FROM goals WHERE client_id = ?", (client_id,))]
        planned = []
        while day <= last:
            if not _holiday(day):
                planned.append(day)
            day += timedelta(weeks=every_weeks)
        past = [d for d in planned if d < self.today]
        (phq0, phq1), (gad0, gad1) = trajectory
        attended = 0
        for index, day in enumerate(planned):
            type_ = "assessment" if index == 0 else ("review" if index % 6 == 0 else "treatment")
            # Only individuals miss on cue; the last sessions of the clients with the risk item and the
            # missing measure are attended (they carry those).
            session_id, status = self.session(client_id, day, hour, minutes, type_, may_miss=measured,
                                              attend=(risk or skip_measure_last) and day == past[-1])
            if status != "attended" or not measured:
                continue
            attended += 1
            if skip_measure_last and day == past[-1]:
                continue
            share = (index / max(1, len(past) - 1)) if len(past) > 1 else 0
            jitter = self.rng.choice([-2, -1, 0, 0, 1, 2])
            phq = max(0, min(27, round(phq0 + (phq1 - phq0) * share + jitter)))
            gad = max(0, min(21, round(gad0 + (gad1 - gad0) * share + self.rng.choice([-1, 0, 0, 1]))))
            if risk and day == past[-1]:
                items = _items(phq, 9, item9=1)
                self.measure(client_id, "PHQ-9", None, day, session_id, items=items)
            else:
                self.measure(client_id, "PHQ-9", phq, day, session_id)
            self.measure(client_id, "GAD-7", gad, day, session_id)
            if modality in ("psychodynamic", "psychoanalytic", "integrative") and index % 4 == 0:
                core = max(0, min(40, round(1.2 * phq + self.rng.choice([-2, 0, 2]))))
                self.measure(client_id, "CORE-10", core, day, session_id)
            if index % 4 == 0:
                for goal_id in goal_ids:
                    plans.rate_goal(self.db, client_id, goal_id, min(10, 2 + attended // 2 + self.rng.choice([0, 1])),
                                    on=day)
        for review_day in past[6::6]:
            if review_day <= self.today - timedelta(weeks=1) or review_day < past[-1]:
                plans.review_plan(self.db, client_id, note="Goals reviewed with the client.", on=review_day)
        return past


def _items(total: int, count: int, item9: int = 0) -> list[int]:
    """Spread a total over questionnaire items (0-3 each), with item 9 as given."""
    items = [0] * count
    items[-1] = item9
    left = max(0, total - item9)
    i = 0
    while left > 0 and any(v < 3 for v in items[:-1]):
        if items[i % (count - 1)] < 3:
            items[i % (count - 1)] += 1
            left -= 1
        i += 1
    return items


def build(db: Database, seed: int = 7) -> dict:
    """Fill an empty caseload file with the demo practice; returns counts."""
    from therapy_cli.practice import clients
    from therapy_cli.practice import contacts
    from therapy_cli.practice import cpd
    from therapy_cli.practice import supervision
    from therapy_cli.settings import set_setting

    b = Builder(db, seed)
    today = b.today
    db.audit(*MARKER, None, f"demo caseload, seed {seed}, built for {today.isoformat()}")
    set_setting(db, "practitioner.name", "Dr Jo Demo (demonstration data)")
    for key, value in [("targets.week.sessions_attended", "15"), ("targets.week.clients_seen", "18"),
                       ("targets.week.clinical_hours", "15"), ("targets.week.training_hours", "1"),
                       ("targets.month.new_referrals", "4"), ("targets.month.supervision_hours", "1.5"),
                       ("targets.month.cpd_hours", "2"), ("targets.month.training_hours", "3")]:
        set_setting(db, key, value)
    for name, role, org in CONTACTS:
        b.contacts.append(contacts.add_contact(db, name, role, org)["id"])
    GP1, GP2, PSY, EAP, SCHOOL, RELATE = range(6)
    rng = b.rng

    def referral(weeks_ago_low, weeks_ago_high):
        return today - timedelta(days=rng.randint(7 * weeks_ago_low, 7 * weeks_ago_high))

    sources = [("GP", GP1), ("GP", GP2), ("self", None), ("EAP", EAP), ("GP", GP1), ("psychiatry", PSY)]

    # Finished individuals: three recovered, one who did not improve, one who came once.
    finished = [((17, 6), (13, 5), "cbt", 12), ((15, 5), (12, 4), "cbt", 10), ((20, 8), (15, 6), "integrative", 16),
                ((16, 14), (11, 10), "humanistic", 12), ((18, 18), (14, 14), "cbt", 1)]
    for n, (phq, gad, modality, sessions_count) in enumerate(finished):
        source, contact = sources[n % len(sources)]
        referred = referral(44, 50)
        cid = b.client(referred_on=referred, source=source, contact=contact,
                       dob=date(today.year - rng.randint(22, 60), rng.randint(1, 12), rng.randint(1, 28)))
        slot = b.slots.pop()
        first = _on_or_after(referred + timedelta(days=rng.randint(14, 70)), slot[0])
        while _holiday(first):  # a course starts when the practice is open (a one-session one would be empty)
            first += timedelta(weeks=1)
        last = first + timedelta(weeks=sessions_count + (2 if sessions_count > 1 else 0))
        past = b.episode(cid, first, min(last, today - timedelta(weeks=3)), modality, (phq, gad), slot)
        clients.discharge(db, clients.find_client(db, str(cid)), on=past[-1] + timedelta(days=3),
                          reason="planned ending" if sessions_count > 1 else "did not return after assessment")

    # Clients in therapy now: most improving, two flat, one worse with a risk item on the PHQ-9.
    current = [(40, (19, 9), (14, 7), "psychodynamic"), (36, (14, 6), (10, 5), "psychoanalytic"),
               (20, (16, 7), (13, 6), "cbt"), (14, (18, 9), (15, 8), "cbt"), (10, (13, 7), (11, 6), "humanistic"),
               (8, (17, 11), (12, 9), "integrative"), (5, (15, 12), (12, 10), "cbt"),
               (24, (14, 13), (10, 10), "integrative"), (12, (16, 16), (12, 12), "psychodynamic"),
               (9, (12, 19), (9, 14), "cbt"), (30, (21, 8), (16, 6), "cbt"), (18, (15, 6), (13, 5), "humanistic"),
               (44, (18, 10), (12, 7), "psychoanalytic"), (6, (14, 11), (11, 9), "integrative"),
               (3, (16, 15), (12, 12), "cbt")]
    for n, (weeks, phq, gad, modality) in enumerate(current):
        source, contact = sources[(n + 2) % len(sources)]
        first = today - timedelta(weeks=weeks)
        cid = b.client(referred_on=first - timedelta(days=rng.randint(10, 60)), source=source, contact=contact,
                       dob=date(today.year - rng.randint(19, 70), rng.randint(1, 12), rng.randint(1, 28)))
        b.episode(cid, first, b.horizon, modality, (phq, gad), b.slots.pop(), risk=(n == 9),
                  skip_measure_last=(n == 4))
        if n == 5:  # a client referred on for a medication review
            clients.refer_out(db, clients.find_client(db, str(cid)), str(b.contacts[PSY]),
                              on=today - timedelta(weeks=3), reason="medication review")

    # Waiting list: one over six weeks, one with an assessment booked.
    for n, weeks in enumerate((9, 3, 0)):
        source, contact = sources[(n + 1) % len(sources)]
        # The newest referral arrived this week (early in it, or today on a Monday).
        referred = today - timedelta(weeks=weeks, days=n) if weeks else max(b.week_start, today - timedelta(days=2))
        cid = b.client(referred_on=referred, source=source, contact=contact)
        if n == 1:
            weekday, hour = b.slots.pop()
            b.session(cid, _on_or_after(today + timedelta(days=3), weekday), hour, type_="assessment")

    # Couples: one in therapy now (systemic), one finished.
    for n, (weeks_ago, length) in enumerate(((16, None), (40, 12))):
        a, c = b.client(), b.client()
        unit = b.client("couple", members=(a, c), name=f"{b.name().split()[1]} couple",
                        referred_on=today - timedelta(weeks=weeks_ago + 4), source="self" if n else "GP",
                        contact=None if n else RELATE)
        first = today - timedelta(weeks=weeks_ago)
        last = b.horizon if length is None else first + timedelta(weeks=length)
        past = b.episode(unit, first, last, "systemic", ((0, 0), (0, 0)), b.slots.pop(), minutes=60,
                         measured=False)
        if length is not None:
            clients.discharge(db, clients.find_client(db, str(unit)), on=past[-1], reason="planned ending")
            clients.refer_out(db, clients.find_client(db, str(unit)), str(b.contacts[RELATE]),
                              on=past[-1], reason="ongoing relationship support")

    # A family (fortnightly), with a teenager referred by the school.
    surname = b.name().split()[1]
    parents = [b.client(name=f"{first} {surname}") for first in ("Karen", "David")]
    teen = b.client(name=f"Mia {surname}", dob=date(today.year - 15, 3, 14))
    family = b.client("family", members=(*parents, teen), name=f"{surname} family",
                      referred_on=today - timedelta(weeks=26), source="school", contact=SCHOOL)
    weekday, hour, minutes = FAMILY_SLOT
    b.episode(family, today - timedelta(weeks=22), b.horizon, "systemic", ((0, 0), (0, 0)), (weekday, hour),
              every_weeks=2, minutes=minutes, measured=False)

    # A therapy group: six members, one left, one joined later; absences recorded.
    group_members = [b.client() for _ in range(6)]
    group = b.client("group", members=group_members[:5], name="Tuesday anxiety group",
                     referred_on=today - timedelta(weeks=34), source="service")
    gday, ghour, gmin = GROUP_SLOT
    from therapy_cli.clinical import plans

    start = _on_or_after(today - timedelta(weeks=30), gday)
    plans.set_plan(db, group, "cbt", approach="group CBT for anxiety", sessions=30, review_every=10,
                   problems=["anxiety"], on=start)
    clients.leave(db, str(group), str(group_members[4]), on=today - timedelta(weeks=10))
    clients.join(db, str(group), str(group_members[5]), on=today - timedelta(weeks=6))
    day = start
    while day <= b.horizon:
        if not _holiday(day):
            members = [m["id"] for m in clients.members_of(db, group, day)]
            absent = [m for m in members if rng.random() < 0.12]
            b.session(group, day, ghour, gmin, absent=absent[:len(members) - 1], attend=True)
        day += timedelta(weeks=1)
    for weeks in (20, 10):
        plans.review_plan(db, group, note="Group progress reviewed.", on=start + timedelta(weeks=weeks))

    # Training groups for other professionals, about every six weeks, one this week.
    from therapy_cli.practice import sessions

    tday, thour = TRAINING_SLOT
    this_week = _on_or_after(today - timedelta(days=today.weekday()), tday)
    for n in range(9):
        day = this_week - timedelta(weeks=6 * n)
        sessions.add_training(db, ["Working with trauma", "Suicide risk: a practical update",
                                   "Anxiety in primary care"][n % 3], b.start(day, thour), 120,
                              "GP trainees" if n % 2 else "practice nurses", 10 + n % 5)

    # Supervision: 90 minutes a month individually, group supervision each quarter; a trainee supervised.
    case_ids = [r[0] for r in db.execute("SELECT id FROM clients WHERE status = 'active' ORDER BY id")]
    month = date(today.year - 1, today.month, 1)
    while month <= today:
        day = month + timedelta(days=rng.randint(3, 12))
        if (month.year, month.month) == (today.year, today.month):
            # This month's supervision falls in this week when the week has begun (the week's report shows it).
            this_week = max(b.week_start + timedelta(days=1), month)
            if this_week >= today:
                this_week = max(b.week_start, month)
            if this_week < today:
                day = this_week
        if day < today:
            supervision.log_received(db, day, 90 if day.month != today.month or day.year != today.year else 60,
                                     "Dr Ruth Adler", cases=[str(c) for c in rng.sample(case_ids, 2)])
            supervision.log_given(db, "Chris Trainee", day + timedelta(days=1) if day + timedelta(days=1) < today
                                  else day, 60)
        if month.month % 3 == 0 and month + timedelta(days=20) < today:
            supervision.log_received(db, month + timedelta(days=20), 120, "Peer group", group_size=4)
        month = (month + timedelta(days=32)).replace(day=1)

    # CPD: reading most months, a course and a conference.
    for n in range(11):
        day = today - timedelta(days=30 * n + rng.randint(2, 20))
        cpd.add(db, rng.choice(["Journal reading: outcome monitoring", "Book: The Body Keeps the Score",
                                "Webinar: working online", "Reading: NICE guideline update"]),
                rng.choice([1.0, 1.5, 2.0]), day, "reading")
    cpd.add(db, "Compassion-focused therapy: two-day course", 12, today - timedelta(weeks=20), "course")
    cpd.add(db, "BACP research conference", 6, today - timedelta(weeks=9), "conference")
    cpd.add(db, "Journal club: measurement-based care", 1.5, max(b.week_start, today - timedelta(days=1)), "reading")
    _private_work(db, today)
    return b.counts


def _private_work(db: Database, today: date) -> None:
    """Some work is private: the family, the current couple and an EAP client pay fees. Their months
    before last are invoiced (the older paid, the newer not yet); last month is left to bill."""
    from therapy_cli import dates
    from therapy_cli.errors import Conflict
    from therapy_cli.practice import fees, invoices
    from therapy_cli.settings import set_setting

    for key, value in [("practitioner.address", "12 Mill Lane; York YO1 7AB"),
                       ("practitioner.registration", "BACP 000000 (demonstration)"),
                       ("practitioner.bank", "Dr J Demo, sort code 00-00-00, account 00000000")]:
        set_setting(db, key, value)
    payers = [("family", "90", None), ("couple", "95", None), ("individual", "70", "Acme Employee Assistance")]
    billed = []
    for kind, fee, payer in payers:
        row = db.one("SELECT * FROM clients WHERE kind = ? AND status = 'active' "
                     "AND (? != 'individual' OR referral_source = 'EAP') ORDER BY id LIMIT 1", (kind, kind))
        if row:
            fees.set_terms(db, row, fee, payer)
            billed.append(row)
    this_month = today.replace(day=1)
    for client in billed:
        for months_back in (3, 2):
            start = dates.add_months(this_month, -months_back)
            end = dates.add_months(this_month, -months_back + 1) - timedelta(days=1)
            issued = end + timedelta(days=1)
            try:
                invoice = invoices.create(db, client, start, end, issued_on=issued)
            except Conflict:  # a month with no session (the August closure)
                continue
            if months_back == 3:
                invoices.add_payment(db, invoice, invoice["total_minor"], issued + timedelta(days=9),
                                     "bank transfer")
