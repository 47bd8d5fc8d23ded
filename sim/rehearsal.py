"""A strategy's rehearsal: a few typical situations on both sides of a table, played before any
run, so that a strategy that raises or offers no finite payment is refused with one line
naming it (a scenario's `beta: 0`, a student's broken file) instead of failing mid-run.
"""

from __future__ import annotations

from sim.strategies import HOST, PATRON, Information, Situation, finite_payment, make


def situations() -> list[Situation]:
    """An opening and a later situation for each side, with the other side's offers."""
    info = Information(False, 1.6, 0.98, 0.98, None)
    out = []
    for side, anchor, reservation in ((PATRON, 5.0, 1.5), (HOST, 1.0, 1.8)):
        later = (anchor,) * 3, (2.0, 1.9, 1.8)
        out += [Situation(side, anchor, reservation, 0, 12, (), (), info),
                Situation(side, anchor, reservation, 3, 12, *later, info)]  # fmt: skip
    return out


def rehearse(name: str, params: dict[str, float], shown: str | None = None) -> str | None:
    """Why the strategy cannot play (it raises, or offers no finite payment), or None."""
    shown = shown or name
    for s in situations():
        try:
            offer = make(name, params).offer(s)
            make(name, params).accepts(2.0, s)
        except Exception as exc:
            return f"{shown} fails a rehearsal: {type(exc).__name__}: {exc}"
        if not finite_payment(offer):
            return f"{shown} offers {offer!r}; a strategy must offer a finite payment"
    return None
