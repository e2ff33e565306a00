"""The per-slot drift-plus-penalty subproblem of SPEC §4, solved exactly and, as a cross-check, by cvxpy.

Exact: for a batch of trajectories in channel states m (B,) with backlogs Q (B,) and weights V (B,),
pick argmax_a V u(m, a) - Q y(m, a) over the finite menu (vectorized; ties go to the lower-cost
action, then the lower index). For the per-second objective u = N - theta T with a per-trajectory
theta (B,), which covers both theta fixed to theta* and theta as the running ratio.

cvxpy: for a fixed threshold eta with pass/accept probabilities 0 < a <= s < 1, write x = s^K and
p = ln a / ln s >= 1; then up to a constant the objective is

    alpha (1 - x^p) - beta (1 - x),   x in [s^K_max, 1],
    alpha = V a / (1 - a),  beta = (Q y_c + V theta t_c + (Q y_k + V theta t_k) s) / (1 - s),

concave in x (y_c, y_k: cost per computed / sent position; t_c, t_k: time per computed / sent
position). With s = 1 (eta = inf and every type passes) use K itself: alpha' (1 - exp(K ln a)) -
beta' K. Both are parametrized problems (alpha, beta are cvxpy Parameters), built once per (state,
threshold) and re-solved cheaply. The integer optimum is the better of the two integers around the
continuous one (unimodality), ties to the smaller K as in the exact scan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gelato_theory.errors import SolverError
from gelato_theory.exact.dual import TIE_RTOL, argmax_low_cost, tie_tolerance
from gelato_theory.exact.problem import Problem

CONIC_SOLVER = "CLARABEL"


def _utility(problem: Problem, m: np.ndarray, theta: np.ndarray | None) -> np.ndarray:
    """u(m, a) rows (B, A); with ``theta`` (B,) the per-second utility N - theta T."""
    if theta is None:
        return problem.u[m]
    st = problem.stats
    return st.N[m] - np.asarray(theta, dtype=float)[:, None] * st.T[m]


def dpp_scores(
    problem: Problem, m: np.ndarray, Q: np.ndarray, V: np.ndarray, theta: np.ndarray | None = None
) -> np.ndarray:
    """V u(m, a) - Q y(m, a) for every action: (B, A). ``theta`` (B,) re-weights time (per_second)."""
    V = np.asarray(V, dtype=float)[:, None]
    Q = np.asarray(Q, dtype=float)[:, None]
    return V * _utility(problem, m, theta) - Q * problem.y[m]


def solve_per_slot(
    problem: Problem,
    m: np.ndarray,
    Q: np.ndarray,
    V: np.ndarray,
    theta: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Exact DPP action index per trajectory: (B,) int into the problem's action menu.

    The tie rule of SPEC §4: scores within TIE_RTOL (V max|u| + Q max|y|) of the best are tied (the
    maxima over the state's whole menu); the lowest cost among them wins, then the higher
    utility, then the lower index. ``allowed`` (A,) or per trajectory (B, A) bool restricts the
    menu.
    """
    u = _utility(problem, m, theta)
    y = problem.y[m]
    scores = dpp_scores(problem, m, Q, V, theta)
    if allowed is not None:
        allowed = np.asarray(allowed, bool)
        scores = np.where(allowed if allowed.ndim == 2 else allowed[None], scores, -np.inf)
    return argmax_low_cost(scores, y, tie_tolerance(u, y, V, Q), u)


@dataclass(frozen=True)
class ContinuousSolution:
    """Continuous optimum K_cont of one threshold's concave relaxation, and its objective value."""

    K_cont: float
    value: float
    status: str


