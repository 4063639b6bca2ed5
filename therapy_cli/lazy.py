"""Typer's internals, in one room: the lazy command tree and the command class for paired options.

Everything here reaches past Typer's public API (`typer.main.get_group_from_info`,
`get_command_from_info`, `solve_typer_info_defaults`, swapping a built group's
class, the click parameters of a built command); tests/test_lazy.py pins the
contract, so a Typer upgrade that changes them fails there first.
"""

from __future__ import annotations

import typer
from typer.core import TyperCommand, TyperGroup


class LazyGroup(TyperGroup):
    """A group whose sub-commands become click commands only when used.

    Start-up time: Typer otherwise builds every option of every command on every
    run (~2 ms each, through typing.get_type_hints). `main()` uses this for the
    root and each group, and so do the tests; docgen walks the full tree.
    """

    lazy: dict = {}
    root: typer.Typer | None = None   # the Typer app whose settings the converted commands take

    def list_commands(self, ctx):
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = _convert(self.lazy[cmd_name], self.root)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx, args):
        """As TyperGroup's, suggesting from every command, built or not."""
        from difflib import get_close_matches

        from typer._click.exceptions import UsageError

        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if self.suggest_commands and args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise

    def invoke(self, ctx):
        """As TyperGroup's; a time typed outside the quotes of its date gets a hint (see `_quote_hint`)."""
        from typer._click.exceptions import UsageError

        words = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            # the first words are the names of the commands below this group (`list` of `session list`)
            names, inner = 0, exc.ctx
            while inner is not None and inner is not ctx:
                names, inner = names + 1, inner.parent
            exc.message = _quote_hint(exc.message, words, names if inner is ctx else len(words))
            _dash_hint(exc, words)
            raise

    def format_commands(self, ctx, formatter):
        if not self.lazy:
            return super().format_commands(ctx, formatter)
        rows = [(name, self.commands.get(name) or _stand_in(name, self.lazy[name])) for name in self.list_commands(ctx)]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


# the options that take a date and a time in one value ('YYYY-MM-DD HH:MM', 'tomorrow 10:00')
DATE_TIME_OPTIONS = ("--at", "--start", "--to")
QUOTE_HINT = "a date and its time go in one pair of quotes"


def _quote_hint(message: str, words: list[str], names: int = 1) -> str:
    """`--at tomorrow 10:00` unquoted leaves `10:00` over, which click calls an unexpected extra argument:
    say what was meant (`--at 'tomorrow 10:00'`). Any other message is returned as it is. The first `names`
    words are command names: `session list morgan` is no name of two words."""
    import re

    if not message.startswith("Got unexpected extra argument") or QUOTE_HINT in message:
        return message
    for option, day, time in zip(words, words[1:], words[2:]):
        if option in DATE_TIME_OPTIONS and re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", time) and f"({time}" in message:
            return f"{message.rstrip('.')}: {QUOTE_HINT}, {option} '{day} {time}'"
    # `contact add Dr Priya Shah`, `plan set alex --problem low mood`: the words after the first were left over
    left = re.search(r"\(([^()]+)\)\.?$", message)
    extra = left[1].split() if left else []
    for i in range(names + 1, len(words) - len(extra) + 1):
        before = words[i - 1]
        if extra and words[i:i + len(extra)] == extra and not before.startswith("-") and \
                any(ch.isalpha() for ch in " ".join(extra)) and "'" not in before + left[1]:
            return (f"{message.rstrip('.')}: a name or text of several words goes in one pair of quotes, "
                    f"'{before} {left[1]}'")
    return message


def _dash_hint(exc, words: list[str]) -> None:
    """`payment add 1 -60`, `session note 10 '- bullet'`: a value that begins with '-' is taken for an option, and
    click names a short option nobody typed (`No such option: -6`). Say what happened and how to give the value.
    Any other error is left as it is."""
    name = getattr(exc, "option_name", None)
    if not name or name.startswith("--") or len(name) < 2 or name[1].isalpha():
        return
    word = next((w for w in words if w.startswith(name)), None)
    if word is None:
        return
    shown = word if " " not in word and "'" not in word else repr(word)
    exc.possibilities = None
    exc.message = (f"{shown} begins with '-', so it was read as an option; to give it as a value, put -- before "
                   f"it (… -- {shown})")


def _convert(info, root: typer.Typer):
    """One registered group or command as its click command (what Typer builds for the full tree)."""
    from typer.models import CommandInfo

    if isinstance(info, CommandInfo):
        return typer.main.get_command_from_info(info, pretty_exceptions_short=root.pretty_exceptions_short,
                                                rich_markup_mode=root.rich_markup_mode)

    def build():
        return typer.main.get_group_from_info(info, pretty_exceptions_short=root.pretty_exceptions_short,
                                              rich_markup_mode=root.rich_markup_mode,
                                              suggest_commands=root.suggest_commands)

    sub = info.typer_instance
    lazy = all(g.name for g in sub.registered_groups)
    groups, commands = sub.registered_groups, sub.registered_commands
    if lazy:
        sub.registered_groups, sub.registered_commands = [], []
    try:
        group = build()
    finally:
        sub.registered_groups, sub.registered_commands = groups, commands
    if lazy and type(group) is TyperGroup:
        group.__class__ = LazyGroup
        group.lazy = _lazy_entries(commands, groups)
        group.root = root
    elif lazy:  # a custom group class: build it whole
        return build()
    return group


def _lazy_entries(commands, groups) -> dict:
    """Registered commands then groups, by name: the order Typer lists them in."""
    lazy = {}
    for info in commands:
        lazy[info.name or typer.main.get_command_name(info.callback.__name__)] = info
    for info in groups:
        lazy[info.name] = info
    return lazy


def _stand_in(name: str, info):
    """A click command carrying only the help of a registered one: enough to list it in --help."""
    import inspect

    from typer.core import TyperCommand
    from typer.models import CommandInfo

    if isinstance(info, CommandInfo):
        text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
        return TyperCommand(name, help=text, short_help=info.short_help, hidden=info.hidden,
                              deprecated=info.deprecated)
    solved = typer.main.solve_typer_info_defaults(info)
    return TyperCommand(name, help=solved.help, short_help=solved.short_help, hidden=solved.hidden,
                          deprecated=solved.deprecated)


def build_lazy_root(app: typer.Typer):
    """The root click group of `app` (its `cls` must be a LazyGroup) with sub-commands converted on first use."""
    groups, commands = app.registered_groups, app.registered_commands
    app.registered_groups, app.registered_commands = [], []
    try:
        root = typer.main.get_command(app)
    finally:
        app.registered_groups, app.registered_commands = groups, commands
    root.lazy = _lazy_entries(commands, groups)
    root.root = app
    return root


class PairOptionCommand(TyperCommand):
    """A command whose list options named in `pairs` take two values each (`--value status 'No Show'=dna`).

    Typer cannot declare a repeatable option of tuples (List[Tuple[str, str]]);
    declared as List[str], click is told here to read two tokens per use, and the
    command receives a list of (first, second) tuples.
    """

    pairs: tuple[str, ...] = ("value",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.name in self.pairs and getattr(param, "multiple", False):
                param.nargs = 2
