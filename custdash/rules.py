"""The business rules: one validated TOML file, defaults documented in docs/RULES.md.

`load_rules()` reads `CUSTDASH_RULES` (or the packaged `rules.toml`) and returns a
frozen `Rules`. Every problem raises `RulesError` naming the key, so a bank that
edits the file learns exactly what to fix.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import time
from pathlib import Path
from typing import Any

from custdash.rules_grades import SECTIONS as CONTRIBUTION
from custdash.rules_grades import GradeRules, MatrixRules

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.toml")


class RulesError(ValueError):
    """An invalid rules file; the message names the file and the key."""


@dataclass(frozen=True)
class Tier:
    code: str
    name_en: str
    name_zh: str
    lower_bound: float


@dataclass(frozen=True)
class Wave:
    wave: int
    name_en: str
    name_zh: str
    start: int
    end: int
    aim_en: str
    aim_zh: str

    @property
    def key(self) -> str:
        """Its key as a round of the honeymoon campaign (custdash/rounds.py): `honeymoon-<k>`."""
        return str(self.wave)


@dataclass(frozen=True)
class ThresholdRules:
    band: float
    band_min: float
    band_max: float


@dataclass(frozen=True)
class DormantRules:
    days: int
    non_activity_kinds: tuple[str, ...]
    zero_balance_below: float
    priority_peak_aum: float
    peak_months: int


@dataclass(frozen=True)
class AllianceRules:
    weekend_from_weekday: int
    weekend_from_time: time
    peak_seasons: tuple[tuple[str, str], ...]
    statutory_holidays: bool
    entitlement: dict[str, int]
    discount_peak: float
    discount_off_peak: float
    segment_days: int
    film_lover_min_redemptions: int
    alliance_channel: str


@dataclass(frozen=True)
class HoneymoonRules:
    days: int
    waves: tuple[Wave, ...]
    cohort_months: int
    cohort_min_products: int


@dataclass(frozen=True)
class ChurnRules:
    window_days: int
    min_outflows: int
    min_outflow_total: float
    aum_drop_ratio: float
    aum_drop_floor: float
    aum_drop_months: int


@dataclass(frozen=True)
class MaturityRules:
    days_ahead: int  # on the list when A < matures_on <= A + days_ahead
    retain_days: int  # retained: a new product within this many days after matures_on
    retain_products: tuple[str, ...]
    retained_window_days: int  # the rate covers products that matured in this many days up to A


@dataclass(frozen=True)
class BirthdayRules:
    window_days: int  # birthdays in A .. A + window_days - 1


@dataclass(frozen=True)
class HouseholdRules:
    # Each member's free-ticket entitlement is that of the higher of their own and the
    # household tier (DOMAIN.md §8); off: their own tier's.
    share_entitlement: bool


@dataclass(frozen=True)
class ContactRules:
    cycle_days: int
    do_not_contact_days: int
    outcome_days: int
    daily_capacity: int
    backdate_days: int  # a contact may be dated this many days before today (or the extract date if earlier)
    follow_up_days: int  # a follow-up at most this many days after the contact
    small_sample: int  # 回检: a rate over fewer customers than this is marked as anecdotal
    # 回检: the products whose opening by a wave's last day is that wave's outcome; a wave not
    # named reaches its outcome with the second tier or above at day `honeymoon.days`.
    wave_products: dict[int, tuple[str, ...]]


@dataclass(frozen=True)
class Rules:
    tiers: tuple[Tier, ...]
    threshold: ThresholdRules
    dormant: DormantRules
    alliance: AllianceRules
    honeymoon: HoneymoonRules
    churn: ChurnRules
    maturity: MaturityRules
    birthdays: BirthdayRules
    contact: ContactRules
    households: HouseholdRules
    grades: GradeRules
    matrix: MatrixRules
    source: str
    fingerprint: str
    # Sections and keys the file did not have, taken from the packaged defaults (a bank's copy
    # from an earlier version): `custdash check` names them.
    defaulted: tuple[str, ...] = ()

    @property
    def tier_codes(self) -> list[str]:
        return [t.code for t in self.tiers]

    def tier(self, code: str) -> Tier:
        for t in self.tiers:
            if t.code == code:
                return t
        raise KeyError(code)

    def tier_of(self, aum: float) -> str:
        """The tier code for an AUM figure (used by the generator and tests)."""
        code = self.tiers[0].code
        for t in self.tiers:
            if aum >= t.lower_bound:
                code = t.code
        return code

    def tiers_of(self, aums: Iterable[float]) -> list[str]:
        """Tier codes for many AUM figures (a long list's chart): a binary search each."""
        bounds = [t.lower_bound for t in self.tiers]
        codes = self.tier_codes
        return [codes[max(bisect.bisect_right(bounds, a) - 1, 0)] for a in aums]


ACTIVITY_KINDS = ("payroll", "transfer", "purchase", "atm", "fee", "interest")

# Each section's keys are its dataclass's fields: declared once.
_SECTION_RULES = {
    "threshold": ThresholdRules,
    "dormant": DormantRules,
    "alliance": AllianceRules,
    "honeymoon": HoneymoonRules,
    "churn": ChurnRules,
    "maturity": MaturityRules,
    "birthdays": BirthdayRules,
    "households": HouseholdRules,
    "contact": ContactRules,
}
_SECTIONS = {
    "tiers": {"levels"},
    **{name: keys for name, (keys, _parse) in CONTRIBUTION.items()},
    **{name: {f.name for f in fields(kind)} for name, kind in _SECTION_RULES.items()},
}
_TIER_KEYS = {"code", "name_en", "name_zh", "lower_bound"}
_WAVE_KEYS = {"wave", "name_en", "name_zh", "start", "end", "aim_en", "aim_zh"}
_MD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class _Reader:
    """Typed access to one table of the TOML file, with key-naming errors."""

    def __init__(self, src: str, prefix: str, table: Any, allowed: set[str]):
        self.src, self.prefix = src, prefix
        if not isinstance(table, dict):
            self.fail("", "must be a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(unknown[0], "unknown key")
        missing = sorted(allowed - set(table))
        if missing:
            self.fail(missing[0], "missing key")
        self.table = table

    def fail(self, key: str, problem: str) -> None:
        name = f"{self.prefix}.{key}" if key else self.prefix
        raise RulesError(f"{self.src}: {name}: {problem}")

    def num(self, key: str, *, lo: float | None = None, hi: float | None = None, integer: bool = False) -> Any:
        v = self.table[key]
        ok_types = (int,) if integer else (int, float)
        if isinstance(v, bool) or not isinstance(v, ok_types):
            self.fail(key, f"must be {'an integer' if integer else 'a number'}, got {v!r}")
        if lo is not None and v < lo:
            self.fail(key, f"must be >= {lo}, got {v!r}")
        if hi is not None and v > hi:
            self.fail(key, f"must be <= {hi}, got {v!r}")
        return v

    def flag(self, key: str) -> bool:
        v = self.table[key]
        if not isinstance(v, bool):
            self.fail(key, f"must be true or false, got {v!r}")
        return v

    def text(self, key: str) -> str:
        v = self.table[key]
        if not isinstance(v, str) or not v.strip():
            self.fail(key, f"must be a non-empty string, got {v!r}")
        return v


def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """Load and validate the rules file (`path`, else `CUSTDASH_RULES`, else the default)."""
    p = Path(path or os.environ.get("CUSTDASH_RULES") or DEFAULT_RULES_PATH)
    src = str(p)
    try:
        raw_bytes = p.read_bytes()
    except FileNotFoundError:
        raise RulesError(f"{src}: rules file not found (check CUSTDASH_RULES)") from None
    except OSError as e:
        raise RulesError(f"{src}: cannot read rules file: {e.strerror}") from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise RulesError(f"{src}: rules file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"{src}: not valid TOML: {e}") from None
    raw, defaulted = with_defaults(raw)
    return parse_rules(raw, src=src, defaulted=defaulted)


def with_defaults(raw: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A rules file with what it lacks taken from the packaged file: a bank's edited copy of an
    earlier version keeps working after an upgrade (a new section or key takes its default),
    and the names of what was taken. Everything the file has is validated as it is."""
    defaults = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    merged, taken = dict(raw), []
    for section, table in defaults.items():
        if section not in raw:
            merged[section], _ = table, taken.append(section)
        elif isinstance(raw[section], dict):
            for key in table.keys() - raw[section].keys():
                merged[section] = {**merged[section], key: table[key]}
                taken.append(f"{section}.{key}")
    return merged, tuple(sorted(taken))


# Sections no materialised fact depends on: editing them (or a release adding one) must not
# send every view to the slow live path until `custdash refresh`.
NOT_IN_FACTS = frozenset({"contact", "maturity", "birthdays"})


def fingerprint_of(raw: dict[str, Any]) -> str:
    """A short hash of the rules' content that the facts depend on (not the file's bytes:
    comments do not change it; nor do the sections in NOT_IN_FACTS). Stores record it with
    their materialised facts, which are valid only under the same rules."""
    kept = {k: v for k, v in raw.items() if k not in NOT_IN_FACTS}
    text = json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_rules(
    raw: dict[str, Any], *, src: str = "<rules>", fingerprint: str = "", defaulted: tuple[str, ...] = ()
) -> Rules:
    fingerprint = fingerprint or fingerprint_of(raw)
    top = _Reader(src, "rules", raw, set(_SECTIONS))
    del top
    tiers = _parse_tiers(src, raw["tiers"])
    codes = [t.code for t in tiers]

    r = _Reader(src, "threshold", raw["threshold"], _SECTIONS["threshold"])
    band_min = r.num("band_min", lo=0, hi=1)
    band_max = r.num("band_max", lo=0, hi=1)
    if band_min > band_max:
        r.fail("band_min", f"must be <= band_max ({band_max})")
    band = r.num("band", lo=0, hi=1)
    if not band_min <= band <= band_max:
        r.fail("band", f"must lie between band_min ({band_min}) and band_max ({band_max}), got {band}")
    threshold = ThresholdRules(band=float(band), band_min=float(band_min), band_max=float(band_max))

    r = _Reader(src, "dormant", raw["dormant"], _SECTIONS["dormant"])
    kinds = r.table["non_activity_kinds"]
    if not isinstance(kinds, list) or any(k not in ACTIVITY_KINDS for k in kinds):
        r.fail("non_activity_kinds", f"must be a list of transaction kinds from {ACTIVITY_KINDS}, got {kinds!r}")
    dormant = DormantRules(
        days=r.num("days", lo=1, integer=True),
        non_activity_kinds=tuple(kinds),
        zero_balance_below=float(r.num("zero_balance_below", lo=0)),
        priority_peak_aum=float(r.num("priority_peak_aum", lo=0)),
        peak_months=r.num("peak_months", lo=1, hi=120, integer=True),
    )

    alliance = _parse_alliance(src, raw["alliance"], codes)
    honeymoon = _parse_honeymoon(src, raw["honeymoon"])

    r = _Reader(src, "churn", raw["churn"], _SECTIONS["churn"])
    churn = ChurnRules(
        window_days=r.num("window_days", lo=1, integer=True),
        min_outflows=r.num("min_outflows", lo=1, integer=True),
        min_outflow_total=float(r.num("min_outflow_total", lo=0)),
        aum_drop_ratio=float(r.num("aum_drop_ratio", lo=0, hi=1)),
        aum_drop_floor=float(r.num("aum_drop_floor", lo=0)),
        aum_drop_months=r.num("aum_drop_months", lo=1, hi=24, integer=True),
    )
    r = _Reader(src, "maturity", raw["maturity"], _SECTIONS["maturity"])
    retain = r.table["retain_products"]
    if not isinstance(retain, list) or not retain or any(p not in PRODUCTS for p in retain):
        r.fail("retain_products", f"must be a non-empty list of products from {PRODUCTS}, got {retain!r}")
    maturity = MaturityRules(
        days_ahead=r.num("days_ahead", lo=1, hi=366, integer=True),
        retain_days=r.num("retain_days", lo=0, hi=366, integer=True),
        retain_products=tuple(retain),
        retained_window_days=r.num("retained_window_days", lo=1, hi=366, integer=True),
    )
    r = _Reader(src, "birthdays", raw["birthdays"], _SECTIONS["birthdays"])
    birthdays = BirthdayRules(window_days=r.num("window_days", lo=1, hi=31, integer=True))
    r = _Reader(src, "contact", raw["contact"], _SECTIONS["contact"])
    contact = ContactRules(
        cycle_days=r.num("cycle_days", lo=1, hi=366, integer=True),
        do_not_contact_days=r.num("do_not_contact_days", lo=1, hi=3660, integer=True),
        outcome_days=r.num("outcome_days", lo=1, hi=366, integer=True),
        daily_capacity=r.num("daily_capacity", lo=1, hi=1000, integer=True),
        backdate_days=r.num("backdate_days", lo=0, hi=366, integer=True),
        follow_up_days=r.num("follow_up_days", lo=1, hi=3660, integer=True),
        small_sample=r.num("small_sample", lo=1, hi=1000, integer=True),
        wave_products=_wave_products(r, [w.wave for w in honeymoon.waves]),
    )
    r = _Reader(src, "households", raw["households"], _SECTIONS["households"])
    households = HouseholdRules(share_entitlement=r.flag("share_entitlement"))
    sections = (threshold, dormant, alliance, honeymoon, churn, maturity, birthdays, contact, households)
    # DOMAIN.md §9's sections (custdash/rules_grades.py).
    contribution = [parse(_Reader(src, n, raw[n], _SECTIONS[n])) for n, (_keys, parse) in CONTRIBUTION.items()]
    return Rules(tiers, *sections, *contribution, src, fingerprint, defaulted)


PRODUCTS = (
    "mobile_banking",
    "payroll_agreement",
    "utility_autopay",
    "time_deposit",
    "wealth",
    "fund",
    "insurance",
    "credit_card",
)
# The products that mature (the contract's matures_on column is for these alone).
MATURING = ("time_deposit", "wealth")


def _wave_products(r: _Reader, waves: list[int]) -> dict[int, tuple[str, ...]]:
    raw = r.table["wave_products"]
    if not isinstance(raw, dict):
        r.fail("wave_products", 'must be a table of wave number = [products], e.g. { 1 = ["mobile_banking"] }')
    out: dict[int, tuple[str, ...]] = {}
    for key, products in raw.items():
        if not key.isdigit() or int(key) not in waves:
            r.fail(f"wave_products.{key}", f"not a honeymoon wave (the waves are {waves})")
        if not isinstance(products, list) or not products or any(p not in PRODUCTS for p in products):
            r.fail(f"wave_products.{key}", f"must be a non-empty list of products from {PRODUCTS}, got {products!r}")
        out[int(key)] = tuple(products)
    return out


def _parse_tiers(src: str, section: Any) -> tuple[Tier, ...]:
    r = _Reader(src, "tiers", section, _SECTIONS["tiers"])
    levels = r.table["levels"]
    if not isinstance(levels, list) or len(levels) < 2:
        r.fail("levels", "must be a list of at least two tiers")
    tiers: list[Tier] = []
    for i, level in enumerate(levels):
        t = _Reader(src, f"tiers.levels[{i}]", level, _TIER_KEYS)
        tiers.append(Tier(t.text("code"), t.text("name_en"), t.text("name_zh"), float(t.num("lower_bound", lo=0))))
    if tiers[0].lower_bound != 0:
        r.fail("levels", "the first tier must start at lower_bound 0")
    for prev, cur in zip(tiers, tiers[1:]):
        if cur.lower_bound <= prev.lower_bound:
            r.fail(
                "levels",
                f"not sorted: {cur.code} ({cur.lower_bound:g}) must be above {prev.code} ({prev.lower_bound:g})",
            )
    codes = [t.code for t in tiers]
    if len(set(codes)) != len(codes):
        r.fail("levels", "tier codes must be unique")
    return tuple(tiers)


def _parse_alliance(src: str, section: Any, codes: list[str]) -> AllianceRules:
    r = _Reader(src, "alliance", section, _SECTIONS["alliance"])
    tm = r.text("weekend_from_time")
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", tm)
    if not m:
        r.fail("weekend_from_time", f"must be HH:MM, got {tm!r}")
    seasons = r.table["peak_seasons"]
    if not isinstance(seasons, list) or any(
        not (
            isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) and _MD.match(x) for x in s) and s[0] <= s[1]
        )
        for s in seasons
    ):
        r.fail("peak_seasons", f'must be a list of ["MM-DD", "MM-DD"] ranges with start <= end, got {seasons!r}')
    ent = r.table["entitlement"]
    if not isinstance(ent, dict) or sorted(ent) != sorted(codes):
        r.fail(
            "entitlement",
            f"must give a ticket count for exactly the tiers {codes}, got {sorted(ent) if isinstance(ent, dict) else ent!r}",
        )
    for code, n in ent.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            r.fail(f"entitlement.{code}", f"must be a whole number >= 0, got {n!r}")
    if not isinstance(r.table["statutory_holidays"], bool):
        r.fail("statutory_holidays", "must be true or false")
    return AllianceRules(
        weekend_from_weekday=r.num("weekend_from_weekday", lo=0, hi=6, integer=True),
        weekend_from_time=time(int(m.group(1)), int(m.group(2))),
        peak_seasons=tuple((s[0], s[1]) for s in seasons),
        statutory_holidays=r.table["statutory_holidays"],
        entitlement=dict(ent),
        discount_peak=float(r.num("discount_peak", lo=0, hi=1)),
        discount_off_peak=float(r.num("discount_off_peak", lo=0, hi=1)),
        segment_days=r.num("segment_days", lo=1, integer=True),
        film_lover_min_redemptions=r.num("film_lover_min_redemptions", lo=1, integer=True),
        alliance_channel=r.text("alliance_channel"),
    )


def _parse_honeymoon(src: str, section: Any) -> HoneymoonRules:
    r = _Reader(src, "honeymoon", section, _SECTIONS["honeymoon"])
    days = r.num("days", lo=1, integer=True)
    raw_waves = r.table["waves"]
    if not isinstance(raw_waves, list) or not raw_waves:
        r.fail("waves", "must be a non-empty list")
    waves: list[Wave] = []
    for i, w in enumerate(raw_waves):
        t = _Reader(src, f"honeymoon.waves[{i}]", w, _WAVE_KEYS)
        wave = Wave(
            wave=t.num("wave", lo=1, integer=True),
            name_en=t.text("name_en"),
            name_zh=t.text("name_zh"),
            start=t.num("start", lo=0, integer=True),
            end=t.num("end", lo=0, integer=True),
            aim_en=t.text("aim_en"),
            aim_zh=t.text("aim_zh"),
        )
        if wave.end < wave.start:
            t.fail("end", f"must be >= start ({wave.start}), got {wave.end}")
        if wave.end > days:
            t.fail("end", f"must be <= honeymoon.days ({days}), got {wave.end}")
        if wave.wave != i + 1:
            t.fail("wave", f"waves must be numbered 1, 2, 3 ... in order; expected {i + 1}, got {wave.wave}")
        if waves and wave.start <= waves[-1].end:
            r.fail(
                "waves",
                f"overlap: wave {wave.wave} starts on day {wave.start}, wave {waves[-1].wave} ends on day {waves[-1].end}",
            )
        waves.append(wave)
    return HoneymoonRules(
        days=days,
        waves=tuple(waves),
        cohort_months=r.num("cohort_months", lo=1, hi=36, integer=True),
        cohort_min_products=r.num("cohort_min_products", lo=1, integer=True),
    )
