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
