"""Settings read from the environment: each with a default and help text.

`docs/CONFIGURATION.md` lists the same table; a test checks the two agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def get(self) -> str:
        return os.environ.get(self.name) or self.default


SETTINGS = [
    Setting(
        "CUSTDASH_DB",
        "data/custdash.db",
        "The store: a SQLite file path, or a PostgreSQL URL postgresql://user:password@host:5432/database (docs/DEPLOYMENT.md).",
    ),
    Setting("CUSTDASH_RULES", "", "Path of a rules TOML file to use instead of the packaged custdash/rules.toml."),
    Setting("CUSTDASH_LANG", "zh", "Default dashboard language (login page included): zh or en."),
    Setting(
        "CUSTDASH_UP_COLOR",
        "red",
        "Colour of a rise in metrics and charts: red (the Chinese market convention, falls green) or green "
        "(falls red).",
    ),
    Setting(
        "CUSTDASH_DEMO_CUSTOMERS",
        "20000",
        "Customers in the demo store generated on first start when no store exists (0: never generate).",
    ),
    Setting(
        "CUSTDASH_IMPORT_FUTURE_DAYS",
        "7",
        "An extract without extract.json takes its as-of date from its latest date; a row dated more than "
        "this many days after the import day is refused (a typo would otherwise become the as-of date).",
    ),
    Setting(
        "CUSTDASH_MONTH_END_FACTS",
        "12",
        "How many month-ends before the extract date get their figures written after each load, so the "
        "overview, the lists and their charts answer them as fast as the extract date (0 to 24; 0: computed "
        "live when asked).",
    ),
    Setting(
        "CUSTDASH_IDLE_MINUTES",
        "30",
        "Minutes without activity after which a dashboard session has to sign in again.",
    ),
    Setting(
        "CUSTDASH_EXPORT_DIR",
        "data/exports",
        "Folder where `custdash export` writes a list when --out names no file (created when missing; "
        "never the current folder, which may be a source checkout).",
    ),
]
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    return _BY_NAME[name].get()


MAX_MONTH_END_FACTS = 24


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and what it accepts."""


def month_end_facts() -> int:
    """CUSTDASH_MONTH_END_FACTS, checked: a whole number from 0 to MAX_MONTH_END_FACTS."""
    raw = setting("CUSTDASH_MONTH_END_FACTS").strip()
    if not raw.isdigit() or int(raw) > MAX_MONTH_END_FACTS:
        raise SettingError(
            f"CUSTDASH_MONTH_END_FACTS must be a whole number from 0 to {MAX_MONTH_END_FACTS}, got {raw!r}"
        )
    return int(raw)


def db_url() -> str:
    return setting("CUSTDASH_DB")


def default_lang() -> str:
    lang = setting("CUSTDASH_LANG")
    return lang if lang in ("zh", "en") else "zh"


def up_is_red() -> bool:
    return setting("CUSTDASH_UP_COLOR") != "green"
