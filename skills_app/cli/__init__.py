"""The ``skills-app`` command line: a module per command group, loaded when used.

``COMMANDS`` names every command group (and the two single commands) with the
module that defines it and its one-line help, so that ``skills-app --help``
lists them without importing any: it loads click and Flask's command line,
never the app, its blueprints, pandas or Alembic. ``skills-app report --help``
imports only ``skills_app/cli/report.py``. A command loads the app
(``create_app``) when it runs.

Each command is one transaction: it commits once at the end
(skills_app/transaction.py), or rolls back and exits non-zero with a message
that says what is wrong and where. Commands call services; none touches the
session.
"""
from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

# name: (module:attribute, the first paragraph of its help, as `skills-app --help` shows it)
COMMANDS: dict[str, tuple[str, str]] = {
    "backup": ("skills_app.cli.backup:backup_command",
               "Write every table and every evidence file, as one consistent snapshot, to FILE (.tar.gz)."),
    "campaigns": ("skills_app.cli.campaigns:group", "Assessment campaigns: list them, remind those behind."),
    "credentials": ("skills_app.cli.credentials:group",
                    "The keys that sign verifiable credentials: list them, make a new one."),
    "crosswalks": ("skills_app.cli.crosswalks:group", "Crosswalks: one framework's levels mapped onto another's."),
    "db": ("flask_migrate.cli:db", "Perform database migrations."),
    "demo": ("skills_app.cli.demo:group", "The demo organisation."),
    "evidence": ("skills_app.cli.evidence:group", "Evidence files."),
    "frameworks": ("skills_app.cli.frameworks:group", "Import, list and export skills frameworks."),
    "kept": ("skills_app.cli.kept:group", "The kept requirements and current levels: check them against the rules, fix them."),
    "people": ("skills_app.cli.people:group", "Import people from an HR system's CSV export; erase a person."),
    "report": ("skills_app.cli.report:group", "Gap, service coverage and training-needs reports."),
    "requirements": ("skills_app.cli.requirements:group", "Job roles and services with their required skill levels."),
    "restore": ("skills_app.cli.backup:restore_command",
                "Restore FILE (made by `skills-app backup`) into an empty database migrated to the same revision."),
    "reviews": ("skills_app.cli.reviews:group", "The review process: service level checks."),
    "scim": ("skills_app.cli.scim:group", "SCIM provisioning (/scim/v2): its bearer tokens."),
    "settings": ("skills_app.cli.settings:group", "Settings an administrator can also change in the browser."),
    "uploads": ("skills_app.cli.uploads:group", "Files uploaded in the browser and kept for an import."),
    "users": ("skills_app.cli.users:group", "Create and manage accounts."),
    "worker": ("skills_app.cli.worker:worker_command",
               "Run a background-job worker (RQ on Redis) and its scheduler: big exports, imports, reminders."),
}


# The command groups that need no face of the app (no web page, API or SCIM), no migration
# and no other command: their app is ``create_app(lean=True)``, made in a fraction of the time.
LEAN = frozenset({"report"})


def load(name: str) -> click.Command:
    """The command ``name`` of ``COMMANDS``, its module imported now."""
    module, attribute = COMMANDS[name][0].split(":")
    return getattr(importlib.import_module(module), attribute)


class SkillsApp(FlaskGroup):
    """Flask's command group, with ``COMMANDS`` and Flask's plugin commands
    imported when one of them is asked for rather than to list them."""

    def __init__(self, **extra) -> None:
        super().__init__(**extra)
        self._plugins: dict = {}
        self.command_name: str | None = None  # the command asked for, once known

    def _load_plugin_commands(self) -> None:
        # Flask imports every plugin's commands to list them; here they are named
        # by their entry points and imported when used.
        if self._loaded_plugin_commands:
            return
        from importlib import metadata

        for entry in metadata.entry_points(group="flask.commands"):
            if entry.name not in COMMANDS and entry.name not in self.commands:
                self._plugins[entry.name] = entry
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            self.command_name = name
            return load(name)
        self._load_plugin_commands()
        if name in self._plugins:
            self.add_command(self._plugins.pop(name).load(), name)
        return super().get_command(ctx, name)  # run, shell, routes, a plugin, or the app's own

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted({*self.commands, *COMMANDS, *self._plugins})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
            elif name in COMMANDS:
                command = click.Command(name, help=COMMANDS[name][1])
            else:
                entry = self._plugins[name]
                command = click.Command(name, help=f"A command of {entry.dist.name if entry.dist else entry.module}.")
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


def register(app: Flask) -> None:
    """Every command group on ``app.cli`` (for ``flask`` and the test runner)."""
    for name in COMMANDS:
        if name not in app.cli.commands:
            app.cli.add_command(load(name), name)


def main() -> None:
    import gc

    from skills_app import create_app

    def make_app():
        # Loaded when a command runs, its name known by then.
        # A command answers no requests: it does without the serving app's warm start.
        ctx = click.get_current_context(silent=True)
        before = getattr(ctx.command, "before_app", None) if ctx is not None else None
        if before is not None:
            before(ctx)  # what the command starts before the app loads (report gaps: reports/early.py)
        return create_app({"WARM_START": False}, lean=cli.command_name in LEAN)

    cli = SkillsApp(name="skills-app", create_app=make_app,
                    help="skills_app: competency assessment and skills-framework tracker.")
    try:
        cli.main(prog_name="skills-app")
    finally:
        # What is left when a command ends is freed by the interpreter on its way out; its
        # collector would first walk every object (Flask, SQLAlchemy, the models: 100,000
        # and more) several times over, 0.6 s of CPU at each command's end. Frozen, they
        # are skipped: atexit handlers still run and every object is still released.
        gc.freeze()
