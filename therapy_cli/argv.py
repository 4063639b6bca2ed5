"""The command line before any parser sees it: the root options a user writes after the sub-command."""

from __future__ import annotations


# Root options that may also be written after the subcommand (`therapy report week --today 2026-11-01`).
GLOBAL_VALUE_OPTIONS = ("--db", "--today")
GLOBAL_FLAGS = ("--no-pager",)


def hoist_global_options(args: list[str]) -> list[str]:
    """Move `--db X` / `--today X` (or `--db=X`) found after the subcommand to the front.

    Scanning stops at `--`; a value that follows an option needing one is never taken for an option.
    """
    args = list(args)
    front: list[str] = []
    rest: list[str] = []
    seen_command = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if seen_command and arg in GLOBAL_FLAGS:
            front.append(arg)
            i += 1
            continue
        if seen_command and name in GLOBAL_VALUE_OPTIONS:
            if "=" in arg:
                front.append(arg)
            elif i + 1 < len(args):
                front += [arg, args[i + 1]]
                i += 1
            else:
                rest.append(arg)  # no value: let the parser say so
            i += 1
            continue
        if not seen_command:
            if name in GLOBAL_VALUE_OPTIONS and "=" not in arg:
                rest += args[i:i + 2]
                i += 2
                continue
            if not arg.startswith("-"):
                seen_command = True
        rest.append(arg)
        i += 1
    return front + rest


def conflicting_global_option(args: list[str]) -> tuple[str, str, str] | None:
    """In hoisted ARGS, a root option given twice with different values, `(name, first, second)`: with an alias
    `therapy --db ~/caseload.db`, `client add X --db /tmp/test.db` would otherwise write to the caseload."""
    seen: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        name, eq, value = args[i].partition("=")
        if name in GLOBAL_VALUE_OPTIONS:
            if not eq:
                if i + 1 >= len(args):
                    return None
                value = args[i + 1]
                i += 1
            if name in seen and seen[name] != value:
                return name, seen[name], value
            seen[name] = value
        i += 1
    return None
