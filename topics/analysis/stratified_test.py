"""Exact tests conditional on strata: is an event more (or less) frequent in a marked set than the strata expect?

Every dynamics question of :mod:`topics.analysis` comes down to one shape. Within each stratum (a session; a
session and the client's previous label) there are ``n`` units, ``m`` of which have the event (a client turn
labelled change talk; a remark in the last fifth of its session; a remark whose next remark is of topic u),
and ``k`` of which are marked (they follow a remark of topic t; they are remarks of topic t). If the marks
have nothing to do with the event within a stratum, shuffling the events among a stratum's units is as likely
as what was seen, so the number of marked units with the event is hypergeometric in each stratum, independent
across strata, and their sum has the exact distribution of a convolution of hypergeometric distributions.

This is the exact conditional test of a common odds ratio of 1 over 2x2 tables (the exact
Cochran-Mantel-Haenszel test; R's ``mantelhaen.test(exact = TRUE)``, Mehta, Patel & Gray 1985). Python's
libraries give its asymptotic form (``statsmodels.stats.contingency_tables.StratifiedTable``) but not the
exact one, which the small counts here need (a topic after which 4 client turns were counted): the
convolution below is a few lines of numpy (each stratum's hypergeometric probabilities from
``scipy.special.gammaln``, all strata at once; a test checks them against ``scipy.stats.fisher_exact``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve
from scipy.special import gammaln

#: Convolutions of two arrays both longer than this go by FFT (its round-off, about 1e-16, is far below any p
#: a correction keeps).
FFT_ABOVE = 500


@dataclass(frozen=True)
class StratifiedResult:
    """How many marked units had the event, how many the strata expect, and how surprising the difference is."""

    observed: int
    expected: float
    p_more: float
    """P(at least ``observed``) if marks and events are unrelated within strata."""
    p_less: float
    """P(at most ``observed``)."""

    @property
    def p(self) -> float:
        """Two-sided: twice the smaller tail, at most 1."""
        return min(1.0, 2 * min(self.p_more, self.p_less))


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """numpy's direct convolution for short arrays (most strata), FFT for long ones (large topics, 1M remarks)."""
    return np.convolve(a, b) if min(len(a), len(b)) < FFT_ABOVE else fftconvolve(a, b)


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def null_distribution(units: np.ndarray, events: np.ndarray, marked: np.ndarray) -> tuple[int, np.ndarray]:
    """The exact distribution of the number of marked units with the event, summed over strata, when events fall
    at random among each stratum's units: its smallest value and the probabilities from there on."""
    units, events, marked = (np.asarray(a, dtype=np.int64) for a in (units, events, marked))
    if np.any(events > units) or np.any(marked > units) or np.any(np.minimum(events, marked) < 0):
        raise ValueError("each stratum needs 0 <= events, marked <= units")
    low = np.maximum(0, marked + events - units)
    high = np.minimum(marked, events)
    varies = np.flatnonzero(high > low)  # strata whose count can differ; the others add their one value
    lengths = (high - low + 1)[varies]
    stratum = np.repeat(varies, lengths)  # every possible count of every varying stratum, in one array
    x = low[stratum] + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    n, m, k = units[stratum], events[stratum], marked[stratum]
    log_pmf = _log_choose(m, x) + _log_choose(n - m, k - x) - _log_choose(n, k)
    pmfs = np.split(np.exp(log_pmf), np.cumsum(lengths)[:-1]) if len(varies) else []
    while len(pmfs) > 1:  # pairwise, so that long sums convolve few long arrays, those by FFT
        pmfs = [_convolve(a, b) if b is not None else a for a, b in zip(pmfs[::2], pmfs[1::2] + [None])]
    pmf = np.clip(pmfs[0], 0, None) if pmfs else np.ones(1)
    return int(low.sum()), pmf / pmf.sum()


def stratified_test(units: np.ndarray, events: np.ndarray, marked: np.ndarray, observed: int) -> StratifiedResult:
    """Test ``observed`` marked units with the event against the strata's exact null distribution."""
    start, pmf = null_distribution(units, events, marked)
    values = start + np.arange(len(pmf))
    index = observed - start
    if index < 0 or index >= len(pmf):
        raise ValueError(f"{observed} marked units with the event cannot happen in these strata")
    return StratifiedResult(
        observed=int(observed),
        expected=float(values @ pmf),
        p_more=float(min(1.0, pmf[index:].sum())),
        p_less=float(min(1.0, pmf[: index + 1].sum())),
    )
