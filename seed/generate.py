"""A realistic demo branch network, generated in vectorised chunks.

One seeded `numpy.random.Generator` drives every draw and Faker (seeded through its
own instance) only fills small pools of names, so the same seed gives the same
bytes. Customers are generated in chunks of `CHUNK`; each chunk produces every
related table, handed to a sink (the store, or a CSV extract) before the next one,
so memory stays flat at a million customers.

The numbers are chosen so every view tells a story (see docs/DEMO_DATA.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np
from faker import Faker

from custdash.importer import CHANNELS as IMPORT_CHANNELS
from custdash.importer import PRODUCTS as IMPORT_PRODUCTS
from custdash.rules import MATURING, Rules

CHUNK = 25_000  # at most this many customers per chunk: with the store's page cache, the 1M demo stays under 1 GB
MANAGERS_PER_BRANCH = 8
DAY = np.timedelta64(1, "D")

Columns = dict[str, np.ndarray]
Chunk = dict[str, Columns]  # table file name (e.g. "customers.csv") -> column -> values

# The generator's codes are the import contract's: one list each, in the importer.
CHANNELS = np.array(IMPORT_CHANNELS)
PRODUCTS = np.array(IMPORT_PRODUCTS)
PARTNERS = np.array(["万达影城", "CGV影城", "博纳国际影城", "金逸影城", "UME影城"])
PHONE_PREFIXES = np.array(
    [
        "134",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "157",
        "158",
        "159",
        "182",
        "183",
        "186",
        "187",
        "188",
        "130",
        "131",
        "132",
        "155",
        "156",
        "133",
        "153",
        "180",
        "181",
        "189",
        "199",
    ]
)


@dataclass(frozen=True)
class DemoSpec:
    customers: int = 20_000
    branches: int | None = None  # default: one per ~2,500 customers, 3 to 60
    seed: int = 7
    as_of: date = date.today()

    @property
    def n_branches(self) -> int:
        return self.branches or max(3, min(60, self.customers // 2500))


def _d64(d: date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


def _ids(prefix: str, start: int, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(start, start + n).astype(str), width))


def _dates(a: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(a.astype("datetime64[D]"), unit="D")


class Generator:
    def __init__(self, spec: DemoSpec, rules: Rules):
        self.spec, self.rules = spec, rules
        self.rng = np.random.default_rng(spec.seed)
        fake = Faker("zh_CN")
        fake.seed_instance(spec.seed)
        self.name_pool = np.array([fake.name() for _ in range(4000)])
        self.as_of = _d64(spec.as_of)
        self.basis = (self.as_of.astype("datetime64[M]") - 1).astype("datetime64[M]")
        years = range(spec.as_of.year - 2, spec.as_of.year + 1)
        self.holidays = np.array(sorted(holidays.China(years=list(years))), dtype="datetime64[D]")
        self._fake = fake
        self.bounds = np.array([t.lower_bound for t in rules.tiers])
        self.entitlement = np.array([rules.alliance.entitlement[t.code] for t in rules.tiers])
        self._next_id = {"K": 1, "T": 1, "R": 1, "H": 1}

    def _new_ids(self, prefix: str, n: int, width: int) -> np.ndarray:
        start = self._next_id[prefix]
        self._next_id[prefix] += n
        return _ids(prefix, start, n, width)

    # --- the fixed part: branches and managers ---------------------------------

    def network(self) -> Chunk:
        fake, nb = self._fake, self.spec.n_branches
        cities = ["上海", "北京", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "广州", "宁波"]
        seen: set[str] = set()
        names, city = [], []
        while len(names) < nb:
            c = cities[len(names) % len(cities)]
            n = f"{c}{fake.district()}支行"
            if n not in seen:
                seen.add(n)
                names.append(n)
                city.append(c)
        branch_id = _ids("B", 1, nb, 3)
        nm = nb * MANAGERS_PER_BRANCH
        return {
            "branches.csv": {"branch_id": branch_id, "branch_name": np.array(names), "city": np.array(city)},
            "managers.csv": {
                "manager_id": _ids("M", 1, nm, 4),
                "branch_id": np.repeat(branch_id, MANAGERS_PER_BRANCH),
                "manager_name": self.rng.choice(self.name_pool, nm),
            },
        }

    # --- one chunk of customers and everything they own -----------------------

    def chunk(self, start: int, n: int) -> Chunk:
        rng, as_of = self.rng, self.as_of
        nb = self.spec.n_branches
        cid = _ids("C", start + 1, n, 8)
        branch = rng.integers(0, nb, n)
        manager = branch * MANAGERS_PER_BRANCH + rng.integers(0, MANAGERS_PER_BRANCH, n)
        has_manager = rng.random(n) < 0.9
        manager_id = np.where(has_manager, np.char.add("M", np.char.zfill((manager + 1).astype(str), 4)), "")
        new = rng.random(n) < 0.11
        days_ago = np.where(new, rng.integers(0, 365, n), rng.integers(365, 15 * 365, n))
        opened = as_of - days_ago * DAY
        channel = np.where(
            new & (rng.random(n) < 0.2), "alliance_cinema", rng.choice(CHANNELS, n, p=[0.36, 0.26, 0.10, 0.18, 0.10])
        )
        birth = as_of - (rng.integers(20 * 365, 75 * 365, n)) * DAY
        phone = np.char.add(rng.choice(PHONE_PREFIXES, n), np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
        # Personas: dormant (some once V1+), and everyone else.
        old = days_ago >= 200
        dormant = old & (rng.random(n) < 0.15)
        never_used = dormant & (rng.random(n) < 0.3)
        once_rich = dormant & ~never_used & (rng.random(n) < 0.35)
        aum = self._aum(n, opened, dormant, once_rich)
        customers = {
            "customer_id": cid,
            "branch_id": _ids("B", 1, nb, 3)[branch],
            "manager_id": manager_id,
            "name": rng.choice(self.name_pool, n),
            "gender": rng.choice(np.array(["F", "M"]), n),
            "birth_date": _dates(birth),
            "phone": phone,
            "opened_on": _dates(opened),
            "channel": channel,
        }
        tier = np.searchsorted(self.bounds, aum["basis"], side="right") - 1
        cards, txns = self._cards(n, cid, opened, channel, dormant, never_used, aum["basis"])
        products = self._products(cid, opened, aum["basis"])
        return {
            "customers.csv": customers,
            "households.csv": self._households(start, cid, branch, manager_id, birth, tier),
            "aum_monthly.csv": aum["rows"] | {"customer_id": cid[aum["who"]]},
            "cards.csv": cards,
            "transactions.csv": txns,
            "products.csv": products,
            "touches.csv": self._touches(cid, opened),
            "redemptions.csv": self._redemptions(cid, tier, channel),
            "customer_tags.csv": self._tags(start, cid, branch, channel),
            "channel_monthly.csv": self._logins(start, cid, opened, dormant, products),
        }

    def _households(
        self,
        start: int,
        cid: np.ndarray,
        branch: np.ndarray,
        manager_id: np.ndarray,
        birth: np.ndarray,
        tier: np.ndarray,
    ) -> Columns:
        """Households (DOMAIN.md §8) among the chunk's customers: about 40% of them in households of
        2-4, mostly of one manager (neighbours in branch and manager order) and some with a member
        served by another manager or branch; a share of trios of middle-tier customers of one branch
        (three V1 members: a V2 or V3 family nobody serves as one). Relations follow the members'
        ages against the head's. A stream of its own: the rest of the demo is as it was."""
        rng = np.random.default_rng([self.spec.seed, 35, start])
        n = len(cid)
        free = np.ones(n, dtype=bool)
        groups: list[np.ndarray] = []
        # Hidden value: trios of V1-V2 customers of one branch.
        middle = np.flatnonzero((tier >= 1) & (tier <= 2) & (rng.random(n) < 0.25))
        middle = middle[np.lexsort((rng.random(len(middle)), branch[middle]))]
        for k in range(0, len(middle) - 2, 3):
            trio = middle[k : k + 3]
            if branch[trio[0]] == branch[trio[2]]:
                groups.append(trio)
                free[trio] = False
        # Everyone else: neighbours in branch and manager order, 2-4 at a time.
        pool = np.flatnonzero(free & (rng.random(n) < 0.40))
        pool = pool[np.lexsort((rng.random(len(pool)), manager_id[pool], branch[pool]))]
        sizes = rng.choice([2, 3, 4], len(pool) // 2 + 1, p=[0.55, 0.30, 0.15])
        ends = np.cumsum(sizes)
        ends = ends[ends <= len(pool)]
        groups += np.split(pool, ends)[: len(ends)]
        # One household in ten has a member served elsewhere: a customer of the chunk's other
        # managers (or branches) who is in no household yet.
        alone = np.setdiff1d(np.arange(n), np.concatenate(groups) if groups else np.array([], int))
        rng.shuffle(alone)
        taken = 0
        for g in range(len(groups)):
            if taken < len(alone) and rng.random() < 0.10:
                groups[g] = np.append(groups[g], alone[taken])
                taken += 1
        members = np.concatenate(groups) if groups else np.array([], int)
        ids = self._new_ids("H", len(groups), 9)
        household = np.repeat(ids, [len(g) for g in groups])
        heads = np.concatenate([np.full(len(g), g[0]) for g in groups]) if groups else members
        # Years the head is older than the member: 18 or more a child, -18 or less a parent,
        # near the head's own age a spouse (the first of them), else other.
        older = (birth[members] - birth[heads]).astype("timedelta64[D]").astype(int) / 365.25
        relation = np.where(older >= 18, "child", np.where(older <= -18, "parent", "other")).astype(object)
        first = np.ones(len(members), dtype=bool)
        first[1:] = household[1:] != household[:-1]
        relation[first] = "head"
        near = (~first) & (np.abs(older) < 18)
        # The first near-age member after the head is the spouse.
        spouse_taken: set[str] = set()
        for i in np.flatnonzero(near):
            if household[i] not in spouse_taken:
                relation[i] = "spouse"
                spouse_taken.add(household[i])
        return {"household_id": household, "customer_id": cid[members], "relation": relation.astype(str)}

    def _tags(self, start: int, cid: np.ndarray, branch: np.ndarray, channel: np.ndarray) -> Columns:
        """Tags (customer_tags.csv): `migrant_worker` on about a third of the payroll customers of
        the first three branches (the 213N campaign's towns, DOMAIN.md §10), and a few others.
        A stream of its own: the rest of the demo is as it was."""
        rng = np.random.default_rng([self.spec.seed, 36, start])
        n = len(cid)
        migrant = (branch < 3) & (channel == "payroll") & (rng.random(n) < 0.35)
        other = rng.random(n) < 0.04
        kinds = rng.choice(np.array(["small_business", "teacher", "civil_servant"]), n)
        who = np.concatenate([np.flatnonzero(migrant), np.flatnonzero(other)])
        tag = np.concatenate([np.full(migrant.sum(), "migrant_worker"), kinds[other]])
        return {"customer_id": cid[who], "tag": tag}

    def _logins(
        self, start: int, cid: np.ndarray, opened: np.ndarray, dormant: np.ndarray, products: Columns
    ) -> Columns:
        """Mobile-banking logins a month (channel_monthly.csv) for the customers holding mobile
        banking, from the month it was opened, over the basis month and the five before: active
        customers log in a few to twenty times a month, dormant ones hardly ever."""
        rng = np.random.default_rng([self.spec.seed, 37, start])
        mobile = products["product"] == "mobile_banking"
        position = {c: i for i, c in enumerate(cid.tolist())}
        holder = np.array([position[c] for c in products["customer_id"][mobile].tolist()], dtype=int)
        since = products["opened_on"][mobile].astype("datetime64[M]")
        rate = np.where(dormant[holder], 0.2, rng.gamma(2.0, 4.0, len(holder)))
        months = self.basis - np.arange(6)[:, None]  # (6, 1): the basis month and five before
        held = (since[None, :] <= months) & (opened[holder].astype("datetime64[M]")[None, :] <= months)
        mi, hi = np.nonzero(held)
        return {
            "customer_id": cid[holder[hi]],
            "month": np.datetime_as_string(months[mi, 0], unit="M"),
            "mobile_logins": rng.poisson(rate[hi]),
        }

    def _aum(self, n: int, opened: np.ndarray, dormant: np.ndarray, once_rich: np.ndarray) -> dict:
        rng = self.rng
        base = np.exp(rng.normal(np.log(12_000), 1.5, n))
        tail = rng.random(n) < 0.002
        base[tail] = 1_000_000 * (1 + rng.pareto(1.1, tail.sum()) * 3)
        # Clusters just under each bound: the near-threshold lists are never empty.
        near = rng.random(n) < 0.07
        # Fewer just under each higher bound (weights falling by a third per tier), for a
        # ladder of any length.
        upper = np.arange(1, len(self.bounds))
        which = rng.choice(upper, near.sum(), p=_norm([0.67**k for k in range(len(upper))]))
        base[near] = self.bounds[which] * rng.uniform(0.9, 0.9999, near.sum())
        base[dormant] = rng.uniform(0, 3000, dormant.sum())
        months = 13
        # Walk backwards from the basis month: month k (0 = basis) = basis / prod of steps.
        steps = rng.normal(0.0, 0.07, (n, months))
        steps[:, 0] = 0.0
        jump = rng.random(n) < 0.12
        jump_at = rng.integers(1, 4, n)
        factor = np.where(rng.random(n) < 0.6, rng.uniform(1.3, 2.2, n), rng.uniform(0.45, 0.75, n))
        path = base[:, None] / np.exp(np.cumsum(steps, axis=1))
        k = np.arange(months)[None, :]
        path = np.where(jump[:, None] & (k >= jump_at[:, None]), path / factor[:, None], path)
        # Once V1+: a peak 7-12 months back, faded to almost nothing since.
        peak = rng.uniform(55_000, 400_000, n)
        fade = np.clip((k - 1) / 6.0, 0, 1)
        path = np.where(once_rich[:, None], path + peak[:, None] * fade, path)
        # Money that left and came back: half the AUM gone three and four months before the
        # basis month, then back. On the churn list a quarter ago (AUM fell), rescued since: what
        # 回检 shows contacting did (the fading dormant customers above never come back).
        dip = ~dormant & (base >= 60_000) & (rng.random(n) < 0.10)
        path = np.where(dip[:, None] & ((k == 3) | (k == 4)), path * 0.5, path)
        month_of = self.basis - k  # (1, months) datetime64[M]
        exists = opened.astype("datetime64[M]")[:, None] <= month_of
        who, kk = np.nonzero(exists)
        values = np.round(path[who, kk], 2)
        coming = path[:, :1] * np.exp(rng.normal(0.0, 0.07, (n, 1)))
        after = np.concatenate([coming, path[:, :-1]], axis=1)  # month k's next month (k - 1)
        return {
            "basis": np.where(exists[:, 0], np.round(path[:, 0], 2), 0.0),
            "who": who,
            "rows": {
                "month": np.datetime_as_string(month_of[0, kk], unit="M"),
                "avg_daily_aum": values,
                # A month's closing balance is where the next month's average starts (the basis
                # month's: where the coming month, one more step of the walk, starts): a month-end
                # below a tier's bound is a warning (downgrade risk) that usually comes true.
                "end_aum": np.round(after[who, kk] * rng.uniform(0.99, 1.01, len(values)), 2),
            },
        }

    def _cards(
        self,
        n: int,
        cid: np.ndarray,
        opened: np.ndarray,
        channel: np.ndarray,
        dormant: np.ndarray,
        never_used: np.ndarray,
        basis: np.ndarray,
    ) -> tuple[Columns, Columns]:
        rng, as_of = self.rng, self.as_of
        two = rng.random(n) < 0.3
        owner = np.concatenate([np.arange(n), np.nonzero(two)[0]])
        second = np.concatenate([np.zeros(n, bool), np.ones(two.sum(), bool)])
        m = len(owner)
        age = ((as_of - opened[owner]) / DAY).astype(int)
        card_opened = opened[owner] + np.where(second, (rng.random(m) * age).astype(int), 0) * DAY
        status = np.where(
            second,
            rng.choice(np.array(["active", "closed", "frozen"]), m, p=[0.6, 0.3, 0.1]),
            np.where(rng.random(m) < 0.03, "frozen", "active"),
        )
        dorm = dormant[owner]
        status = np.where(dorm & ~second, "active", status)
        card_opened = np.where(dorm & second, opened[owner], card_opened)
        balance = np.round(np.minimum(basis[owner] * rng.uniform(0.02, 0.3, m), 500_000) + rng.uniform(0, 500, m), 2)
        zero = dorm & (rng.random(m) < 0.45)
        balance = np.where(zero, np.round(rng.uniform(0, 9.99, m), 2), balance)
        balance = np.where(status == "closed", 0.0, balance)
        card_id = self._new_ids("K", m, 9)
        cards = {
            "card_id": card_id,
            "customer_id": cid[owner],
            "opened_on": _dates(card_opened),
            "status": status,
            "balance": balance,
        }

        # Activity of awake cards: a Poisson number of purchases / ATM / transfers over 13 months.
        window_start = as_of - 395 * DAY
        awake = ~dorm & (status != "closed")
        lam = np.where(awake, 7.0, 0.0) + np.where(awake & (basis[owner] > 50_000), 4.0, 0.0)
        k = rng.poisson(lam)
        ti = np.repeat(np.arange(m), k)
        lo = np.maximum(card_opened[ti], window_start)
        span = ((as_of - lo) / DAY).astype(int) + 1
        day = lo + (rng.random(len(ti)) * span).astype(int) * DAY
        kind = rng.choice(np.array(["purchase", "atm", "transfer"]), len(ti), p=[0.55, 0.15, 0.3])
        parts = [(ti, day, kind)]
        # Payroll every month for payroll customers' first card; a tenth of them stopped 2-6 months ago.
        pay = awake & ~second & (channel[owner] == "payroll")
        stop = np.where(rng.random(m) < 0.1, rng.integers(2, 7, m), 0)
        pi, pk = np.nonzero(pay[:, None] & (np.arange(13)[None, :] >= stop[:, None]))
        pday = (as_of.astype("datetime64[M]") - pk).astype("datetime64[D]") + 9 * DAY
        ok = (pday <= as_of) & (pday >= card_opened[pi])
        parts.append((pi[ok], pday[ok], np.full(ok.sum(), "payroll")))
        # Dormant but once used: a little activity 180-720 days ago.
        stale = dorm & ~never_used[owner] & ~second
        si = np.repeat(np.nonzero(stale)[0], 2)
        sday = as_of - rng.integers(self.rules.dormant.days, 720, len(si)) * DAY
        sday = np.maximum(sday, card_opened[si])
        keep = (as_of - sday) / DAY >= self.rules.dormant.days
        parts.append((si[keep], sday[keep], rng.choice(np.array(["purchase", "atm", "payroll"]), keep.sum())))
        # Interest and fees on dormant cards: they are not activity.
        di = np.nonzero(dorm & (status == "active"))[0]
        dday = as_of - rng.integers(1, 170, len(di)) * DAY
        dday = np.maximum(dday, card_opened[di])
        parts.append((di, dday, rng.choice(np.array(["interest", "fee"]), len(di))))
        # Churn signal: outflows to other banks in the last 90 days.
        ci = np.nonzero(awake & ~second & (rng.random(m) < 0.02))[0]
        ci = np.repeat(ci, 4)
        cday = as_of - rng.integers(0, 90, len(ci)) * DAY
        cday = np.maximum(cday, card_opened[ci])
        parts.append((ci, cday, np.full(len(ci), "churn")))

        idx = np.concatenate([p[0] for p in parts])
        tday = np.concatenate([p[1] for p in parts])
        tkind = np.concatenate([p[2] for p in parts])
        t = len(idx)
        seconds = rng.integers(7 * 3600, 23 * 3600, t)
        ts = tday.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        amount = np.round(np.exp(rng.normal(5.5, 1.2, t)), 2) + 0.01
        amount = np.where(tkind == "payroll", np.round(rng.uniform(6000, 30000, t), 2), amount)
        amount = np.where(tkind == "interest", np.round(rng.uniform(0.01, 2, t), 2), amount)
        amount = np.where(tkind == "fee", 10.0, amount)
        amount = np.where(tkind == "churn", np.round(rng.uniform(15_000, 60_000, t), 2), amount)
        direction = np.where(
            np.isin(tkind, ["payroll", "interest"]),
            "in",
            np.where(tkind == "transfer", rng.choice(np.array(["in", "out"]), t), "out"),
        )
        counterparty = np.select(
            [tkind == "purchase", tkind == "churn", tkind == "transfer", tkind == "payroll"],
            ["merchant", "other_bank", np.where(rng.random(t) < 0.3, "other_bank", "own"), "own"],
            "",
        )
        kind = np.where(tkind == "churn", "transfer", tkind)
        txns = {
            "txn_id": self._new_ids("T", t, 11),
            "card_id": card_id[idx],
            "ts": ts,
            "amount": amount,
            "direction": direction,
            "kind": kind,
            "counterparty": counterparty,
        }
        return cards, txns

    def _products(self, cid: np.ndarray, opened: np.ndarray, basis: np.ndarray) -> Columns:
        rng, as_of = self.rng, self.as_of
        n = len(cid)
        age = ((as_of - opened) / DAY).astype(int)
        # Honeymoon-style openings: product p opens on a day of its wave with some probability.
        p_open = np.array([0.75, 0.25, 0.3, 0.45, 0.35, 0.25, 0.2, 0.3])
        first_day = np.array([0, 0, 2, 8, 10, 31, 35, 40])
        last_day = np.array([7, 20, 30, 30, 45, 80, 100, 100])
        has = rng.random((n, len(PRODUCTS))) < p_open[None, :]
        offset = first_day[None, :] + (rng.random((n, len(PRODUCTS))) * (last_day - first_day + 1)[None, :]).astype(int)
        # Older customers opened more products later on.
        late = (age[:, None] > 365) & (rng.random((n, len(PRODUCTS))) < 0.15)
        offset = np.where(late, (rng.random((n, len(PRODUCTS))) * age[:, None]).astype(int), offset)
        has |= late
        has &= offset <= age[:, None]
        ci, pi = np.nonzero(has)
        who, kind, day = cid[ci], PRODUCTS[pi], opened[ci] + offset[ci, pi] * DAY
        owner = ci  # each row's customer, by position
        # A short deposit rolled over lately by some older customers: a share of them mature in
        # the coming weeks (the maturity list, DOMAIN.md §6).
        rolling = np.nonzero((age > 365) & (rng.random(n) < 0.08))[0]
        who = np.concatenate([who, cid[rolling]])
        owner = np.concatenate([owner, rolling])
        kind = np.concatenate([kind, np.full(len(rolling), "time_deposit")])
        day = np.concatenate([day, as_of - rng.integers(0, 91, len(rolling)) * DAY])
        matures, amount = self._terms(kind, day, rolling=len(rolling))
        # Some matured products were followed by a new one (retained); the others were not.
        done = np.nonzero(~np.isnat(matures) & (matures <= as_of) & (rng.random(len(kind)) < 0.45))[0]
        again = matures[done] + rng.integers(0, 45, len(done)) * DAY
        done, again = done[again <= as_of], again[again <= as_of]
        follow = rng.choice(
            np.array(["time_deposit", "wealth", "fund", "insurance"]), len(done), p=[0.5, 0.3, 0.1, 0.1]
        )
        f_matures, f_amount = self._terms(follow, again, rolling=0)
        who = np.concatenate([who, who[done]])
        owner = np.concatenate([owner, owner[done]])
        kind = np.concatenate([kind, follow])
        day = np.concatenate([day, again])
        matures = np.concatenate([matures, f_matures])
        amount = np.concatenate([amount, f_amount])
        # Products add up within the customer's assets: together at most 80% of the basis month's
        # average AUM (at least 1,000 each). Derived, not drawn: the random stream stays the same.
        priced = ~np.isnan(amount)
        count = np.bincount(owner[priced], minlength=n)[owner]
        cap = np.round(np.maximum(0.8 * basis[owner] / np.maximum(count, 1), 1000), -2)
        amount = np.where(priced, np.minimum(amount, cap), amount)
        return {
            "customer_id": who,
            "product": kind,
            "opened_on": _dates(day),
            "matures_on": np.where(np.isnat(matures), "", _dates(matures)),
            "amount": amount,
        }

    def _terms(self, kind: np.ndarray, opened: np.ndarray, *, rolling: int) -> tuple[np.ndarray, np.ndarray]:
        """Maturity dates (NaT for products that do not mature) and amounts (NaN where the bank
        records none) of products opened on `opened`; the last `rolling` are three-month deposits."""
        rng = self.rng
        m = len(kind)
        term = rng.choice(np.array([91, 182, 365, 730]), m, p=[0.3, 0.3, 0.3, 0.1])
        term[m - rolling :] = 91
        matures = np.where(np.isin(kind, MATURING), opened + term * DAY, np.datetime64("NaT"))
        amount = np.round(np.exp(rng.normal(np.log(50_000), 0.9, m)), -2)
        # Amounts for the products a bank records them for (deposits, wealth, funds, insurance).
        amount = np.where(np.isin(kind, ["time_deposit", "wealth", "fund", "insurance"]), amount, np.nan)
        amount = np.where(rng.random(m) < 0.05, np.nan, amount)
        return matures.astype("datetime64[D]"), amount

    def _touches(self, cid: np.ndarray, opened: np.ndarray) -> Columns:
        rng, as_of = self.rng, self.as_of
        waves = self.rules.honeymoon.waves
        age = ((as_of - opened) / DAY).astype(int)
        recent = np.nonzero(age < 400)[0]
        out_c, out_w, out_d = [], [], []
        for i, w in enumerate(waves):
            p_done = [0.85, 0.7, 0.55, 0.45][i] if i < 4 else 0.4
            started = recent[age[recent] >= w.start]
            # The later into the window, the likelier the touch happened already.
            span_seen = np.minimum(age[started], w.end) - w.start + 1
            frac = span_seen / (w.end - w.start + 1)
            done = rng.random(len(started)) < p_done * frac
            s = started[done]
            day = w.start + (rng.random(len(s)) * span_seen[done]).astype(int)
            out_c.append(s)
            out_w.append(np.full(len(s), w.wave))
            out_d.append(opened[s] + day * DAY)
        c = np.concatenate(out_c)
        k = len(c)
        return {
            "customer_id": cid[c],
            "wave": np.concatenate(out_w),
            "touched_on": _dates(np.concatenate(out_d)),
            "channel": rng.choice(np.array(["phone", "sms", "visit", "wechat"]), k, p=[0.45, 0.2, 0.15, 0.2]),
            "outcome": rng.choice(
                np.array(["reached", "no_answer", "declined", "converted", ""]), k, p=[0.4, 0.2, 0.1, 0.2, 0.1]
            ),
        }

    def _redemptions(self, cid: np.ndarray, tier: np.ndarray, channel: np.ndarray) -> Columns:
        rng, as_of = self.rng, self.as_of
        n = len(cid)
        ent = self.entitlement[tier]
        alliance = channel == "alliance_cinema"
        eligible = (ent > 0) | alliance
        lover = eligible & (rng.random(n) < 0.08)
        family = eligible & ~lover & (rng.random(n) < 0.3)
        first = np.datetime64(f"{self.spec.as_of.year - 1}-01-01", "D")
        days = int((as_of - first) / DAY) + 1
        yearly = np.where(eligible, ent * rng.uniform(0.15, 0.9, n) + alliance * 2.5 + lover * 9, 0.0)
        k = rng.poisson(yearly * days / 365)
        who = np.repeat(np.arange(n), k)
        r = len(who)
        # Day weights: the weekend rhythm, a summer bump, holiday spikes.
        cal = first + np.arange(days) * DAY
        wd = (cal.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday (1970-01-01 was a Thursday)
        weight = np.array([1.0, 0.9, 1.0, 1.1, 2.0, 3.0, 2.6])[wd]
        month = cal.astype("datetime64[M]").astype(int) % 12 + 1
        weight = weight * np.where((month == 7) | (month == 8), 1.7, 1.0)
        weight = weight * np.where(np.isin(cal, self.holidays), 2.5, 1.0)
        day_i = rng.choice(days, r, p=weight / weight.sum())
        hour = rng.choice(np.arange(9, 24), r, p=_norm([1, 1, 2, 3, 3, 3, 3, 3, 4, 5, 7, 8, 7, 4, 2]))
        minute = rng.integers(0, 60, r)
        ts = cal[day_i].astype("datetime64[s]") + (hour * 3600 + minute * 60).astype("timedelta64[s]")
        tickets = np.where(family[who], rng.integers(2, 5, r), rng.integers(1, 3, r))
        child = np.where(family[who], np.minimum(rng.integers(1, 3, r), tickets - 1), 0)
        price = rng.choice(np.array([40.0, 45.0, 50.0, 60.0, 70.0, 80.0]), r)
        list_total = tickets * price
        # Free tickets up to the yearly entitlement, in date order per customer and year.
        order = np.lexsort((ts, who))
        who_s, ts_s = who[order], ts[order]
        year = ts_s.astype("datetime64[Y]")
        want = np.where(rng.random(r) < 0.6, tickets[order], 0)
        grp_start = np.r_[True, (who_s[1:] != who_s[:-1]) | (year[1:] != year[:-1])]
        grp_id = np.cumsum(grp_start) - 1
        cum_before = np.cumsum(want) - want
        grp_base = cum_before[grp_start][grp_id]
        used_before = cum_before - grp_base
        cap = ent[who_s]
        # Running sum of wanted tickets: once it passes the entitlement, the rest are paid.
        free_s = np.clip(np.minimum(want, cap - used_before), 0, None)
        free = np.empty(r, dtype=int)
        free[order] = free_s
        peak = _is_peak(ts, self.rules, self.holidays)
        discount = np.where(peak, self.rules.alliance.discount_peak, self.rules.alliance.discount_off_peak)
        paid = np.round((tickets - free) * price * (1 - discount), 2)
        return {
            "redemption_id": self._new_ids("R", r, 10),
            "customer_id": cid[who],
            "partner": rng.choice(PARTNERS, r),
            "ts": ts,
            "tickets": tickets,
            "child_tickets": child,
            "list_price_total": list_total,
            "paid_total": paid,
            "free_tickets": free,
        }


def _norm(w: list[float]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()


def _is_peak(ts: np.ndarray, rules: Rules, hol: np.ndarray) -> np.ndarray:
    a = rules.alliance
    d = ts.astype("datetime64[D]")
    wd = (d.view("int64") - 4) % 7
    minute = ((ts - d.astype("datetime64[s]")) / np.timedelta64(1, "m")).astype(int)
    start = a.weekend_from_time.hour * 60 + a.weekend_from_time.minute
    peak = (wd > a.weekend_from_weekday) | ((wd == a.weekend_from_weekday) & (minute >= start))
    month_start = d.astype("datetime64[M]")
    md = (month_start.astype(int) % 12 + 1) * 100 + (d - month_start.astype("datetime64[D]")).astype(int) + 1
    for lo, hi in a.peak_seasons:
        peak |= (md >= int(lo.replace("-", ""))) & (md <= int(hi.replace("-", "")))
    if a.statutory_holidays:
        peak |= np.isin(d, hol)
    return peak


def generate(
    spec: DemoSpec, rules: Rules, sink: Callable[[Chunk], None], progress: Callable[[int, int], None] | None = None
) -> None:
    """Generate the whole network, chunk by chunk, into `sink`."""
    g = Generator(spec, rules)
    sink(g.network())
    done = 0
    # Chunks of a tenth of the customers (at least 2,000) up to CHUNK: the first start's
    # progress bar then moves with the work instead of jumping from 0 to 100 %.
    step = min(CHUNK, max(2_000, -(-spec.customers // 10)))
    while done < spec.customers:
        n = min(step, spec.customers - done)
        sink(g.chunk(done, n))
        done += n
        if progress:
            progress(done, spec.customers)
