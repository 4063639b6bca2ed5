"""Sending mail over SMTP (the standard library's smtplib), for reminders to clients.

The server is set with `smtp.*` settings; the password comes only from the
command in THERAPY_SMTP_PASSWORD_COMMAND (as the database key comes from
THERAPY_KEY_COMMAND), never from a setting, the command line or a log. The
connection is encrypted with STARTTLS unless `smtp.starttls` is false, or with
TLS from the start on port 465, and the server's certificate is verified.
A password is never sent over an unencrypted connection except to this machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from therapy_cli.errors import InvalidValue, TherapyError

ENV_PASSWORD_COMMAND = "THERAPY_SMTP_PASSWORD_COMMAND"
TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465
LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


class MailError(TherapyError):
    """The mail server cannot be used at all: nothing was sent."""


class SendFailed(Exception):
    """One message was not accepted; the others may be."""


@dataclass
class SmtpConfig:
    host: str
    port: int
    user: str
    starttls: bool
    sender: str
    sender_name: str

    @property
    def implicit_tls(self) -> bool:
        return self.port == IMPLICIT_TLS_PORT

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls


def smtp_config(db) -> SmtpConfig:
    """The settings, checked before anything is sent."""
    host = db.setting("smtp.host")
    if not host:
        raise InvalidValue("no mail server: set smtp.host (and smtp.from, smtp.user) with therapy config set; "
                           "see docs/reminders.md")
    user = db.setting("smtp.user")
    sender = db.setting("smtp.from") or (user if "@" in user else "")
    if not sender:
        raise InvalidValue("no sender address: set smtp.from (e.g. therapy config set smtp.from jo@example.org)")
    config = SmtpConfig(host, db.setting("smtp.port"), user, db.setting("smtp.starttls"), sender,
                        db.setting("practitioner.name"))
    if user and not config.encrypted and host.lower() not in LOOPBACK:
        raise InvalidValue(f"smtp.starttls is false: the password would cross the network to {host} "
                           "unencrypted; set smtp.starttls true, or use port 465")
    return config


def _password(config: SmtpConfig) -> str | None:
    import os

    from therapy_cli.storage.crypto import secret_from_command

    if not config.user:
        return None
    if not os.environ.get(ENV_PASSWORD_COMMAND):
        raise InvalidValue(f"smtp.user is set: set {ENV_PASSWORD_COMMAND} to a command that prints the mail "
                           "password (e.g. 'pass show mail'); nothing was sent")
    password = secret_from_command(ENV_PASSWORD_COMMAND, "password", "nothing was sent", error=MailError)
    if "\n" in password or "\r" in password:
        # `pass show ENTRY` prints the entry's other lines (login:, url:) after the password: all of it would be
        # sent as the password, refused as a wrong one (and repeated each morning, perhaps locking the account)
        raise MailError(f"{ENV_PASSWORD_COMMAND} printed more than one line; it must print the password alone "
                        "(for pass: pass show ENTRY | head -n 1); nothing was sent")
    return password


def message(config: SmtpConfig, to: str, subject: str, body: str, attachment: bytes | None = None,
            filename: str = "appointment.ics"):
    """A plain-text message, with an iCalendar attachment when given."""
    from email.message import EmailMessage
    from email.utils import formataddr, formatdate, make_msgid

    msg = EmailMessage()
    msg["From"] = formataddr((config.sender_name, config.sender)) if config.sender_name else config.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"      # RFC 3834: no vacation replies back
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="text", subtype="calendar", filename=filename)
    return msg


def reminder_message(db, reminder, config: SmtpConfig):
    """The reminder as a message: the template's text, and the one session as an .ics attachment."""
    from therapy_cli.io.ics import appointment_calendar, calendar_token
    from therapy_cli.practice.client_reminders import compose

    subject, body = compose(db, reminder)
    title = f"Appointment with {config.sender_name}" if config.sender_name else "Appointment"
    ics = appointment_calendar(reminder.session_id, reminder.starts_at, reminder.duration_min, db.tz,
                               calendar_token(db), title, reminder.reminded_before)
    return message(config, reminder.to, subject, body, ics)


