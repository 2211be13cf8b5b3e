"""A player's accuracy on gold puzzles, and what it buys them.

Gold puzzles are planted features whose true explanation is known; a player answers one by
choosing among k options, and is either right or not. Their accuracy is estimated as a Beta
posterior, so that a player with three answers is not treated like one with three hundred:

- `Reliability.mean` feeds the vote weight (`vote_weight`), as SWAP does with a volunteer's
  confusion rates: a vote is evidence in proportion to how much likelier the player is to pick
  the true option than any given wrong one;
- `Reliability.stderr` decides how much gold the player still needs (`gold_rate`): much while
  the estimate is loose, little once it has firmed up.

The Beta quantile is computed here (regularised incomplete beta by continued fraction, then
bisection) because the package may use numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A vote's accuracy is clipped here before it becomes a log-ratio, so that a perfect record
# on a few puzzles cannot give a vote unbounded weight (nor a hopeless one unbounded
# negative weight).
P_MIN = 0.01
P_MAX = 0.99


@dataclass(frozen=True)
class Reliability:
    """`correct` right answers out of `answered` gold puzzles, with a Beta(prior_a, prior_b) prior.

    The default Beta(2, 2) has mean 0.5 and weighs as much as four answers: weak enough that
    ten gold answers mostly speak for themselves, strong enough that one lucky (or unlucky)
    answer does not make a player perfect (or worthless). With k > 2 options a mean of 0.5 is
    above chance, so an unmeasured player's vote counts a little for the option they pick;
    with k = 2 it counts for nothing.
    """

    correct: int
    answered: int
    prior_a: float = 2.0
    prior_b: float = 2.0

    def __post_init__(self) -> None:
        if not 0 <= self.correct <= self.answered:
            raise ValueError(f"need 0 <= correct <= answered, got {self.correct}/{self.answered}")
        if self.prior_a <= 0 or self.prior_b <= 0:
            raise ValueError("Beta prior parameters must be positive")

    @property
    def alpha(self) -> float:
        return self.prior_a + self.correct

    @property
    def beta(self) -> float:
        return self.prior_b + self.answered - self.correct

    @property
    def mean(self) -> float:
        """Posterior mean accuracy."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def stderr(self) -> float:
        """Posterior standard deviation of the accuracy."""
        a, b = self.alpha, self.beta
        return math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Equal-tailed credible interval holding `level` of the posterior mass."""
        if not 0.0 < level < 1.0:
            raise ValueError("level must lie strictly between 0 and 1")
        tail = (1.0 - level) / 2.0
        return beta_quantile(tail, self.alpha, self.beta), beta_quantile(1.0 - tail, self.alpha, self.beta)

    def answer(self, correct: bool) -> Reliability:
        """The estimate after one more gold answer."""
        return Reliability(self.correct + bool(correct), self.answered + 1, self.prior_a, self.prior_b)


def vote_weight(rel: Reliability, k: int) -> float:
    """Log-likelihood-ratio weight of a vote among k options (SWAP-style).

    With accuracy p and errors spread evenly over the k - 1 wrong options, a vote for option j
    is (k - 1) p / (1 - p) times likelier if j is the truth than if it is not; the weight is
    the log of that ratio, with p the posterior mean clipped to [P_MIN, P_MAX]. It is 0 for a
    player at chance (p = 1/k) and negative below chance: an adversarial player's vote is
    evidence AGAINST the option they chose.
    """
    if k < 2:
        raise ValueError("a vote needs at least two options")
    p = min(P_MAX, max(P_MIN, rel.mean))
    return math.log((k - 1) * p / (1.0 - p))


def gold_rate(rel: Reliability, *, start: float = 0.3, floor: float = 0.05, firm_stderr: float = 0.05) -> float:
    """Share of a player's puzzles that should be gold.

    `start` for a player with no answers (whose uncertainty is the prior's), falling linearly
    in the posterior standard deviation to `floor` once it reaches `firm_stderr`. Gold never
    stops altogether, so a player who changes (tires, turns careless) is still noticed.
    """
    if not 0.0 <= floor <= start <= 1.0:
        raise ValueError("need 0 <= floor <= start <= 1")
    fresh = Reliability(0, 0, rel.prior_a, rel.prior_b).stderr
    if fresh <= firm_stderr:
        return floor
    loose = min(1.0, max(0.0, (rel.stderr - firm_stderr) / (fresh - firm_stderr)))
    return floor + (start - floor) * loose


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularised incomplete beta function I_x(a, b): the Beta(a, b) CDF at x."""
    if a <= 0 or b <= 0:
        raise ValueError("Beta parameters must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    # The continued fraction converges fast only left of the mean; mirror the other side.
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - beta_cdf(1.0 - x, b, a)
    log_front = a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b)
    return math.exp(log_front) / a * _beta_fraction(x, a, b)


def beta_quantile(q: float, a: float, b: float, *, tol: float = 1e-12) -> float:
    """The x with I_x(a, b) = q, by bisection (the CDF is monotone, so this cannot fail)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must lie in [0, 1]")
    if q == 0.0:
        return 0.0
    if q == 1.0:
        return 1.0
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = (lo + hi) / 2.0
        if beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _beta_fraction(x: float, a: float, b: float, *, max_terms: int = 500, eps: float = 1e-15) -> float:
    """1 / (1 + d1 / (1 + d2 / (1 + ...))), the continued fraction of I_x(a, b), evaluated
    front to back by the modified Lentz method (no need to pick a depth in advance)."""
    tiny = 1e-300
    # Written as 0 + 1 / (1 + d1 / (1 + ...)): the leading 0 starts as `tiny`, and the first
    # step (numerator 1) turns it into 1 / 1.
    f = tiny
    c, d = f, 0.0
    for n in range(max_terms):
        if n == 0:
            coeff = 1.0
        elif n % 2 == 1:
            m = (n - 1) // 2
            coeff = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        else:
            m = n // 2
            coeff = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + coeff * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + coeff / (c if abs(c) > tiny else tiny)
        step = c * d
        f *= step
        if abs(step - 1.0) < eps:
            break
    return f
