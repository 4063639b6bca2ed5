"""Settings inside the database: known keys only, validated by type and range."""

from conftest import assert_refused


def test_defaults_and_set_get_unset(jcli, cli):
    assert jcli("config", "get", "session.duration")["value"] == 50
    assert jcli("config", "set", "session.duration", "45")["value"] == 45
    assert cli("config", "get", "session.duration").stdout.strip() == "45"
    keys = {r["key"]: r for r in jcli("config", "list")}
    assert keys["session.duration"]["is_set"] and keys["supervision.hours_per_month"]["value"] == 1.5
    assert keys["cpd.hours_per_year"]["value"] == 20
    assert jcli("config", "unset", "session.duration")["value"] == 50


def test_timezone_must_be_iana(jcli, cli, db_path):
    assert jcli("config", "set", "timezone", "Europe/London")["value"] == "Europe/London"
    assert_refused(cli, db_path, "config", "set", "timezone", "Mars/Olympus", match="unknown time zone")
    assert_refused(cli, db_path, "config", "set", "timezone", "../../etc/passwd", match="unknown time zone")
    # files in the zone folder that are not zones: the machine's own setting, leap-second and POSIX variants
    for name in ("localtime", "right/Europe/London", "posixrules", "Factory"):
        assert_refused(cli, db_path, "config", "set", "timezone", name, match="unknown time zone")
    assert jcli("config", "set", "timezone", "UTC")["value"] == "UTC"


def test_targets_only_for_known_metrics(jcli, cli, db_path):
    assert jcli("config", "set", "targets.week.clients_seen", "20")["value"] == 20
    assert any(r["key"] == "targets.week.clients_seen" for r in jcli("config", "list"))
    assert_refused(cli, db_path, "config", "set", "targets.week.happiness", "3", match="METRIC one of")
    assert_refused(cli, db_path, "config", "set", "targets.year.clients_seen", "3", match="unknown setting")


def test_values_are_validated(cli, db_path):
    for key, value in [("session.duration", "0"), ("session.duration", "601"),
                       ("supervision.hours_per_month", "0"),
                       ("supervision.hours_per_month", "nan"), ("cpd.hours_per_year", "inf"),
                       ("targets.week.clients_seen", "0")]:
        assert_refused(cli, db_path, "config", "set", key, value)
    # SPEC v2: a number that cannot be read is a wrong-form value, exit 2
    for value in ("fifty", "4.5"):
        assert_refused(cli, db_path, "config", "set", "session.duration", value, code=2)
    # a leading minus reads as an option unless after --: the parser's usage error, then ours
    assert_refused(cli, db_path, "config", "set", "session.duration", "-5", code=2)
    assert_refused(cli, db_path, "config", "set", "--", "session.duration", "-5", match="between")
    assert_refused(cli, db_path, "config", "set", "colour", "blue", match="unknown setting")
    assert_refused(cli, db_path, "config", "get", "colour", match="unknown setting")
    assert_refused(cli, db_path, "config", "set", "practitioner.name", "Dr\x1b[2J", match="control characters")


def test_list_all_shows_every_target_key(jcli):
    rows = jcli("config", "list", "--all")
    from therapy_cli.settings import METRICS

    # each metric at least (targets.week.M) and at most (targets.week.M.max); SPEC v2 added metrics and .max
    assert sum(r["key"].startswith("targets.week.") for r in rows) == 2 * len(METRICS) == 34


def test_unsetting_a_key_that_is_not_set_changes_nothing(jcli, cli, db_path):
    from conftest import snapshot

    jcli("config", "set", "session.duration", "45")
    jcli("config", "unset", "session.duration")
    before = snapshot(db_path)
    assert jcli("config", "unset", "session.duration")["is_set"] is False
    assert snapshot(db_path) == before  # no second audit row


def test_a_table_keeps_one_line_per_row_when_a_value_has_line_breaks(cli, jcli):
    """The reminder template's line breaks broke `config list` into ragged lines when piped."""
    result = cli("config", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:]] == [r["key"] for r in jcli("config", "list")]
    row = next(line for line in lines if line.startswith("reminders.template"))
    assert "Dear {first_name},\\n\\nThis is a reminder" in row
