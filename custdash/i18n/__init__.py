"""English and 简体中文: every label, column header and message, and money formatting.

`t(key, lang)` looks a key up; a test checks every key has both languages and every
key used in the code exists. The dictionaries are kept by area: `app` (the frame: navigation,
sign-in, the store, filters), `headers` (columns and the values in cells), `pages` (each
page's own texts), `work` (working the lists). Money: ¥ with thousands separators in English, 万 in Chinese.
"""

from __future__ import annotations

import math

from custdash.i18n.app import APP
from custdash.i18n.headers import HEADERS
from custdash.i18n.pages import PAGES
from custdash.i18n.work import WORK
from custdash.rules import Rules

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "简体中文"}

# Every text by key, from the areas' dictionaries (no key is in two: tests/test_layout.py).
TEXT: dict[str, dict[str, str]] = {**APP, **HEADERS, **PAGES, **WORK}


def t(key: str, lang: str, **kw: object) -> str:
    text = TEXT[key][lang if lang in LANGS else "en"]
    return text.format(**kw) if kw else text


def list_label(name: str, lang: str) -> str:
    """A contact list (lists.contact_names) or a queue reason in words."""
    if name.startswith("honeymoon-"):
        return t("contact.list.honeymoon", lang, wave=name.removeprefix("honeymoon-"))
    if name == "honeymoon":
        return t("contact.list.honeymoon_any", lang)
    if name == "follow_up":
        return t("reason.follow_up", lang)
    return t(f"contact.list.{name}", lang)


def reasons_text(value: object, lang: str) -> str:
    """A queue row's reasons ("follow_up,threshold") in words, in order."""
    return (
        "、".join(list_label(r, lang) for r in str(value or "").split(",") if r)
        if lang == "zh"
        else ", ".join(list_label(r, lang) for r in str(value or "").split(",") if r)
    )


def tier_label(code: str, rules: Rules, lang: str) -> str:
    tier = rules.tier(code)
    return f"{code} {tier.name_zh if lang == 'zh' else tier.name_en}"


def wave_label(wave: int, rules: Rules, lang: str) -> str:
    w = rules.honeymoon.waves[wave - 1]
    return f"{wave} {w.name_zh if lang == 'zh' else w.name_en}"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wave_aims(waves: str | None, rules: Rules, lang: str) -> str:
    """The aims (from the rules) of waves listed as "2,3": what the manager calls about."""
    if not waves:
        return ""
    ws = rules.honeymoon.waves
    return "; ".join(
        (ws[int(k) - 1].aim_zh if lang == "zh" else ws[int(k) - 1].aim_en) for k in str(waves).split(",") if k
    )


def money(value: float | None, lang: str) -> str:
    """Compact, for figures: ¥1,234,567 in English; 1.15亿, 123.46万 or 3.50元 in Chinese."""
    if _missing(value):
        return ""
    if lang == "zh":
        if abs(value) >= 100_000_000:
            return f"{value / 100_000_000:,.2f}亿"
        if abs(value) >= 10_000:
            return f"{value / 10_000:,.2f}万"
        return f"{value:,.2f}元"
    return f"¥{value:,.2f}" if abs(value) < 100 else f"¥{value:,.0f}"


def money_exact(value: float | None, lang: str) -> str:
    """To the fen, for a customer's row (¥99,994.00 must not read as the 10.00万 threshold).
    In Chinese, from 1万 on, in 万 (亿) as everywhere else on screen, cut (never rounded) to
    0.01万: 99,994 reads 9.99万, never 10.00万; 11,973,413.28 reads 1,197.34万, not a string of
    eight digits. The exports keep every fen."""
    if _missing(value):
        return ""
    if lang != "zh":
        return f"¥{value:,.2f}"
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(value) >= size:
            return f"{math.trunc(value / size * 100) / 100:,.2f}{unit}"
    return f"{value:,.2f}元"


def money_scale(lang: str) -> float:
    """Divide amounts by this for chart axes (万 in Chinese)."""
    return 10_000.0 if lang == "zh" else 1.0


def percent(value: float | None, digits: int = 1) -> str:
    if _missing(value):
        return ""
    return f"{value * 100:.{digits}f}%"


def points(v: float | None, lang: str) -> str:
    """A difference of two rates: "+12.5 pp" / "+12.5个百分点"."""
    if v is None or v != v:
        return ""
    return f"{v * 100:+.1f} pp" if lang == "en" else f"{v * 100:+.1f}个百分点"
