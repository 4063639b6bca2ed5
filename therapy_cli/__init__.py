"""therapy: a private, scriptable caseload tool for psychotherapists."""

__version__ = "0.1.0"
ISSUES_URL = "https://github.com/therapy-cli/therapy/issues"
