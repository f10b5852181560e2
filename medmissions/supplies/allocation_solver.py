"""The allocation of medical supplies to requests: a solver over a plain problem description.

Nothing here knows the Django models. The caller describes the stock (``Stock``, one per lot and
site, with the units available and the expiry date) and the request lines (``Line``: an item, a
quantity, a priority weight, the arrival date and the shelf life the goods must still have on
arrival), plus what the coordinator excluded or pinned; ``solve`` answers with the ``Allocation``
(``Pick`` rows: so many units of a lot at a site for a line). ``greedy_fefo`` is the baseline the
benchmark compares against, ``explain_unmet`` says why lines stay short and ``waste`` counts the
units left to expire.

Rules of a feasible allocation:

* a stock row serves a line only if it holds the line's item and has the shelf life: no expiry
  date, or ``expiry_date >= arrival_date + minimum_shelf_life_days`` (WHO article 6: a lot
  expiring exactly on that day qualifies, a day earlier does not);
* never more than ``available`` units of a stock row in all, never more than ``quantity`` units
  to a line;
* ``excluded_stock`` rows serve no line, ``exclusions`` (lot, site, line) serve not that line;
* ``pins`` (lot, site, line, quantity) are kept: the answer sends at least that many units of
  that lot from that site to that line (the optimiser may add more on the same pick). A pin
  that breaks one of the rules raises ``InfeasiblePin`` (a ``ValidationFailed``).

The objective is lexicographic:

1. the greatest priority-weighted fulfilment, sum over lines of
   ``priority_weight * allocated / quantity``: always exact (optimal), whatever the method;
2. then the least secondary cost, ``site_penalty * consignments + FEFO cost``. A consignment is
   a (request, site) pair used: each extra warehouse serving a request is another parcel to
   prepare, ship and clear. The FEFO cost of a unit is the rank of its stock row among the rows
   of the same item in first-expired-first-out order (expiry ascending, no expiry last, then the
   smaller available quantity, then lot id, then site id, as OpenBoxes orders its picks): the
   earliest-expiring row costs 0 per unit, the next 1, and so on. Sending short-dated stock
   while it can still be used is what keeps the expired waste down. ``site_penalty``
   (``DEFAULT_SITE_PENALTY`` = 200) is the exchange rate: one consignment saved is worth 200
   units sent one place later in the FEFO order (say 20 units ten lots later); 0 ignores
   consignments, a very large value consolidates at any FEFO price.

Why the primary objective is exact with a plain min-cost flow. The vectors of units per line that
the stock can serve form an integral polymatroid (the demands a bipartite supply network can meet;
Gale's theorem). Maximising a linear function with non-negative weights over a polymatroid is
solved by the greedy algorithm in the order of the weights, so its optimum depends on the order
of the per-unit values ``v = weight / quantity`` and not on their size. More precisely, group
the lines in classes of equal ``v`` (compared exactly, as reduced fractions), ordered
``v_1 > v_2 > ... > v_C > 0``, and let ``S_c`` be the lines of the first ``c`` classes. Then
``sum v x = sum_c (v_c - v_(c+1)) x(S_c)`` with every coefficient positive, and each ``x(S_c)``
is at most ``f(S_c)``, the most the stock can give those lines, a bound the greedy vector meets for
all ``c`` at once. So the optimal allocations are exactly those with ``x(S_c) = f(S_c)`` for every
``c``, i.e. those giving each class ``c`` the total ``g_c = f(S_c) - f(S_(c-1))``, and this set
is the same for any weights ordered like ``v``: the integer class ranks ``1..C`` (at most the
number of lines, so no overflow and no rounding). The items never share stock, so the same holds
item by item: the optimal allocations are those giving each block (item, class) the total the
optimum gives it. Lines of weight 0 add nothing, and a unit sent to them could only raise the
secondary cost, so they receive only their pins.

Hence two phases, both flows, solved item by item (the network is one component per item apart
from its source and sink; 150 small flows are much faster than one large one):

* phase 1 (``timings["primary"]``): the max flow of least cost where a unit reaching a line is
  worth its class rank. All values being positive, the optimum fills as much as possible (the
  greedy vector is a base of the polymatroid), so it is a maximum flow, and the max flow of least
  cost is exactly optimal. A plain max flow (OR-Tools' push-relabel) runs first: where it serves
  every line of the item in full, nothing is left to weigh and it is kept as it is;
* phase 2 (``timings["secondary"]``): the same network where each block must receive exactly
  its phase-1 total (so every answer is primary-optimal, by the argument above) at the least
  FEFO cost plus a per-unit share of the consignment charge. The FEFO part is linear, so with
  ``site_penalty=0`` this flow is the exact lexicographic optimum. The consignment charge is a
  fixed cost, which no flow models exactly: dynamic slope scaling (Kim and Pardalos, 1999) runs
  up to ``slope_rounds`` flows (by default as many as fit about 1.5 million arcs in all, between
  5 and 20), charging each (request, site) pair ``site_penalty / units it carried in the previous
  round`` per unit (at first ``site_penalty`` over the most it could carry), stops when a round
  uses the same pairs as an earlier one, and keeps the best answer by the true cost.

The network has one chain per (item, site): its stock rows sorted by FEFO rank (so by expiry).
The rows a line may use at a site are a suffix of that order (everything expiring late enough),
so the line takes one arc from the chain at its first eligible row: O(rows + lines x sites) arcs
rather than lines x lots. The chain keeps a node only where some line attaches (a hub), linked
to the previous hub; every row feeds the last hub at or before it, and rows before the first hub
serve no line and are left out. A line with an excluded row inside its suffix at a site takes
direct arcs from each allowed row there instead. The flow on a chain is then cut into picks
exactly, with vectorised cumulative sums: per chain, lines are served from the latest rows down
in descending order of their first eligible row, which never hands a line a row it may not use
(flow conservation bounds what the lines attached at or after any row take by what those rows
give). Which row goes to which line of the same chain changes neither objective.

On small instances (at most ``cp_sat_max_pairs`` eligible (row, line) pairs) CP-SAT then solves
the secondary objective exactly: one integer per pair, one boolean per consignment, the block
totals as constraints, big-M links per pair and, tighter, per line and site, and the best flow
answer as its hint. When it proves optimality the answer is the exact lexicographic optimum
(``optimal``); otherwise the better of its answer and the flow's is kept. The primary objective
is the phase-1 optimum on every path (checked before returning).

Determinism: inputs are sorted (stock by lot and site, lines by id) before use, flows are
deterministic, the number of slope-scaling rounds is set by the size of the network, and CP-SAT
runs with a fixed seed, ``workers`` threads (1 by default, which is deterministic) and a
deterministic time limit (see ``_DETERMINISTIC_SHARE``). Two things still depend on the clock:
the rounds also stop at ``time_limit_seconds`` (at 50,000 lots the last round or two may not fit,
fewer on a busy machine), and an overloaded machine may hit CP-SAT's wall-clock stop first. Either
changes only the secondary objective (consignments and FEFO order), never the fulfilment.

Scale: stock and lines are turned once into numpy columns; the networks go to OR-Tools as arrays
and the picks are cut from the flows with vectorised cumulative sums, so no Python object is made
per arc. 50,000 stock rows and 25,000 lines over 150 items and 10 sites take about 2 seconds on
one core, most of it the five slope-scaling rounds; CP-SAT is not run at that size.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ortools.graph.python import max_flow, min_cost_flow
from ortools.sat.python import cp_model, cp_model_helper

from medmissions.core.errors import ValidationFailed

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["auto", "min_cost_flow", "cp_sat"]

MIN_COST_FLOW = "min_cost_flow"
CP_SAT = "cp_sat"
GREEDY_FEFO = "greedy_fefo"

DEFAULT_SITE_PENALTY = 200
# Slope-scaling rounds: as many as fit about 1.5 million arc-solves, between 5 and 20.
MIN_SLOPE_ROUNDS, MAX_SLOPE_ROUNDS, SLOPE_ROUND_ARCS = 5, 20, 1_500_000
DEFAULT_CP_SAT_MAX_PAIRS = 3000

NEVER = 1 << 32  # the expiry key of stock that does not expire: after every date
_COST_SCALE = 64  # phase-2 costs are in 1/64 of a FEFO step, so consignment shares keep precision
_MAX_ARC_COST = 1 << 40
# CP-SAT stops after this share of ``time_limit_seconds`` in deterministic units (about 3 wall
# seconds each on a current machine, so about two thirds of the limit), so that it stops at the
# same point, with the same answer, on every run; the wall clock (the time left) is a safety stop.
_DETERMINISTIC_SHARE = 0.2


# --- Input and output -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stock:
    """Units of one lot available at one site. ``expiry_date`` None: the item does not expire."""

    lot_id: int
    site_id: int
    item_id: int
    available: int
    expiry_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class Line:
    """One item and quantity of a supply request, with what the stock sent must satisfy."""

    line_id: int
    request_id: int
    item_id: int
    quantity: int
    priority_weight: int
    arrival_date: datetime.date
    minimum_shelf_life_days: int
    needed_by: datetime.date


@dataclass(frozen=True, slots=True)
class Pick:
    """So many units of a lot, taken at a site, for a request line."""

    lot_id: int
    site_id: int
    line_id: int
    quantity: int


PinLike = tuple[int, int, int, int] | Pick


@dataclass
class Allocation:
    """An allocation and how it was found.

    ``picks`` (pins included, one per lot, site and line) are sorted by line, lot and site;
    ``allocated`` gives every line's units. ``fulfilment`` is the weighted fulfilment, exact, and
    ``fulfilment_percent`` the same as a percentage of its maximum (the sum of the weights).
    ``site_pairs`` counts the (request, site) consignments, ``fefo_cost`` the units times their
    FEFO rank, ``secondary_cost = site_penalty * site_pairs + fefo_cost``. ``method`` is
    "min_cost_flow", "cp_sat" or "greedy_fefo". ``optimal`` says whether the whole lexicographic
    objective is proven optimal (the primary always is, except for greedy); ``status`` is
    "optimal", "feasible" (a heuristic or time-limited answer) or "greedy". ``timings`` in
    seconds: prepare, primary, secondary, cp_sat (when run) and picks (solve instead of primary
    and secondary for greedy).
    """

    picks: list[Pick]
    allocated: dict[int, int]
    fulfilment: Fraction
    fulfilment_percent: float
    site_pairs: int
    fefo_cost: int
    secondary_cost: int
    method: str
    optimal: bool
    status: str
    timings: dict[str, float]
    site_penalty: int = DEFAULT_SITE_PENALTY


class InfeasiblePin(ValidationFailed):
    """A pin cannot be honoured. ``pin`` is the (lot_id, site_id, line_id, quantity) at fault and
    ``reason`` one of: unknown_stock, unknown_line, quantity, twice, item, shelf_life,
    excluded_stock, excluded, available, line_quantity."""

    code = "infeasible_pin"

    def __init__(self, message: Any, *, pin: tuple[int, int, int, int], reason: str):
        super().__init__(message)
        self.pin = pin
        self.reason = reason


class UnmetReason(StrEnum):
    NO_STOCK = "no_stock"
    EXPIRES_TOO_SOON = "expires_too_soon"
    EXCLUDED = "excluded"
    TAKEN = "taken_by_other_requests"
    PARTLY_MET = "partly_met"
    NOT_ALLOCATED = "not_allocated"


@dataclass(frozen=True)
class UnmetLine:
    """Why a line is not fully met. ``counts`` (units): in_stock (of the item, anywhere),
    too_short (in stock but expiring too soon for this line), excluded (with the shelf life but
    excluded), usable (with the shelf life and not excluded), taken (usable by this line but
    allocated to other lines), taken_by_higher (of those, to lines of a higher priority weight),
    left (usable and not allocated at all)."""

    line_id: int
    missing: int
    allocated: int
    code: UnmetReason
    text: str
    counts: dict[str, int] = field(default_factory=dict)


# --- Helpers ----------------------------------------------------------------------------------


def _runs(values: IntArray) -> IntArray:
    """Where each run of equal values starts, in a sorted array."""
    if not len(values):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]).astype(np.int64)


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """arange(start, start + count) for each pair, concatenated."""
    total = int(counts.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + offsets


def _column(values: Iterable[int], size: int) -> IntArray:
    return np.fromiter(values, np.int64, size)


def _day(ordinal: int) -> str:
    try:
        return date_format(datetime.date.fromordinal(ordinal), "j F Y")
    except (ValueError, OverflowError):
        return str(ordinal)


# --- Preparation: columns, FEFO ranks, exclusions, pins ---------------------------------------


@dataclass
class _Prepared:
    # Stock rows, in input order.
    lot: IntArray
    site: IntArray
    item: IntArray
    available: IntArray
    expiry: IntArray  # date ordinal, NEVER for no expiry
    out: BoolArray  # excluded_stock
    rank: IntArray  # FEFO rank among the rows of the same item
    fefo: IntArray  # rows sorted by (item, rank)
    # Lines, in input order.
    line_ids: IntArray
    request: IntArray
    line_item: IntArray
    quantity: IntArray
    weight: IntArray
    threshold: IntArray  # the earliest acceptable expiry ordinal
    needed_by: IntArray
    # Exclusions as sorted keys row * lines + line; pins merged per (row, line).
    excluded_keys: IntArray
    pin_row: IntArray
    pin_line: IntArray
    pin_quantity: IntArray
    supply: IntArray  # available after pins, 0 for excluded stock
    remaining: IntArray  # quantity after pins
    need: IntArray  # what the optimiser may still give: remaining, 0 for weight-0 lines
    seconds: float = 0.0
    site_index: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # compact, per row
    request_index: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))  # compact, per line
    site_count: int = 1

    @property
    def rows(self) -> int:
        return len(self.lot)

    @property
    def lines(self) -> int:
        return len(self.line_ids)

    def pair_keys(self, rows: IntArray, lines: IntArray) -> IntArray:
        return rows * max(self.lines, 1) + lines

    def consignments(self, rows: IntArray, lines: IntArray) -> IntArray:
        """A key per (request, site) of each (row, line) pair."""
        return self.request_index[lines] * self.site_count + self.site_index[rows]

    def is_excluded(self, rows: IntArray, lines: IntArray) -> BoolArray:
        if not len(self.excluded_keys):
            return np.zeros(len(rows), bool)
        return np.isin(self.pair_keys(rows, lines), self.excluded_keys)


def _pin_error(pin: tuple[int, int, int, int], reason: str, message: str) -> InfeasiblePin:
    return InfeasiblePin(message, pin=pin, reason=reason)


def _pins(
    pins: Collection[PinLike],
    row_of: dict[tuple[int, int], int],
    line_of: dict[int, int],
    prep: _Prepared,
) -> tuple[IntArray, IntArray, IntArray]:
    as_tuples: list[tuple[int, int, int, int]] = []
    for p in pins:
        raw = (p.lot_id, p.site_id, p.line_id, p.quantity) if isinstance(p, Pick) else tuple(p)
        if len(raw) != 4:
            raise ValueError("a pin is (lot_id, site_id, line_id, quantity)")
        as_tuples.append((int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3])))
    as_tuples.sort()
    rows: list[int] = []
    lines: list[int] = []
    quantities: list[int] = []
    seen: set[tuple[int, int]] = set()
    for pin4 in as_tuples:
        lot, site, line_id, quantity = pin4
        values = {"lot": lot, "site": site, "line": line_id, "quantity": quantity}
        row = row_of.get((lot, site))
        if row is None:
            raise _pin_error(
                pin4,
                "unknown_stock",
                _("Lot %(lot)s at site %(site)s cannot be pinned: it is not among the stock considered.")
                % values,
            )
        line = line_of.get(line_id)
        if line is None:
            raise _pin_error(
                pin4,
                "unknown_line",
                _("Lot %(lot)s cannot be pinned to line %(line)s: that line is not part of this run.")
                % values,
            )
        if quantity < 1:
            raise _pin_error(
                pin4,
                "quantity",
                _("The pin of lot %(lot)s at site %(site)s to line %(line)s must be of at least one unit.")
                % values,
            )
        if (row, line) in seen:
            raise _pin_error(
                pin4,
                "twice",
                _("Lot %(lot)s at site %(site)s is pinned to line %(line)s more than once.") % values,
            )
        seen.add((row, line))
        if prep.item[row] != prep.line_item[line]:
            raise _pin_error(
                pin4,
                "item",
                _("Lot %(lot)s cannot be pinned to line %(line)s: it holds another item.") % values,
            )
        if prep.expiry[row] < prep.threshold[line]:
            raise _pin_error(
                pin4,
                "shelf_life",
                _(
                    "Lot %(lot)s cannot be pinned to line %(line)s: it expires on %(expiry)s, and the "
                    "line needs stock that lasts until %(needed)s."
                )
                % {
                    **values,
                    "expiry": _day(int(prep.expiry[row])),
                    "needed": _day(int(prep.threshold[line])),
                },
            )
        if prep.out[row]:
            raise _pin_error(
                pin4,
                "excluded_stock",
                _(
                    "Lot %(lot)s at site %(site)s is both pinned to line %(line)s and kept out of the allocation."
                )
                % values,
            )
        if prep.is_excluded(np.array([row], np.int64), np.array([line], np.int64))[0]:
            raise _pin_error(
                pin4,
                "excluded",
                _("Lot %(lot)s at site %(site)s is both pinned to line %(line)s and excluded from it.")
                % values,
            )
        rows.append(row)
        lines.append(line)
        quantities.append(quantity)
    pin_row = np.array(rows, np.int64)
    pin_line = np.array(lines, np.int64)
    pin_quantity = np.array(quantities, np.int64)
    per_row = np.bincount(pin_row, pin_quantity, minlength=prep.rows).astype(np.int64)
    per_line = np.bincount(pin_line, pin_quantity, minlength=prep.lines).astype(np.int64)
    over = np.flatnonzero(per_row > prep.available)
    if len(over):
        row = int(over[0])
        first = next(k for k in range(len(rows)) if rows[k] == row)
        raise _pin_error(
            as_tuples[first],
            "available",
            _(
                "More units of lot %(lot)s at site %(site)s are pinned (%(pinned)s) than are available "
                "(%(available)s)."
            )
            % {
                "lot": int(prep.lot[row]),
                "site": int(prep.site[row]),
                "pinned": int(per_row[row]),
                "available": int(prep.available[row]),
            },
        )
    over = np.flatnonzero(per_line > prep.quantity)
    if len(over):
        line = int(over[0])
        first = next(k for k in range(len(lines)) if lines[k] == line)
        raise _pin_error(
            as_tuples[first],
            "line_quantity",
            _("More units are pinned to line %(line)s (%(pinned)s) than it asks for (%(quantity)s).")
            % {
                "line": int(prep.line_ids[line]),
                "pinned": int(per_line[line]),
                "quantity": int(prep.quantity[line]),
            },
        )
    return pin_row, pin_line, pin_quantity


def _prepare(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
    pins: Collection[PinLike] = (),
) -> _Prepared:
    began = time.perf_counter()
    n, m = len(stock), len(lines)
    # Rows sorted by (lot, site) and lines by id, so that the answer does not depend on the
    # order of the input.
    raw_lot = _column((s.lot_id for s in stock), n)
    raw_site = _column((s.site_id for s in stock), n)
    rows = np.lexsort((raw_site, raw_lot))
    lot, site = raw_lot[rows], raw_site[rows]
    item = _column((s.item_id for s in stock), n)[rows]
    available = _column((s.available for s in stock), n)[rows]
    expiry = _column((NEVER if s.expiry_date is None else s.expiry_date.toordinal() for s in stock), n)[rows]
    if n and int(available.min()) < 0:
        raise ValueError("available stock must not be negative")
    if n > 1 and bool(((lot[1:] == lot[:-1]) & (site[1:] == site[:-1])).any()):
        raise ValueError("a lot appears twice at the same site")
    row_of = {pair: k for k, pair in enumerate(zip(lot.tolist(), site.tolist(), strict=True))}

    raw_ids = _column((li.line_id for li in lines), m)
    order = np.argsort(raw_ids, kind="stable")
    line_ids = raw_ids[order]
    if m > 1 and bool((line_ids[1:] == line_ids[:-1]).any()):
        raise ValueError("line ids must be unique")
    quantity = _column((li.quantity for li in lines), m)[order]
    weight = _column((li.priority_weight for li in lines), m)[order]
    if m and int(quantity.min()) < 1:
        raise ValueError("line quantities must be at least 1")
    if m and int(weight.min()) < 0:
        raise ValueError("priority weights must not be negative")
    line_of = {line_id: k for k, line_id in enumerate(line_ids.tolist())}
    threshold = np.clip(
        _column((li.arrival_date.toordinal() + li.minimum_shelf_life_days for li in lines), m)[order],
        -NEVER,
        NEVER,
    )

    out = np.zeros(n, bool)
    for pair in excluded_stock:
        row = row_of.get((pair[0], pair[1]))
        if row is not None:
            out[row] = True
    keys = []
    for lot_id, site_id, line_id in exclusions:
        row, line = row_of.get((lot_id, site_id)), line_of.get(line_id)
        if row is not None and line is not None:
            keys.append(row * max(m, 1) + line)
    excluded_keys = np.unique(np.array(keys, np.int64))

    # FEFO order per item: expiry, then the smaller available quantity, then lot, then site.
    fefo = np.lexsort((site, lot, available, expiry, item)).astype(np.int64)
    starts = _runs(item[fefo])
    counts = np.diff(np.r_[starts, n]).astype(np.int64)
    rank = np.empty(n, np.int64)
    rank[fefo] = np.arange(n, dtype=np.int64) - np.repeat(starts, counts)

    prep = _Prepared(
        lot=lot,
        site=site,
        item=item,
        available=available,
        expiry=expiry,
        out=out,
        rank=rank,
        fefo=fefo,
        line_ids=line_ids,
        request=_column((li.request_id for li in lines), m)[order],
        line_item=_column((li.item_id for li in lines), m)[order],
        quantity=quantity,
        weight=weight,
        threshold=threshold.astype(np.int64),
        needed_by=_column((li.needed_by.toordinal() for li in lines), m)[order],
        excluded_keys=excluded_keys,
        pin_row=np.zeros(0, np.int64),
        pin_line=np.zeros(0, np.int64),
        pin_quantity=np.zeros(0, np.int64),
        supply=available,
        remaining=quantity,
        need=quantity,
    )
    site_ids, site_index = np.unique(site, return_inverse=True)
    prep.site_index = site_index.reshape(-1).astype(np.int64)
    prep.site_count = max(len(site_ids), 1)
    prep.request_index = np.unique(prep.request, return_inverse=True)[1].reshape(-1).astype(np.int64)
    prep.pin_row, prep.pin_line, prep.pin_quantity = _pins(pins, row_of, line_of, prep)
    prep.supply = available - np.bincount(prep.pin_row, prep.pin_quantity, minlength=n).astype(np.int64)
    prep.supply[out] = 0
    prep.remaining = quantity - np.bincount(prep.pin_line, prep.pin_quantity, minlength=m).astype(np.int64)
    prep.need = np.where(weight > 0, prep.remaining, 0).astype(np.int64)
    prep.seconds = time.perf_counter() - began
    return prep


# --- The flow network -------------------------------------------------------------------------


@dataclass
class _Network:
    """The chain network of the module docstring, without its sink side (which differs between
    the phases). Node 0 is the source, 1 the sink, 2 + p the hub at chain position p, then one node
    per network line and one per row with direct arcs. Arcs, in order: A source -> hub or row
    node (one per useful row with units), B row node -> hub, C hub -> previous hub of the same
    chain, D hub -> line (attachments), E row node -> line (direct arcs)."""

    pos_row: IntArray  # stock row at each chain position (rows sorted by item, site, rank)
    pos_group: IntArray
    group_end: IntArray
    lines: IntArray  # the lines in the network (need > 0)
    line_node: int  # node of lines[0]
    node_count: int
    tails: IntArray
    heads: IntArray
    capacities: IntArray
    arc_item: IntArray  # the item of each arc: the network is one component per item
    a_pos: IntArray  # position of each A arc
    has_row_node: BoolArray  # per position
    b_start: int
    b_pos: IntArray
    d_start: int
    att_line: IntArray  # index into lines
    att_group: IntArray
    att_first: IntArray  # position of the first eligible row
    e_start: int
    dir_row: IntArray
    dir_line: IntArray  # index into lines
    arc_pair: IntArray  # consignment index of each D then E arc
    pair_paid: BoolArray  # per consignment: already used by a pin
    pair_reach: IntArray  # per consignment: the most units its arcs could carry
    eligible_pairs: int  # (row, line) pairs with units on both sides, for the CP-SAT threshold

    @property
    def arc_count(self) -> int:
        return len(self.tails)


def _network(prep: _Prepared) -> _Network:
    n = prep.rows
    order = np.lexsort((prep.rank, prep.site, prep.item)).astype(np.int64)
    item_s, site_s = prep.item[order], prep.site[order]
    change = (
        np.r_[True, (item_s[1:] != item_s[:-1]) | (site_s[1:] != site_s[:-1])] if n else np.zeros(0, bool)
    )
    group_start = np.flatnonzero(change).astype(np.int64)
    group_count = len(group_start)
    group_end = np.r_[group_start[1:], n].astype(np.int64)
    pos_group = (np.cumsum(change) - 1).astype(np.int64)
    group_item = item_s[group_start]
    supply = prep.supply[order]
    expiry = prep.expiry[order]
    # Units at or after each position within its group.
    total = np.cumsum(supply)
    suffix = (total[group_end - 1][pos_group] - np.r_[0, total[:-1]]) if n else np.zeros(0, np.int64)
    # Rows with units at or after each position within its group.
    with_units = np.cumsum(supply > 0)
    suffix_count = (with_units[group_end - 1][pos_group] - np.r_[0, with_units[:-1]]) if n else suffix

    lines = np.flatnonzero(prep.need > 0).astype(np.int64)
    low = np.searchsorted(group_item, prep.line_item[lines], "left")
    high = np.searchsorted(group_item, prep.line_item[lines], "right")
    att_line = np.repeat(np.arange(len(lines), dtype=np.int64), high - low)
    att_group = _ranges(low.astype(np.int64), (high - low).astype(np.int64))
    span = NEVER * 2 + 1
    keys = pos_group * span + expiry + NEVER
    wanted = att_group * span + prep.threshold[lines][att_line] + NEVER
    att_first = np.searchsorted(keys, wanted, "left").astype(np.int64)
    keep = att_first < group_end[att_group]
    keep[keep] = suffix[att_first[keep]] > 0
    att_line, att_group, att_first = att_line[keep], att_group[keep], att_first[keep]

    # Exclusions inside an attachment's suffix break it into direct arcs.
    dir_row = np.zeros(0, np.int64)
    dir_line = np.zeros(0, np.int64)
    if len(prep.excluded_keys) and len(att_line):
        m = max(prep.lines, 1)
        ex_row, ex_line = prep.excluded_keys // m, prep.excluded_keys % m
        local = np.full(prep.lines, -1, np.int64)
        local[lines] = np.arange(len(lines))
        ex_local = local[ex_line]
        ok = (ex_local >= 0) & (prep.supply[ex_row] > 0)
        ex_row, ex_local = ex_row[ok], ex_local[ok]
        row_pos = np.empty(n, np.int64)
        row_pos[order] = np.arange(n, dtype=np.int64)
        att_keys = att_line * max(group_count, 1) + att_group  # sorted: lines, then groups
        wanted = ex_local * max(group_count, 1) + pos_group[row_pos[ex_row]]
        found = np.minimum(np.searchsorted(att_keys, wanted), len(att_keys) - 1)
        hit = (att_keys[found] == wanted) & (row_pos[ex_row] >= att_first[found])
        broken = np.zeros(len(att_line), bool)
        broken[found[hit]] = True
        if broken.any():
            b_first, b_group, b_line = att_first[broken], att_group[broken], att_line[broken]
            counts = group_end[b_group] - b_first
            positions = _ranges(b_first, counts)
            dir_line = np.repeat(b_line, counts)
            dir_row = order[positions]
            allowed = (prep.supply[dir_row] > 0) & ~prep.is_excluded(dir_row, lines[dir_line])
            dir_row, dir_line = dir_row[allowed], dir_line[allowed]
            att_line, att_group, att_first = att_line[~broken], att_group[~broken], att_first[~broken]

    # Consignments: (request, site) pairs of the D and E arcs and of the pins.
    pair_keys = np.concatenate(
        [
            prep.consignments(order[group_start[att_group]], lines[att_line]),
            prep.consignments(dir_row, lines[dir_line]),
        ]
    ).astype(np.int64)
    paid_keys = prep.consignments(prep.pin_row, prep.pin_line)
    unique_pairs, arc_pair = np.unique(pair_keys, return_inverse=True)
    arc_pair = arc_pair.astype(np.int64).reshape(-1)
    pair_paid = np.isin(unique_pairs, paid_keys)

    row_pos = np.empty(n, np.int64)
    row_pos[order] = np.arange(n, dtype=np.int64)
    has_row_node = np.zeros(n, bool)
    has_row_node[row_pos[dir_row]] = True
    row_node = np.full(n, -1, np.int64)

    # The chain keeps only the positions where lines attach (hubs); every other row feeds the
    # last hub at or before it, and rows before the first hub of their group serve no line.
    hubs = np.unique(att_first)
    below = np.searchsorted(hubs, np.arange(n, dtype=np.int64), "right") - 1
    hub = hubs[np.maximum(below, 0)] if len(hubs) else np.zeros(n, np.int64)
    hub_ok = (below >= 0) & (pos_group[hub] == pos_group) if len(hubs) else np.zeros(n, bool)

    source, chain = 0, 2
    line_node = chain + n
    first_row_node = line_node + len(lines)
    with_node = np.flatnonzero(has_row_node)
    row_node[with_node] = first_row_node + np.arange(len(with_node))
    node_count = first_row_node + len(with_node)

    a_pos = np.flatnonzero((supply > 0) & (hub_ok | has_row_node)).astype(np.int64)
    a_heads = np.where(has_row_node[a_pos], row_node[a_pos], chain + hub[a_pos])
    b_pos = np.flatnonzero(has_row_node & hub_ok).astype(np.int64)
    linked = np.flatnonzero(pos_group[hubs[1:]] == pos_group[hubs[:-1]]) if len(hubs) else hubs
    linked = linked[suffix[hubs[linked + 1]] > 0]
    c_tail, c_head = hubs[linked + 1], hubs[linked]
    d_caps = np.minimum(prep.need[lines][att_line], suffix[att_first])
    e_caps = np.minimum(prep.need[lines][dir_line], prep.supply[dir_row])
    tails = np.concatenate(
        [
            np.full(len(a_pos), source, np.int64),
            row_node[b_pos],
            chain + c_tail,
            chain + att_first,
            row_node[row_pos[dir_row]],
        ]
    ).astype(np.int64)
    heads = np.concatenate(
        [a_heads, chain + hub[b_pos], chain + c_head, line_node + att_line, line_node + dir_line]
    ).astype(np.int64)
    capacities = np.concatenate([supply[a_pos], supply[b_pos], suffix[c_tail], d_caps, e_caps]).astype(
        np.int64
    )
    b_start = len(a_pos)
    d_start = b_start + len(b_pos) + len(c_tail)
    e_start = d_start + len(att_line)
    reach = np.bincount(arc_pair, capacities[d_start:], minlength=len(unique_pairs)).astype(np.int64)
    eligible = int(suffix_count[att_first].sum()) + len(dir_row)
    return _Network(
        pos_row=order,
        pos_group=pos_group,
        group_end=group_end,
        lines=lines,
        line_node=line_node,
        node_count=node_count,
        tails=tails,
        heads=heads,
        capacities=capacities,
        arc_item=np.concatenate(
            [
                prep.item[order[a_pos]],
                prep.item[order[b_pos]],
                prep.item[order[c_tail]],
                prep.line_item[lines[att_line]],
                prep.line_item[lines[dir_line]],
            ]
        ).astype(np.int64),
        a_pos=a_pos,
        has_row_node=has_row_node,
        b_start=b_start,
        b_pos=b_pos,
        d_start=d_start,
        att_line=att_line,
        att_group=att_group,
        att_first=att_first,
        e_start=e_start,
        dir_row=dir_row,
        dir_line=dir_line,
        arc_pair=arc_pair,
        pair_paid=pair_paid,
        pair_reach=reach,
        eligible_pairs=eligible,
    )


class _ItemFlows:
    """Max flows of least cost from node 0 to node 1 over one set of arcs, for any costs.

    Apart from the source and the sink, the network falls apart into one component per item
    (``arc_item``), and a max flow of least cost of the whole is the union of those of the parts,
    so each item is solved on its own, with its nodes renumbered 2, 3, ... (OR-Tools sizes its
    arrays by the largest node index): many small flows are faster than one large one. The
    partition is computed once and reused by every slope-scaling round."""

    def __init__(self, tails: IntArray, heads: IntArray, capacities: IntArray, arc_item: IntArray):
        self.size = len(tails)
        self.capacities = capacities
        node_count = int(max(tails.max(), heads.max())) + 1 if self.size else 2
        node_item = np.full(node_count, -1, np.int64)
        node_item[tails] = arc_item
        node_item[heads] = arc_item
        inner = np.arange(2, node_count, dtype=np.int64)
        inner = inner[node_item[inner] >= 0]
        inner = inner[np.argsort(node_item[inner], kind="stable")]
        firsts = _runs(node_item[inner])
        sizes = np.diff(np.r_[firsts, len(inner)]).astype(np.int64)
        local = np.arange(node_count, dtype=np.int64)  # the source and the sink keep 0 and 1
        local[inner] = 2 + np.arange(len(inner), dtype=np.int64) - np.repeat(firsts, sizes)
        order = np.argsort(arc_item, kind="stable")
        self.parts: list[tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32], IntArray, int]] = []
        for low, high in itertools.pairwise(np.r_[_runs(arc_item[order]), len(order)].tolist()):
            arcs = order[low:high]
            into_sink = int(capacities[arcs][heads[arcs] == 1].sum())
            if into_sink and bool((tails[arcs] == 0).any()):
                self.parts.append(
                    (
                        arcs,
                        local[tails[arcs]].astype(np.int32),
                        local[heads[arcs]].astype(np.int32),
                        capacities[arcs],
                        into_sink,
                    )
                )

    def solve(self, costs: IntArray, *, saturated: Literal["known", "free", "unknown"]) -> IntArray:
        """Flows of a maximum flow of least cost. ``saturated``: "known" when the maximum flow
        is known to fill every arc into the sink (the min-cost flow runs at once); "free" when a
        maximum flow that fills them all is optimal whatever it does elsewhere (costs only on
        the arcs into the sink), so a plain max flow that does is kept; "unknown" otherwise (a
        plain max flow first gives the value)."""
        flows = np.zeros(self.size, np.int64)
        for arcs, tails, heads, capacities, into_sink in self.parts:
            indices = np.arange(len(arcs), dtype=np.int32)
            value = into_sink
            if saturated != "known":
                maximum = max_flow.SimpleMaxFlow()
                maximum.add_arcs_with_capacity(tails, heads, capacities)
                if maximum.solve(0, 1) != maximum.OPTIMAL:
                    raise RuntimeError("max flow failed")
                value = int(maximum.optimal_flow())
                if saturated == "free" and value == into_sink:
                    flows[arcs] = maximum.flows(indices)
                    continue
            if not value:
                continue
            network = min_cost_flow.SimpleMinCostFlow()
            network.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs[arcs])
            network.set_nodes_supplies(np.array([0, 1], np.int32), np.array([value, -value], np.int64))
            status = network.solve()
            if status != network.OPTIMAL:
                raise RuntimeError(f"min-cost flow ended with status {status}")
            flows[arcs] = network.flows(indices)
        return flows


def _classes(prep: _Prepared, lines: IntArray) -> IntArray:
    """Class of each line: 0-based, in ascending order of weight / quantity compared exactly
    (as reduced fractions, sorted as ``Fraction``)."""
    if not len(lines):
        return np.zeros(0, np.int64)
    weight, quantity = prep.weight[lines], prep.quantity[lines]
    divisor = np.gcd(weight, quantity)
    reduced = np.stack([weight // divisor, quantity // divisor], axis=1)
    if int(reduced[:, 0].max()) * (int(reduced[:, 1].max()) + 1) < 2**62:
        span = int(reduced[:, 1].max()) + 1
        keys, inverse = np.unique(reduced[:, 0] * span + reduced[:, 1], return_inverse=True)
        values = np.stack([keys // span, keys % span], axis=1)
    else:
        values, inverse = np.unique(reduced, axis=0, return_inverse=True)
    ascending = sorted(range(len(values)), key=lambda k: Fraction(int(values[k, 0]), int(values[k, 1])))
    class_of = np.empty(len(values), np.int64)
    class_of[np.array(ascending, np.int64)] = np.arange(len(values), dtype=np.int64)
    return class_of[inverse.reshape(-1)]


def _blocks(prep: _Prepared, net: _Network, line_class: IntArray) -> tuple[IntArray, IntArray]:
    """Block of each network line, one per (item, class), and the item of each block."""
    items = prep.line_item[net.lines]
    item_ids, item_index = np.unique(items, return_inverse=True)
    span = int(line_class.max()) + 1 if len(line_class) else 1
    keys, inverse = np.unique(item_index.reshape(-1) * span + line_class, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), item_ids[keys // span].astype(np.int64)


def _primary(prep: _Prepared, net: _Network, line_class: IntArray) -> IntArray:
    """Phase 1: the units per network line of a max-weighted-fulfilment flow, value per unit =
    class rank (module docstring). Every line has a positive value, so the optimum is a maximum
    flow (a base of the polymatroid): the max flow of least cost is it; and where the max flow
    serves every line in full, any max flow is."""
    count = len(net.lines)
    tails = np.concatenate([net.tails, net.line_node + np.arange(count)]).astype(np.int64)
    heads = np.concatenate([net.heads, np.ones(count, np.int64)]).astype(np.int64)
    capacities = np.concatenate([net.capacities, prep.need[net.lines]]).astype(np.int64)
    costs = np.concatenate([np.zeros(net.arc_count, np.int64), -(line_class + 1)]).astype(np.int64)
    arc_item = np.concatenate([net.arc_item, prep.line_item[net.lines]]).astype(np.int64)
    flows = _ItemFlows(tails, heads, capacities, arc_item).solve(costs, saturated="free")
    return flows[net.arc_count :]


class _Secondary:
    """Phase 2: flows of the base arcs when each block (item, class) receives exactly its total
    (the max flow, as phase 1 showed), at the least FEFO cost plus a per-unit consignment share
    (``pair_cost``, scaled) on each consignment's arcs."""

    def __init__(
        self,
        prep: _Prepared,
        net: _Network,
        line_block: IntArray,
        block_item: IntArray,
        block_total: IntArray,
    ):
        count, blocks = len(net.lines), len(block_total)
        block_node = net.node_count
        tails = np.concatenate(
            [net.tails, net.line_node + np.arange(count), block_node + np.arange(blocks)]
        ).astype(np.int64)
        heads = np.concatenate([net.heads, block_node + line_block, np.ones(blocks, np.int64)]).astype(
            np.int64
        )
        capacities = np.concatenate([net.capacities, prep.need[net.lines], block_total]).astype(np.int64)
        arc_item = np.concatenate([net.arc_item, prep.line_item[net.lines], block_item]).astype(np.int64)
        self.net = net
        self.flows = _ItemFlows(tails, heads, capacities, arc_item)
        self.costs = np.zeros(len(tails), np.int64)
        self.costs[: net.b_start] = _COST_SCALE * prep.rank[net.pos_row[net.a_pos]]
        self.blocks = blocks
        self.total = int(block_total.sum())
        self.arc_count = len(tails)

    def solve(self, pair_cost: IntArray) -> IntArray:
        net = self.net
        self.costs[net.d_start : net.arc_count] = pair_cost[net.arc_pair]
        flows = self.flows.solve(self.costs, saturated="known")
        if self.blocks and int(flows[-self.blocks :].sum()) != self.total:
            raise RuntimeError("phase 2 could not give every block its total")
        return flows[: net.arc_count]


