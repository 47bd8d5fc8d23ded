"""The actors' utilities and the reservations derived from them: pure, vectorizable
functions of payments in US$bn per year and troops in persons (MODEL.md, "Utilities")."""

from __future__ import annotations

import math

import numpy as np

from sim import kernels

ArrayLike = float | np.ndarray
DEAL_MARGIN = 1e-3  # US$bn a year: the least by which a deal must beat the lapse's payment


def sigmoid(x: ArrayLike) -> ArrayLike:
    if isinstance(x, np.ndarray):
        return 1.0 / (1.0 + np.exp(-x))
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def positive(x: ArrayLike) -> ArrayLike:
    """max(0, x), elementwise; plain floats stay plain (the model's hot path is scalar)."""
    return np.maximum(x, 0.0) if isinstance(x, np.ndarray) else max(x, 0.0)


def strategic_position(troops: ArrayLike, troops0: float, hedging: ArrayLike) -> ArrayLike:
    """S = (T / T0) * (1 - H): what the patron's presence buys it strategically."""
    return (troops / troops0 if troops0 else 0.0 * troops) * (1.0 - hedging)


def patron_table_utility(
    payment: ArrayLike,
    troops: ArrayLike,
    troops0: float,
    hedging: ArrayLike,
    aspiration: float,
    transactionalism: float,
    loss_aversion: float,
    value: float,
    cost_per_troop: float,
) -> ArrayLike:
    """One table's term of U_P: tau (P - c T) - lambda tau max(0, A - P) + (1 - tau) v S."""
    tau = transactionalism
    money = tau * (payment - cost_per_troop * troops)
    shortfall = loss_aversion * tau * positive(aspiration - payment)
    return money - shortfall + (1.0 - tau) * value * strategic_position(troops, troops0, hedging)


def host_utility(
    payment: ArrayLike,
    reliability: float,
    troop_ratio: float,
    hedging: float,
    inducement: float,
    alliance_value: float,
    troop_value: float,
    inducement_weight: float,
    hedging_cost: float,
    pressure: float,
    shortfall: ArrayLike,
    lapse_cost: float = 0.0,
    lapsed: bool = False,
) -> ArrayLike:
    """U_h = -P + B R + sigma R T/T0 + eta I H - (rho/2) H^2 - eps shortfall(P) - L [lapse]."""
    security = alliance_value * reliability + troop_value * reliability * troop_ratio
    hedge = inducement_weight * inducement * hedging - 0.5 * hedging_cost * hedging**2
    return -payment + security + hedge - pressure * shortfall - lapse_cost * lapsed


def electoral_pressure(months_to_election: float | None, base: float, peak: float, decay_months: float) -> float:
    """eps(t) = eps0 + eps1 exp(-months to the next election / lambda_e); eps0 with none ahead."""
    if months_to_election is None:
        return base
    return base + peak * math.exp(-max(months_to_election, 0.0) / decay_months)


def rival_utility(
    hedging: list[float],
    troop_ratio: list[float],
    inducement: list[float],
    coercion: list[float],
    hedging_weight: float,
    troop_weight: float,
    cost: float,
) -> float:
    """U_C = sum w_h H_h + w_T sum (1 - T_h/T_h0) - cost sum (I_h + C_h); reported only."""
    return (
        hedging_weight * sum(hedging)
        + troop_weight * sum(1.0 - t for t in troop_ratio)
        - cost * (sum(inducement) + sum(coercion))
    )


def hedging_target(
    inducement: float,
    reliability: float,
    anti_us: float,
    coercion: float,
    support: float,
    inducement_weight: float,
    reliability_weight: float,
    anti_us_weight: float,
    coercion_weight: float,
    support_weight: float,
    cost: float,
) -> float:
    """H* = clip((eta I + kR (1 - R) + kA antiUS - kC C - kS support) / rho, 0, 1)."""
    pull = (
        inducement_weight * inducement
        + reliability_weight * (1.0 - reliability)
        + anti_us_weight * anti_us
        - coercion_weight * coercion
        - support_weight * support
    )
    return min(max(pull / cost, 0.0), 1.0)


def patron_reservation(
    transactionalism: float,
    loss_aversion: float,
    aspiration: float,
    lapse_payment: float,
    keep_minus_drawdown: float,
) -> float:
    """The least P at which a deal beats the patron's best lapse.

    U_deal(P) - U_lapse(keep) = f(P) - f(lapse_payment) with f(P) = tau P - lambda tau max(0, A - P);
    `keep_minus_drawdown` is U_lapse(keep) - U_lapse(draw down to the floor) (negative when
    drawing down is the better lapse; audience costs of a standing threat included).
    """
    tau, lam = transactionalism, loss_aversion

    def f(p: float) -> float:
        return tau * p - lam * tau * max(0.0, aspiration - p)

    needed = f(lapse_payment) + max(0.0, -keep_minus_drawdown)
    if tau <= 0.0:
        return lapse_payment + DEAL_MARGIN if needed <= 0.0 else float("inf")
    if needed <= f(aspiration):
        price = (needed + lam * tau * aspiration) / (tau * (1.0 + lam))
    else:
        price = needed / tau
    return max(price, lapse_payment + DEAL_MARGIN)  # a deal must pay more than the lapse


def host_reservation(
    willingness: float,
    pressure: float,
    tolerances_sorted: np.ndarray | None,
    below: np.ndarray | None = None,
    scale: float = 1.0,
) -> float:
    """The largest P with P + eps * shortfall(P) <= W (the win-set's upper end).

    `willingness` W is what a lapse is expected to cost the host (so a deal at W breaks even
    without electoral costs); shortfall(P) = mean(max(0, P - tolerance)) is piecewise linear
    in P, so the equation is solved exactly on the sorted tolerances. `scale` multiplies every
    tolerance (a public that would tolerate less after an event: scale < 1).
    """
    if tolerances_sorted is None or pressure <= 0.0 or len(tolerances_sorted) == 0:
        return willingness
    if below is None:  # below[i] = sum of the i smallest
        below = np.concatenate(([0.0], np.cumsum(tolerances_sorted)))
    # P + eps shortfall(P) at the i-th breakpoint, scale (t[i] + eps (i t[i] - below[i]) / n), rises
    # with i: a bisection finds k, how many breakpoints cost no more than W; between the k-th and
    # the next the cost is linear in P (a compiled loop: sim/kernels.py)
    return kernels.win_set_end(willingness, pressure, tolerances_sorted, below, scale)