class ConcaveSlot:
    """The parametrized concave relaxation for one (channel state, threshold) pair (module doc).

    ``value(K)`` evaluates the same objective at any real K, so integer and continuous optima can be
    compared on one scale.
    """

    def __init__(
        self,
        problem: Problem,
        state: int,
        action_eta: float,
        K_max: int,
        costs: tuple[float, float, float, float],
    ) -> None:
        st = problem.stats
        j = int(np.flatnonzero((st.menu.K == max(K_max, 1)) & (st.menu.eta == action_eta))[0])
        self.s, self.a = float(st.s[j]), float(st.a[j])
        if self.s > 1.0 - 1e-12:
            self.s = 1.0  # every type passes: the relaxation is in K itself
        self.K_max = K_max
        self.y_c, self.y_k, self.t_c, self.t_k = costs
        self.state = state
        import cvxpy as cp  # heavy: only when a relaxation is built

        self.alpha = cp.Parameter(nonneg=True)
        self.beta = cp.Parameter()
        if not (0.0 < self.a < 1.0 and 0.0 < self.s):
            raise ValueError("the relaxation needs 0 < a < 1 and s > 0")
        if self.s >= 1.0:
            self.var = cp.Variable()  # K itself
            expr = self.alpha * (1 - cp.exp(self.var * math.log(self.a))) - self.beta * self.var
            cons = [self.var >= 0, self.var <= K_max]
        else:
            self.p = math.log(self.a) / math.log(self.s)
            self.var = cp.Variable()  # x = s^K
            expr = self.alpha * (1 - cp.power(self.var, self.p, approx=False)) - self.beta * (
                1 - self.var
            )
            cons = [self.var >= self.s**K_max, self.var <= 1]
        self.prob = cp.Problem(cp.Maximize(expr), cons)

    def _coefficients(self, Q: float, V: float, theta: float) -> tuple[float, float]:
        lin_c = Q * self.y_c + V * theta * self.t_c
        lin_k = Q * self.y_k + V * theta * self.t_k
        if self.s >= 1.0:
            return V * self.a / (1 - self.a), lin_c + lin_k
        return V * self.a / (1 - self.a), (lin_c + lin_k * self.s) / (1 - self.s)

    def value(self, K: float | np.ndarray, Q: float, V: float, theta: float = 0.0) -> np.ndarray:
        """The relaxation's objective at budget K (real), same scale as :meth:`solve`."""
        alpha, beta = self._coefficients(Q, V, theta)
        K = np.asarray(K, dtype=float)
        if self.s >= 1.0:
            return alpha * (1 - self.a**K) - beta * K
        return alpha * (1 - self.a**K) - beta * (1 - self.s**K)

    def solve(self, Q: float, V: float, theta: float = 0.0) -> ContinuousSolution:
        """The continuous optimum. The argmax does not change under a positive scale of (alpha,
        beta), and the conic solver's absolute tolerances can fail at either end (V = 1e-3, Q = 0
        makes the objective ~1e-3; s^K_max ~ 1e-15 makes the unit-scale cone hard): the problem is
        solved at unit scale first, then at its own scale; any status but 'optimal' after both
        is a SolverError."""
        import cvxpy as cp

        alpha, beta = self._coefficients(Q, V, theta)
        top = max(abs(alpha), abs(beta))
        if top == 0.0:  # a flat objective: every K ties, the smallest wins
            return ContinuousSolution(K_cont=0.0, value=0.0, status="optimal")
        status = "not solved"
        for scale in (top, 1.0):
            self.alpha.value, self.beta.value = alpha / scale, beta / scale
            try:
                self.prob.solve(solver=CONIC_SOLVER)
            except cp.error.SolverError:
                status = "solver_error"
                continue
            status = str(self.prob.status)
            if status == "optimal":
                break
        else:
            raise SolverError("per-slot relaxation", status, CONIC_SOLVER)
        assert self.var.value is not None  # an optimal solve sets the variable
        v = float(self.var.value)
        K = (
            v
            if self.s >= 1.0
            else math.log(min(max(v, self.s**self.K_max), 1.0)) / math.log(self.s)
        )
        return ContinuousSolution(
            K_cont=float(np.clip(K, 0, self.K_max)),
            value=float(self.prob.value) * scale,
            status=status,
        )

    def integer_optimum(
        self, sol: ContinuousSolution, Q: float, V: float, theta: float = 0.0
    ) -> int:
        """The better of the two integers around ``sol.K_cont`` (unimodality) under the tie rule of
        SPEC §4: values within TIE_RTOL (|alpha| + |beta|) are tied and go to the smaller K."""
        Ks = np.array([math.floor(sol.K_cont), min(math.ceil(sol.K_cont), self.K_max)])
        vals = self.value(Ks, Q, V, theta)
        alpha, beta = self._coefficients(Q, V, theta)
        tol = TIE_RTOL * (abs(alpha) + abs(beta))
        return int(Ks[argmax_low_cost(vals[None], Ks[None].astype(float), tol)[0]])


def slot_costs(problem: Problem, scenario, state: int) -> tuple[float, float, float, float]:
    """(y_c, y_k, t_c, t_k): cost and time per computed and per sent position in a channel state."""
    from gelato_theory.exact.problem import cost_coefficients

    _, y_c, y_k = cost_coefficients(scenario, problem.stats)
    st = problem.stats
    return (
        float(y_c[state]),
        float(y_k[state]),
        scenario.device.tau_c,
        float(st.t_tx[state] + scenario.edge.tau_v1),
    )
