"""The call lists, one module each (custdash/lists/<name>.py declares a `LIST`), and what the
code around them reads of them: the contact lists a call can be logged for, My day's order,
回检's lists, the overview's tiles. Everything else iterates `LISTS`; no module outside this
package names a list (tests/test_layout.py).

Adding a list: its module here (and in `MODULES`), its page file, its i18n keys (and a fact
column where it has one): docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from custdash.lists import (
    alliance_unused,
    birthdays,
    churn,
    dormant,
    downgrade,
    honeymoon,
    household,
    maturity,
    threshold,
)
from custdash.lists.base import OTHER, CallList, RowGetter
from custdash.rules import Rules

# The registry's order is the lists' order everywhere (the CLI, a customer's lists, the
# overview's tiles left to right).
MODULES = (threshold, dormant, honeymoon, alliance_unused, churn, downgrade, maturity, birthdays, household)
LISTS: dict[str, CallList] = {m.LIST.name: m.LIST for m in MODULES}


def call_list_spec(name: str) -> CallList:
    if name not in LISTS:
        raise ValueError(f"unknown list {name!r}; expected one of {', '.join(LISTS)}")
    return LISTS[name]


def contact_names(rules: Rules) -> tuple[str, ...]:
    """Every list a contact can be for (DOMAIN.md §7), in registry order, then `other`."""
    return (*[n for spec in LISTS.values() for n in spec.contact_names(rules)], OTHER)


def worked_for(name: str, get: RowGetter, rules: Rules) -> str:
    """The contact list a row of call list `name` is worked for (`get(column)`: the row's value)."""
    return call_list_spec(name).worked_for(get, rules)


def queue() -> list[CallList]:
    """The lists My day draws from, in its order (each list's `queue_rank`): dated chances first
    (a honeymoon wave's window, a maturity date), then money about to leave or a tier about to
    be lost, then the rest; birthdays before the slow lists (within the week)."""
    return sorted((s for s in LISTS.values() if s.queue_rank is not None), key=lambda s: s.queue_rank or 0)


def measured() -> list[CallList]:
    """The lists 回检 measures, in its table's order."""
    return sorted((s for s in LISTS.values() if s.outcome is not None), key=lambda s: s.outcome_rank)


def overview_tiles() -> list[tuple[str, str, dict[str, str]]]:
    """The overview's "Today" tiles, left to right: (list_sizes key, page, the list's options counted)."""
    return [(key, spec.page, where) for spec in LISTS.values() for key, where in spec.overview_tiles()]
