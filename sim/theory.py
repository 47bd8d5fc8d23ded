"""Closed forms the model reduces to: Rubinstein's split, the Nash bargaining solution,
and the round in which two linear tactics meet under this project's protocol.

>>> round(rubinstein_share(0.9, 0.9), 4)
0.5263
>>> rubinstein_price(1.0, 3.0, 0.9, 0.9) == 1.0 + 2.0 * rubinstein_share(0.9, 0.9)
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rubinstein_share(discount_proposer: float, discount_responder: float) -> float:
    """Proposer's share of the zone in the subgame-perfect equilibrium (Rubinstein 1982):
    (1 - d_responder) / (1 - d_proposer * d_responder); one half in the limit of patience."""
    d1, d2 = discount_proposer, discount_responder
    if d1 * d2 >= 1.0:
        return 0.5
    return (1.0 - d2) / (1.0 - d1 * d2)


def rubinstein_price(
    patron_reservation: float, host_reservation: float, patron_discount: float, host_discount: float
) -> float | None:
    """The payment agreed in round 1 when the patron proposes first; None if the zone is empty."""
    zone = host_reservation - patron_reservation
    if zone < 0:
        return None
    return patron_reservation + rubinstein_share(patron_discount, host_discount) * zone


def nash_price(
    patron_gain: Callable[[np.ndarray], np.ndarray],
    host_gain: Callable[[np.ndarray], np.ndarray],
    low: float,
    high: float,
    points: int = 4001,
) -> float | None:
    """Nash (1950): the payment in [low, high] maximizing the product of both gains over
    disagreement (gains are vectorized functions of the payment). None if no payment
    gives both sides a non-negative gain."""
    if high < low:
        return None
    grid = np.linspace(low, high, points)
    gp, gh = patron_gain(grid), host_gain(grid)
    ok = (gp >= -1e-12) & (gh >= -1e-12)
    if not ok.any():
        return None
    product = np.where(ok, np.maximum(gp, 0) * np.maximum(gh, 0), -np.inf)
    i = int(np.argmax(product))
    # refine on the neighbouring cells: the product of concave gains is unimodal
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, points - 1)]
    fine = np.linspace(lo, hi, 201)
    prod = np.maximum(patron_gain(fine), 0) * np.maximum(host_gain(fine), 0)
    return float(fine[int(np.argmax(prod))])


def nash_price_linear(patron_reservation: float, host_reservation: float) -> float | None:
    """With gains linear in the payment the Nash solution is the zone's midpoint."""
    if host_reservation < patron_reservation:
        return None
    return 0.5 * (patron_reservation + host_reservation)


def linear_deal(
    demand: float,
    patron_reservation: float,
    patron_deadline: int,
    counter: float,
    host_reservation: float,
    host_deadline: int,
) -> tuple[int, float] | None:
    """(round, price) at which two linear tactics agree under the discrete protocol, or None.

    Protocol (rounds k = 1, 2, ...; clocks t = k - 1): the patron demands d(t); the host
    accepts if d(t) <= c(t), its own counter this round; otherwise it counters c(t) and the
    patron accepts if c(t) >= d(t + 1). d(t) = demand + (r_P - demand) * min(t, T_P) / T_P,
    and likewise c(t) from the host's opening counter toward r_H over T_H rounds.
    """
    t_max = max(patron_deadline, host_deadline) + 1
    t = np.arange(t_max + 1)
    d = demand + (patron_reservation - demand) * np.minimum(t, patron_deadline) / patron_deadline
    c = counter + (host_reservation - counter) * np.minimum(t, host_deadline) / host_deadline
    for k in range(t_max):
        if d[k] <= c[k] + 1e-12:
            return k + 1, float(d[k])
        if c[k] >= d[k + 1] - 1e-12:
            return k + 1, float(c[k])
    return None
