"""Birthdays in the week ahead (关怀提醒, DOMAIN.md §6): a courtesy call, so 回检 measures no
outcome for it."""

from __future__ import annotations

from custdash.lists.base import CallList, fixed_columns
from custdash.queries import birthdays

LIST = CallList(
    name="birthdays",
    page="birthdays",
    count="birthdays",
    select=birthdays.birthdays_select,
    shape=birthdays.shape_list,
    columns=fixed_columns(birthdays.LIST_COLUMNS),
    summary_key="birthdays",
    queue_rank=6,
)
