"""The `[grades]` section of the rules file: the contribution grade (客户分级, DOMAIN.md §9).

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