def send_reminders(transaction, mailer: "Mailer", pending: list) -> list:
    """Send each (reminder, message), each in its own write transaction: checked still due (another
    run may have sent it), sent, recorded. A failure leaves that one unsent and goes on; what was
    sent stays recorded. Returns the reminders sent or failed."""
    from therapy_cli.practice.client_reminders import record_sent, still_due

    done = []
    for reminder, msg in pending:
        with transaction() as db:
            if not still_due(db, reminder):
                continue
            try:
                mailer.send(msg)
            except SendFailed as exc:
                reminder.status, reminder.error = "failed", str(exc)
            else:
                record_sent(db, reminder)
        done.append(reminder)
    return done


class Mailer:
    """One connection to the server for a run: `with Mailer(config) as m: m.send(msg)`."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self.smtp = None
        self.password: str | None = None
        self.unreachable = False   # a connection lost mid-run is made again; one that cannot be, the run gives up

    def __enter__(self) -> "Mailer":
        self.password = _password(self.config)   # before connecting: a failing password manager sends nothing
        if self.password is not None and not (self.config.user + self.password).isascii():
            # smtplib sends a login as ASCII only (python/cpython#73936): said here, not as a UnicodeError about
            # "a value given", and neither the password nor the character is shown
            raise MailError(f"smtp.user or the password {ENV_PASSWORD_COMMAND} prints has a character outside "
                            "ASCII (such as £ or é), which Python's mail library cannot send in a login; use an "
                            "ASCII password (or an app password) for the mail server; nothing was sent")
        self._connect()
        return self

    def _connect(self) -> None:
        import smtplib
        import ssl

        c = self.config
        password = self.password
        where = f"{c.host}:{c.port}"
        # an IPv6 address is set in brackets (smtp.host takes no bare ':'); the socket wants it without them
        host = c.host[1:-1] if c.host.startswith("[") and c.host.endswith("]") else c.host
        try:
            context = ssl.create_default_context()
            if c.implicit_tls:
                self.smtp = smtplib.SMTP_SSL(host, c.port, timeout=TIMEOUT_SECONDS, context=context)
            else:
                self.smtp = smtplib.SMTP(host, c.port, timeout=TIMEOUT_SECONDS)
                if c.starttls:
                    self.smtp.starttls(context=context)
            if c.user:
                self.smtp.login(c.user, password)
        except smtplib.SMTPAuthenticationError:
            self._close()
            raise MailError(f"the mail server {where} refused the login of {c.user!r} (check smtp.user and "
                            f"the password {ENV_PASSWORD_COMMAND} prints); nothing was sent") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._close()
            what = "STARTTLS" if c.starttls and "STARTTLS" in str(exc).upper() else "login"
            raise MailError(f"the mail server {where} does not offer {what}; nothing was sent") from None
        except ssl.SSLError as exc:
            self._close()
            raise MailError(f"no secure connection to the mail server {where} ({exc.reason or 'TLS failed'}); "
                            "nothing was sent") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            reason = getattr(exc, "strerror", None) or exc.__class__.__name__
            raise MailError(f"cannot use the mail server {where} ({reason}); nothing was sent") from None

    def send(self, msg) -> None:
        import smtplib

        if self.smtp is None:
            # lost while sending an earlier one (a server that hangs up on one message, a 421): connect again, so
            # one message does not fail every reminder after it, every morning; if that fails, the run gives up
            if self.unreachable:
                raise SendFailed("the connection to the mail server was lost and could not be made again")
            try:
                self._connect()
            except MailError:
                self.unreachable = True
                raise SendFailed("the connection to the mail server was lost and could not be made again") from None
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [f"{code}" for code, _ in exc.recipients.values()]
            if "421" in codes:   # closing (a rate limit) at RCPT: smtplib has hung up; the next message connects again
                self._close()
                raise SendFailed("the server answered 421") from None
            raise SendFailed(f"the server refused the address ({', '.join(codes)})") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:   # the server is closing the connection: the next message connects again
                self._close()
            raise SendFailed(f"the server answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            raise SendFailed(f"the connection to the mail server was lost ({exc.__class__.__name__})") from None

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:      # already gone: nothing more to say to it
                try:
                    self.smtp.close()
                except Exception:
                    pass
            self.smtp = None

    def __exit__(self, *exc) -> None:
        self._close()
