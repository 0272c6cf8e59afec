"""The rules file's sections of DOMAIN.md §9: `[grades]`, the contribution grade (客户分级),
and `[matrix]`, the behaviour matrix's classes and stages (客户行为矩阵).

Four dimensions, each scored by a step table (a step's points apply from its bound up,
inclusive), weighted into a score, and the score graded A-E. Read by custdash/rules.py with
its table reader (`reader`: num, flag, fail and the section's `table`), so every problem names
its key as every other rule's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The dimensions in the order DOMAIN.md §9 lists them, and the grades from the best.
DIMENSIONS = ("aum", "products", "activity", "channel")
GRADES = ("A", "B", "C", "D", "E")
KEYS = {
    *(f"{d}_steps" for d in DIMENSIONS),
    "activity_days",
    "channel_fallback_points",
    "weights",
    "grade_bounds",
}

Steps = tuple[tuple[float, int], ...]


@dataclass(frozen=True)
class GradeRules:
    steps: dict[str, Steps]  # dimension -> ((bound, points), ...), bounds rising from 0
    activity_days: int  # activity transactions in this many days up to A
    channel_fallback_points: int  # without channel_monthly.csv: a mobile_banking holder's points
    weights: dict[str, int]  # dimension -> integer percentage, summing to 100
    grade_bounds: dict[str, int]  # A..D -> the lowest score of that grade (E below D's)

    def points(self, dimension: str, measure: float) -> int:
        """The points of a measure: the last step whose bound it reaches."""
        got = 0
        for bound, pts in self.steps[dimension]:
            if measure >= bound:
                got = pts
        return got

    def score(self, points: dict[str, int]) -> float:
        """(Σ weight × points) / 100, not rounded: compared exactly with the grade bounds."""
        return sum(self.weights[d] * points[d] for d in DIMENSIONS) / 100

    def grade(self, score: float) -> str:
        return next((g for g in GRADES[:-1] if score >= self.grade_bounds[g]), GRADES[-1])


def parse_grades(reader: Any) -> GradeRules:
    table = reader.table
    steps = {d: _steps(reader, f"{d}_steps", integer_bounds=d != "aum") for d in DIMENSIONS}
    weights = table["weights"]
    if not isinstance(weights, dict) or set(weights) != set(DIMENSIONS):
        reader.fail("weights", f"must name exactly {', '.join(DIMENSIONS)}, got {weights!r}")
    for d, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            reader.fail("weights", f"{d} must be a whole percentage >= 0, got {w!r}")
    if sum(weights.values()) != 100:
        reader.fail("weights", f"must sum to 100, got {sum(weights.values())}")
    bounds = table["grade_bounds"]
    if not isinstance(bounds, dict) or set(bounds) != set(GRADES[:-1]):
        reader.fail("grade_bounds", f"must name exactly {', '.join(GRADES[:-1])}, got {bounds!r}")
    values = [bounds[g] for g in GRADES[:-1]]
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100 for v in values):
        reader.fail("grade_bounds", f"must be whole scores from 0 to 100, got {bounds!r}")
    if any(a <= b for a, b in zip(values, values[1:])):
        reader.fail("grade_bounds", f"must fall strictly from A to D, got {bounds!r}")
    return GradeRules(
        steps=steps,
        activity_days=reader.num("activity_days", lo=1, hi=366, integer=True),
        channel_fallback_points=reader.num("channel_fallback_points", lo=0, hi=100, integer=True),
        weights=dict(weights),
        grade_bounds={g: bounds[g] for g in GRADES[:-1]},
    )


def _steps(reader: Any, key: str, *, integer_bounds: bool) -> Steps:
    raw = reader.table[key]
    if not isinstance(raw, list) or not raw:
        reader.fail(key, f"must be a list of [bound, points] steps, got {raw!r}")
    out: list[tuple[float, int]] = []
    for step in raw:
        ok = isinstance(step, list) and len(step) == 2
        bound, pts = (step[0], step[1]) if ok else (None, None)
        kinds = (int,) if integer_bounds else (int, float)
        if not ok or isinstance(bound, bool) or not isinstance(bound, kinds) or bound < 0:
            reader.fail(key, f"each step is [bound >= 0, points], got {step!r}")
        if isinstance(pts, bool) or not isinstance(pts, int) or not 0 <= pts <= 100:
            reader.fail(key, f"points must be whole numbers from 0 to 100, got {step!r}")
        out.append((bound, pts))
    if out[0][0] != 0:
        reader.fail(key, f"the first step must start at 0, got {out[0][0]!r}")
    if any(a[0] >= b[0] for a, b in zip(out, out[1:])):
        reader.fail(key, "bounds must rise strictly")
    if any(a[1] > b[1] for a, b in zip(out, out[1:])):
        reader.fail(key, "points must not fall as the bound rises")
    return tuple(out)


# The behaviour matrix's classes and lifecycle stages, each in its order of precedence (the
# first that holds), DOMAIN.md §9.
CLASSES = ("migrant", "senior", "family", "payroll", "film_lover", "alliance", "mass")
STAGES = ("new", "lost", "dormant", "declining", "growing", "stable")
MATRIX_KEYS = {"migrant_tag", "senior_age", "dormant_lists", "declining_lists", "actions"}


@dataclass(frozen=True)
class MatrixRules:
    migrant_tag: str  # the tag of the `migrant` class
    senior_age: int  # the `senior` class: this age or older at A
    dormant_lists: tuple[str, ...]  # the `dormant` stage: on one of these call lists by the rules
    declining_lists: tuple[str, ...]  # the `declining` stage: likewise
    actions: dict[str, str]  # stage -> the call list a cell suggests ("" for none)


def parse_matrix(reader: Any) -> MatrixRules:
    table = reader.table
    for key in ("dormant_lists", "declining_lists"):
        names = table[key]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            reader.fail(key, f"must be a non-empty list of call list names, got {names!r}")
    actions = table["actions"]
    if not isinstance(actions, dict) or set(actions) != set(STAGES):
        reader.fail("actions", f"must name exactly the stages {', '.join(STAGES)}, got {actions!r}")
    if not all(isinstance(v, str) for v in actions.values()):
        reader.fail("actions", f'each stage\'s action is a call list name or "", got {actions!r}')
    return MatrixRules(
        migrant_tag=reader.text("migrant_tag"),
        senior_age=reader.num("senior_age", lo=1, hi=150, integer=True),
        dormant_lists=tuple(table["dormant_lists"]),
        declining_lists=tuple(table["declining_lists"]),
        actions={stage: actions[stage] for stage in STAGES},
    )


# The sections this module reads, in the Rules dataclass's order: name -> (keys, parser).
SECTIONS = {"grades": (KEYS, parse_grades), "matrix": (MATRIX_KEYS, parse_matrix)}