def _cut(net: _Network, flows: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The picks (row, line, units) of a flow: direct arcs as they are, and per chain the lines
    served from the latest rows down in descending order of their first eligible row."""
    n = len(net.pos_row)
    used = np.zeros(n, np.int64)
    plain = ~net.has_row_node[net.a_pos]
    used[net.a_pos[plain]] = flows[: net.b_start][plain]
    used[net.b_pos] = flows[net.b_start : net.b_start + len(net.b_pos)]
    taken = flows[net.d_start : net.e_start]

    attached = np.flatnonzero(taken > 0)
    attached = attached[np.lexsort((-net.att_first[attached], net.att_group[attached]))]
    positions = np.flatnonzero(used > 0)
    positions = positions[np.lexsort((-positions, net.pos_group[positions]))]
    demand = np.cumsum(taken[attached])
    given = np.cumsum(used[positions])
    if len(demand) and (len(given) == 0 or demand[-1] != given[-1]):
        raise RuntimeError("the flow on the chains does not balance")
    ends = np.union1d(demand, given)
    starts = np.r_[0, ends[:-1]].astype(np.int64)
    who = attached[np.searchsorted(demand, starts, "right")] if len(ends) else attached
    where = positions[np.searchsorted(given, starts, "right")] if len(ends) else positions
    if len(ends) and (
        bool((net.att_group[who] != net.pos_group[where]).any()) or bool((where < net.att_first[who]).any())
    ):
        raise RuntimeError("a chain was cut across groups")
    direct = flows[net.e_start :]
    sent = np.flatnonzero(direct > 0)
    rows = np.concatenate([net.pos_row[where], net.dir_row[sent]]).astype(np.int64)
    lines = np.concatenate([net.lines[net.att_line[who]], net.lines[net.dir_line[sent]]]).astype(np.int64)
    units = np.concatenate([ends - starts, direct[sent]]).astype(np.int64)
    return rows, lines, units


def _merge(prep: _Prepared, rows: IntArray, lines: IntArray, units: IntArray) -> tuple[IntArray, ...]:
    """Picks with the pins added, one per (row, line), sorted by line then row."""
    rows = np.concatenate([prep.pin_row, rows]).astype(np.int64)
    lines = np.concatenate([prep.pin_line, lines]).astype(np.int64)
    units = np.concatenate([prep.pin_quantity, units]).astype(np.int64)
    keep = units > 0
    keys = lines[keep] * max(prep.rows, 1) + rows[keep]
    unique, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse.reshape(-1), units[keep], minlength=len(unique)).astype(np.int64)
    return unique % max(prep.rows, 1), unique // max(prep.rows, 1), total


def _secondary_parts(prep: _Prepared, rows: IntArray, lines: IntArray, units: IntArray) -> tuple[int, int]:
    """(consignments, FEFO cost) of merged picks."""
    return len(np.unique(prep.consignments(rows, lines))), int((units * prep.rank[rows]).sum())


def _allocation(
    prep: _Prepared,
    merged: tuple[IntArray, ...],
    *,
    method: str,
    optimal: bool,
    status: str,
    timings: dict[str, float],
    site_penalty: int,
) -> Allocation:
    rows, lines, units = merged
    began = time.perf_counter()
    order = np.lexsort((prep.site[rows], prep.lot[rows], prep.line_ids[lines]))
    rows, lines, units = rows[order], lines[order], units[order]
    picks = [
        Pick(lot, site, line, quantity)
        for lot, site, line, quantity in zip(
            prep.lot[rows].tolist(),
            prep.site[rows].tolist(),
            prep.line_ids[lines].tolist(),
            units.tolist(),
            strict=True,
        )
    ]
    per_line = np.bincount(lines, units, minlength=prep.lines).astype(np.int64)
    allocated = dict(zip(prep.line_ids.tolist(), per_line.tolist(), strict=True))
    fulfilment = _fulfilment(prep, per_line)
    possible = int(prep.weight.sum())
    pairs, fefo = _secondary_parts(prep, rows, lines, units)
    timings["picks"] = timings.get("picks", 0.0) + time.perf_counter() - began
    return Allocation(
        picks=picks,
        allocated=allocated,
        fulfilment=fulfilment,
        fulfilment_percent=float(fulfilment * 100 / possible) if possible else 100.0,
        site_pairs=pairs,
        fefo_cost=fefo,
        secondary_cost=site_penalty * pairs + fefo,
        method=method,
        optimal=optimal,
        status=status,
        timings=timings,
        site_penalty=site_penalty,
    )


def _fulfilment(prep: _Prepared, per_line: IntArray) -> Fraction:
    """Sum of weight * allocated / quantity, exactly: one fraction per distinct quantity."""
    if not prep.lines:
        return Fraction(0)
    quantities, inverse = np.unique(prep.quantity, return_inverse=True)
    numerators = np.zeros(len(quantities), dtype=object)
    np.add.at(numerators, inverse.reshape(-1), (prep.weight * per_line).astype(object))
    return sum(
        (Fraction(int(a), int(q)) for a, q in zip(numerators.tolist(), quantities.tolist(), strict=True)),
        Fraction(0),
    )


# --- CP-SAT on small instances ----------------------------------------------------------------


@dataclass
class _CpResult:
    rows: IntArray
    lines: IntArray
    units: IntArray
    optimal: bool
    found: bool


def _eligible_pairs(prep: _Prepared, net: _Network) -> tuple[IntArray, IntArray]:
    counts = net.group_end[net.att_group] - net.att_first
    positions = _ranges(net.att_first, counts)
    rows = net.pos_row[positions]
    lines = net.lines[np.repeat(net.att_line, counts)]
    keep = prep.supply[rows] > 0
    rows = np.concatenate([rows[keep], net.dir_row]).astype(np.int64)
    lines = np.concatenate([lines[keep], net.lines[net.dir_line]]).astype(np.int64)
    return rows, lines


def _cp_sat(
    prep: _Prepared,
    net: _Network,
    line_block: IntArray,
    block_total: IntArray,
    hint: tuple[IntArray, IntArray, IntArray],
    site_penalty: int,
    deterministic_seconds: float,
    seconds: float,
    workers: int,
) -> _CpResult:
    rows, lines = _eligible_pairs(prep, net)
    size = len(rows)
    bounds = np.minimum(prep.supply[rows], prep.need[lines])
    pair = prep.consignments(rows, lines)
    paid = prep.consignments(prep.pin_row, prep.pin_line)
    charged = ~np.isin(pair, paid)
    pair_ids, pair_of = np.unique(pair[charged], return_inverse=True)
    pair_of = pair_of.reshape(-1)

    model = cp_model.CpModel()
    proto = model.proto
    for bound in bounds.tolist():
        variable = cp_model_helper.IntegerVariableProto()
        variable.domain.extend((0, bound))
        proto.variables.append(variable)
    boolean = cp_model_helper.IntegerVariableProto()
    boolean.domain.extend((0, 1))
    proto.variables.extend([boolean] * len(pair_ids))
    constraints = proto.constraints

    def add_groups(keys: IntArray, limits: IntArray | None, exact: bool) -> None:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        firsts = _runs(sorted_keys)
        cuts = np.r_[firsts, len(order)].tolist()
        members_all = order.tolist()
        for k in range(len(firsts)):
            members = members_all[cuts[k] : cuts[k + 1]]
            key = int(sorted_keys[cuts[k]])
            limit = int(block_total[key]) if limits is None else int(limits[key])
            if not exact and int(bounds[members].sum()) <= limit:
                continue
            constraint = constraints.add()
            constraint.linear.vars.extend(members)
            constraint.linear.coeffs.extend([1] * len(members))
            constraint.linear.domain.extend((limit if exact else 0, limit))

    add_groups(rows, prep.supply, exact=False)
    add_groups(lines, prep.need, exact=False)
    blocks = np.full(prep.lines, -1, np.int64)
    blocks[net.lines] = line_block
    add_groups(blocks[lines], None, exact=True)
    charged_vars = np.flatnonzero(charged)
    for var, literal in zip(charged_vars.tolist(), (size + pair_of).tolist(), strict=True):
        constraint = constraints.add()
        constraint.linear.vars.extend((var, literal))
        constraint.linear.coeffs.extend((1, -int(bounds[var])))
        constraint.linear.domain.extend((-int(bounds[var]), 0))
    # The same per line and site, summed over the site's rows: a much tighter relaxation where
    # several lots at a site could serve the line.
    if len(charged_vars):
        line_site = lines[charged_vars] * prep.site_count + prep.site_index[rows[charged_vars]]
        order = np.argsort(line_site, kind="stable")
        cuts = np.r_[_runs(line_site[order]), len(order)].tolist()
        members_all = charged_vars[order].tolist()
        literals = (size + pair_of[order]).tolist()
        for low, high in itertools.pairwise(cuts):
            if high - low < 2:
                continue
            members = members_all[low:high]
            reach = min(int(bounds[members].sum()), int(prep.need[lines[members[0]]]))
            constraint = constraints.add()
            constraint.linear.vars.extend([*members, literals[low]])
            constraint.linear.coeffs.extend([1] * len(members) + [-reach])
            constraint.linear.domain.extend((-reach, 0))
    ranked = np.flatnonzero(prep.rank[rows] > 0)
    proto.objective.vars.extend(ranked.tolist() + (size + np.arange(len(pair_ids))).tolist())
    proto.objective.coeffs.extend(prep.rank[rows][ranked].tolist() + [site_penalty] * len(pair_ids))

    hint_rows, hint_lines, hint_units = hint
    hint_keys = prep.pair_keys(hint_rows, hint_lines)
    order = np.argsort(hint_keys)
    position = np.searchsorted(hint_keys[order], prep.pair_keys(rows, lines))
    position = np.minimum(position, max(len(order) - 1, 0))
    values = np.zeros(size, np.int64)
    if len(order):
        match = hint_keys[order][position] == prep.pair_keys(rows, lines)
        values[match] = hint_units[order][position[match]]
    used_pairs = np.bincount(pair_of, values[charged], minlength=len(pair_ids)) > 0
    proto.solution_hint.vars.extend(range(size + len(pair_ids)))
    proto.solution_hint.values.extend(values.tolist() + used_pairs.astype(np.int64).tolist())

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.max_deterministic_time = max(deterministic_seconds, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        empty = np.zeros(0, np.int64)
        return _CpResult(empty, empty, empty, False, False)
    solution = np.array(list(solver.response_proto.solution)[:size], np.int64)
    sent = solution > 0
    return _CpResult(rows[sent], lines[sent], solution[sent], status == cp_model.OPTIMAL, True)


# --- Solving ----------------------------------------------------------------------------------


def solve(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    *,
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
    pins: Collection[PinLike] = (),
    site_penalty: int = DEFAULT_SITE_PENALTY,
    method: Method = "auto",
    time_limit_seconds: float = 3.0,
    slope_rounds: int | None = None,
    cp_sat_max_pairs: int = DEFAULT_CP_SAT_MAX_PAIRS,
    workers: int = 1,
) -> Allocation:
    """The allocation of ``stock`` to ``lines`` with the greatest weighted fulfilment, then the
    least secondary cost (module docstring).

    ``method``: "auto" runs CP-SAT after the flows when the instance has at most
    ``cp_sat_max_pairs`` eligible (row, line) pairs and consignments matter (``site_penalty`` > 0);
    "min_cost_flow" never runs it, "cp_sat" always does. ``time_limit_seconds`` bounds the
    secondary search (slope-scaling rounds and CP-SAT together); ``workers`` are CP-SAT's threads.

    Raises ``InfeasiblePin`` (a ``ValidationFailed``) when a pin cannot be honoured; malformed
    input raises ValueError.
    """
    if method not in ("auto", MIN_COST_FLOW, CP_SAT):
        raise ValueError(f"unknown method {method!r}")
    if site_penalty < 0:
        raise ValueError("site_penalty must not be negative")
    prep = _prepare(stock, lines, exclusions, excluded_stock, pins)
    began = time.perf_counter()
    net = _network(prep)
    line_class = _classes(prep, net.lines)
    line_block, block_item = _blocks(prep, net, line_class)
    if len(prep.rank) and (_COST_SCALE * (int(prep.rank.max()) + site_penalty) > _MAX_ARC_COST):
        raise ValueError("site_penalty is too large")
    timings = {"prepare": prep.seconds + time.perf_counter() - began}

    began = time.perf_counter()
    per_line = _primary(prep, net, line_class)
    block_total = np.bincount(line_block, per_line, minlength=len(block_item)).astype(np.int64)
    timings["primary"] = time.perf_counter() - began

    began = time.perf_counter()
    deadline = began + time_limit_seconds
    secondary = _Secondary(prep, net, line_block, block_item, block_total)
    pair_count = len(net.pair_paid)
    reach = np.maximum(net.pair_reach, 1)
    share = np.where(net.pair_paid, 0.0, site_penalty / reach)
    best: tuple[int, ...] | None = None
    best_merged: tuple[IntArray, ...] = ()
    best_free: tuple[IntArray, IntArray, IntArray] = (np.zeros(0, np.int64),) * 3
    seen: set[bytes] = set()
    if slope_rounds is None:
        work = SLOPE_ROUND_ARCS // max(secondary.arc_count, 1)
        slope_rounds = min(MAX_SLOPE_ROUNDS, max(MIN_SLOPE_ROUNDS, work))
    rounds = max(slope_rounds, 1) if site_penalty else 1
    for _round in range(rounds):
        round_began = time.perf_counter()
        pair_cost = np.rint(_COST_SCALE * share).astype(np.int64)
        flows = secondary.solve(pair_cost)
        free = _cut(net, flows)
        merged = _merge(prep, *free)
        pairs, fefo = _secondary_parts(prep, *merged)
        score = (site_penalty * pairs + fefo, pairs)
        if best is None or score < best:
            best, best_merged, best_free = score, merged, free
        carried = np.bincount(net.arc_pair, flows[net.d_start :], minlength=pair_count)
        pattern = (carried > 0).tobytes()
        if pattern in seen:
            break
        seen.add(pattern)
        share = np.where(carried > 0, site_penalty / np.maximum(carried, 1), share)
        share[net.pair_paid] = 0.0
        now = time.perf_counter()
        if now + (now - round_began) > deadline:
            break
    timings["secondary"] = time.perf_counter() - began
    assert best is not None
    optimal = site_penalty == 0
    used = MIN_COST_FLOW

    run_cp = method == CP_SAT or (
        method == "auto" and site_penalty > 0 and net.eligible_pairs <= cp_sat_max_pairs
    )
    if run_cp and net.eligible_pairs:
        began = time.perf_counter()
        remaining = max(deadline - began, 0.5 if method == CP_SAT else 0.0)
        if remaining > 0:
            result = _cp_sat(
                prep,
                net,
                line_block,
                block_total,
                best_free,
                site_penalty,
                time_limit_seconds * _DETERMINISTIC_SHARE,
                remaining,
                workers,
            )
            if result.found:
                merged = _merge(prep, result.rows, result.lines, result.units)
                pairs, fefo = _secondary_parts(prep, *merged)
                score = (site_penalty * pairs + fefo, pairs)
                if score <= best:
                    best, best_merged = score, merged
                    used = CP_SAT
                    optimal = optimal or result.optimal
            timings["cp_sat"] = time.perf_counter() - began
    elif run_cp:
        optimal = True  # nothing can be sent: the empty answer is the only one

    _rows, lines_, units = best_merged
    check = np.bincount(lines_, units, minlength=prep.lines) - np.bincount(
        prep.pin_line, prep.pin_quantity, minlength=prep.lines
    )
    if len(net.lines) and not np.array_equal(
        np.bincount(line_block, check[net.lines], minlength=len(block_total)), block_total
    ):
        raise RuntimeError("the allocation lost weighted fulfilment")
    return _allocation(
        prep,
        best_merged,
        method=used,
        optimal=optimal,
        status="optimal" if optimal else "feasible",
        timings=timings,
        site_penalty=site_penalty,
    )


def greedy_fefo(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    *,
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
    pins: Collection[PinLike] = (),
    site_penalty: int = DEFAULT_SITE_PENALTY,
) -> Allocation:
    """The baseline: the pins, then lines by priority weight (highest first), then needed-by date
    (earliest first), then line id, each taking eligible stock in FEFO order (across sites) until
    met or out of stock."""
    prep = _prepare(stock, lines, exclusions, excluded_stock, pins)
    began = time.perf_counter()
    n = prep.rows
    fefo = prep.fefo
    items = prep.item[fefo]
    item_ids = np.unique(items)
    item_end = np.searchsorted(items, item_ids, "right")
    span = NEVER * 2 + 1
    item_index = np.searchsorted(item_ids, items)
    keys = item_index * span + prep.expiry[fefo] + NEVER
    line_item = np.minimum(np.searchsorted(item_ids, prep.line_item), max(len(item_ids) - 1, 0))
    known = item_ids[line_item] == prep.line_item if len(item_ids) else np.zeros(prep.lines, bool)
    first = np.searchsorted(keys, line_item * span + prep.threshold + NEVER, "left")
    end = item_end[line_item] if len(item_ids) else np.zeros(prep.lines, np.int64)

    left = prep.supply[fefo].tolist()
    # Union-find over positions: the next position at or after this one with units left.
    following = [position if left[position] > 0 else position + 1 for position in range(n)] + [n]

    def find(position: int) -> int:
        root = position
        while following[root] != root:
            root = following[root]
        while following[position] != root:
            following[position], position = root, following[position]
        return root

    excluded: dict[int, set[int]] = {}
    if len(prep.excluded_keys):
        m = max(prep.lines, 1)
        for key in prep.excluded_keys.tolist():
            excluded.setdefault(key % m, set()).add(key // m)
    order = np.lexsort((prep.line_ids, prep.needed_by, -prep.weight)).tolist()
    fefo_rows = fefo.tolist()
    firsts, ends, knowns, remaining = first.tolist(), end.tolist(), known.tolist(), prep.remaining.tolist()
    rows: list[int] = []
    chosen: list[int] = []
    units: list[int] = []
    for line in order:
        wanted = remaining[line]
        if wanted <= 0 or not knowns[line]:
            continue
        skip = excluded.get(line, set())
        stop = ends[line]
        position = find(firsts[line])
        while wanted and position < stop:
            if fefo_rows[position] in skip:
                position = find(position + 1)
                continue
            take = min(wanted, left[position])
            rows.append(fefo_rows[position])
            chosen.append(line)
            units.append(take)
            wanted -= take
            left[position] -= take
            if not left[position]:
                following[position] = position + 1
            position = find(position + 1) if wanted else position
    timings = {"prepare": prep.seconds, "solve": time.perf_counter() - began}
    merged = _merge(prep, np.array(rows, np.int64), np.array(chosen, np.int64), np.array(units, np.int64))
    return _allocation(
        prep,
        merged,
        method=GREEDY_FEFO,
        optimal=False,
        status="greedy",
        timings=timings,
        site_penalty=site_penalty,
    )


def waste(stock: Sequence[Stock], allocation: Allocation, horizon_date: datetime.date) -> int:
    """Units of stock left unallocated that expire before ``horizon_date``: the expired waste."""
    sent: dict[tuple[int, int], int] = {}
    for pick in allocation.picks:
        key = (pick.lot_id, pick.site_id)
        sent[key] = sent.get(key, 0) + pick.quantity
    total = 0
    for row in stock:
        if row.expiry_date is not None and row.expiry_date < horizon_date:
            total += max(row.available - sent.get((row.lot_id, row.site_id), 0), 0)
    return total


# --- Explanations -----------------------------------------------------------------------------


def _reason_text(code: UnmetReason, counts: dict[str, int], latest: int, needed: int) -> str:
    if code == UnmetReason.NO_STOCK:
        return _("No stock of this item is available.")
    if code == UnmetReason.EXPIRES_TOO_SOON:
        return _(
            "Every lot in stock expires too soon: the latest expires on %(latest)s, and this line "
            "needs stock that lasts until %(needed)s."
        ) % {"latest": _day(latest), "needed": _day(needed)}
    if code == UnmetReason.EXCLUDED:
        count = counts["excluded"]
        return ngettext(
            "The only unit with enough shelf life is excluded from this line.",
            "All %(count)d units with enough shelf life are excluded from this line.",
            count,
        ) % {"count": count}
    if code == UnmetReason.PARTLY_MET:
        count = counts["usable"]
        return ngettext(
            "Only %(count)d unit with enough shelf life is in stock, and it is allocated to this line.",
            "Only %(count)d units with enough shelf life are in stock, and all are allocated to this line.",
            count,
        ) % {"count": count}
    if code == UnmetReason.NOT_ALLOCATED:
        count = counts["left"]
        return ngettext(
            "%(count)d unit with enough shelf life was left in stock.",
            "%(count)d units with enough shelf life were left in stock.",
            count,
        ) % {"count": count}
    count, higher = counts["taken"], counts["taken_by_higher"]
    values = {"count": count, "higher": higher}
    if higher == count:
        return (
            ngettext(
                "%(count)d unit this line could use went to a request of higher priority.",
                "%(count)d units this line could use went to requests of higher priority.",
                count,
            )
            % values
        )
    if higher:
        return (
            ngettext(
                "%(count)d unit this line could use went to other requests, %(higher)d of them to requests of higher priority.",
                "%(count)d units this line could use went to other requests, %(higher)d of them to requests of higher priority.",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)d unit this line could use went to another request of the same or lower priority.",
            "%(count)d units this line could use went to other requests of the same or lower priority.",
            count,
        )
        % values
    )


def explain_unmet(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    allocation: Allocation,
    *,
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
) -> dict[int, UnmetLine]:
    """For each line of ``allocation`` not fully met, by line id: the units missing and why.

    The first that applies: no_stock (no unit of the item anywhere), expires_too_soon (units in
    stock, none with the shelf life this line needs), excluded (units with the shelf life, all
    excluded), not_allocated (units this line could use were left in stock), taken_by_other_requests
    (units this line could use went to other lines), partly_met (everything this line could use is
    allocated to it, and it is not enough).
    """
    prep = _prepare(stock, lines, exclusions, excluded_stock)
    row_of = {pair: k for k, pair in enumerate(zip(prep.lot.tolist(), prep.site.tolist(), strict=True))}
    line_of = {line_id: k for k, line_id in enumerate(prep.line_ids.tolist())}
    try:
        pick_row = np.array([row_of[(p.lot_id, p.site_id)] for p in allocation.picks], np.int64)
        pick_line = np.array([line_of[p.line_id] for p in allocation.picks], np.int64)
    except KeyError as unknown:
        raise ValueError(f"the allocation picks {unknown} which is not among the stock or lines") from None
    pick_units = np.array([p.quantity for p in allocation.picks], np.int64)
    used = np.bincount(pick_row, pick_units, minlength=prep.rows).astype(np.int64)
    per_line = np.bincount(pick_line, pick_units, minlength=prep.lines).astype(np.int64)

    fefo = prep.fefo
    items = prep.item[fefo]
    by_item_picks = np.argsort(prep.item[pick_row], kind="stable") if len(pick_row) else pick_row
    pick_items = prep.item[pick_row][by_item_picks]
    marked = np.zeros(prep.rows, bool)
    result: dict[int, UnmetLine] = {}
    for line in np.lexsort((prep.line_ids,)).tolist():
        missing = int(prep.quantity[line] - per_line[line])
        if missing <= 0:
            continue
        item = prep.line_item[line]
        rows = fefo[np.searchsorted(items, item, "left") : np.searchsorted(items, item, "right")]
        rows = rows[prep.available[rows] > 0]
        fresh = rows[prep.expiry[rows] >= prep.threshold[line]]
        blocked = prep.out[fresh] | prep.is_excluded(fresh, np.full(len(fresh), line, np.int64))
        usable = fresh[~blocked]
        counts = {
            "in_stock": int(prep.available[rows].sum()),
            "too_short": int(prep.available[rows].sum() - prep.available[fresh].sum()),
            "excluded": int(prep.available[fresh[blocked]].sum()),
            "usable": int(prep.available[usable].sum()),
            "taken": 0,
            "taken_by_higher": 0,
            "left": int(np.maximum(prep.available[usable] - used[usable], 0).sum()),
        }
        marked[usable] = True
        low = np.searchsorted(pick_items, item, "left")
        high = np.searchsorted(pick_items, item, "right")
        picks = by_item_picks[low:high]
        picks = picks[marked[pick_row[picks]] & (pick_line[picks] != line)]
        marked[usable] = False
        counts["taken"] = int(pick_units[picks].sum())
        counts["taken_by_higher"] = int(
            pick_units[picks][prep.weight[pick_line[picks]] > prep.weight[line]].sum()
        )
        latest = int(prep.expiry[rows].max()) if len(rows) else 0
        if not len(rows):
            code = UnmetReason.NO_STOCK
        elif not len(fresh):
            code = UnmetReason.EXPIRES_TOO_SOON
        elif not len(usable):
            code = UnmetReason.EXCLUDED
        elif counts["left"]:
            code = UnmetReason.NOT_ALLOCATED
        elif counts["taken"]:
            code = UnmetReason.TAKEN
        else:
            code = UnmetReason.PARTLY_MET
        line_id = int(prep.line_ids[line])
        result[line_id] = UnmetLine(
            line_id=line_id,
            missing=missing,
            allocated=int(per_line[line]),
            code=code,
            text=_reason_text(code, counts, latest, int(prep.threshold[line])),
            counts=counts,
        )
    return result
