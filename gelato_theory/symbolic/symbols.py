"""The scenario symbols shared by the bounds of SPEC §5, declared once with their assumptions.

Names are the keyword names accepted by ``Obligation.evaluate``; :data:`LATEX` gives their printed
form and :data:`MEANING` a one-line description with units.
"""

from __future__ import annotations

import sympy as sp

Q = sp.Symbol("Q", nonnegative=True)  # energy virtual queue Q(t), J
y = sp.Symbol("y", real=True)  # y(t) = E_t - E_bar, J
V = sp.Symbol("V", positive=True)  # DPP trade-off weight
T = sp.Symbol("T", integer=True, positive=True)  # horizon, rounds
B = sp.Symbol("B", nonnegative=True)  # drift constant, J^2
L0 = sp.Symbol("L0", nonnegative=True)  # E[L(0)] = E[Q(0)^2]/2, J^2
u_star = sp.Symbol("u_star", real=True)  # optimum over omega-only policies, tokens/round
u_max = sp.Symbol("u_max", real=True)  # largest expected per-round utility
u_0 = sp.Symbol("u_0", real=True)  # utility of the minimum-energy policy
epsilon = sp.Symbol("epsilon", positive=True)  # Slater slack, J/round
rho = sp.Symbol("rho", real=True)  # largest utility/energy ratio against a_0, tokens/J
y_max = sp.Symbol("y_max", real=True)  # largest realizable y, J
y_min = sp.Symbol("y_min", real=True)  # smallest realizable y, J
Q0 = sp.Symbol("Q0", nonnegative=True)  # initial backlog Q(0), J
B_avg = sp.Symbol("B_avg", nonnegative=True)  # average drift constant of SPEC §5.1, J^2
lambda_star = sp.Symbol("lambda_star", nonnegative=True)  # optimal multiplier, tokens/J
lam1 = sp.Symbol("lambda_1", nonnegative=True)  # lower band multiplier, tokens/J
lam2 = sp.Symbol("lambda_2", nonnegative=True)  # upper band multiplier, tokens/J
d1 = sp.Symbol("d_1", positive=True)  # c(lambda_1^-) > 0, J/round
d2 = sp.Symbol("d_2", positive=True)  # -c(lambda_2^+) > 0, J/round
lambda_hi = sp.Symbol("lambda_hi", nonnegative=True)  # upper end of an action's greedy interval
y_hat = sp.Symbol("y_hat", real=True)  # largest realizable cost of an action, J
theta_star = sp.Symbol("theta_star", positive=True)  # best tokens per second under the budget
t_min = sp.Symbol("t_min", positive=True)  # smallest realizable round time, s
u_bar = sp.Symbol("u_bar", real=True)  # time-average utility (1/T) sum u(t)
y_bar = sp.Symbol("y_bar", real=True)  # time-average cost (1/T) sum y(t), J
phi_bar = sp.Symbol("phi_bar", real=True)  # (1/T) sum phi_{m_t}(lambda*)
Eu_bar = sp.Symbol("Eu_bar", real=True)  # E[u_bar]
Ey_bar = sp.Symbol("Ey_bar", real=True)  # E[y_bar], J
Ephi_bar = sp.Symbol("Ephi_bar", real=True)  # E[phi_bar]
R_bar = sp.Symbol("R_bar", real=True)  # E[R_T], expected regret
Ey2 = sp.Symbol("Ey2", nonnegative=True)  # E[y(t)^2 | Q(t)], J^2

LATEX: dict[sp.Symbol, str] = {
    L0: r"\mathbb{E}[L(0)]",
    u_star: r"u^{*}",
    u_max: r"u_{\max}",
    u_0: r"u_{0}",
    epsilon: r"\varepsilon",
    y_max: r"y_{\max}",
    y_min: r"y_{\min}",
    Q0: r"Q_{0}",
    B_avg: r"B_{\mathrm{avg}}",
    lambda_star: r"\lambda^{*}",
    lambda_hi: r"\lambda_{\mathrm{hi}}",
    y_hat: r"\hat{y}_{\max}",
    theta_star: r"\theta^{*}",
    t_min: r"t_{\min}",
    u_bar: r"\bar{u}_T",
    y_bar: r"\bar{y}_T",
    phi_bar: r"\bar{\varphi}_T",
    Eu_bar: r"\mathbb{E}[\bar{u}_T]",
    Ey_bar: r"\mathbb{E}[\bar{y}_T]",
    Ephi_bar: r"\mathbb{E}[\bar{\varphi}_T]",
    R_bar: r"\mathbb{E}[R_T]",
    Ey2: r"\mathbb{E}[y(t)^2 \mid Q(t)]",
}

MEANING: dict[sp.Symbol, str] = {
    Q: "energy virtual queue Q(t), J",
    y: "y(t) = E_t - Ē, J",
    V: "drift-plus-penalty weight V > 0",
    T: "horizon, rounds",
    B: "drift constant of Lemma 1, J²",
    L0: "E[L(0)] = E[Q(0)²]/2, J²",
    u_star: "optimal utility over ω-only policies, tokens/round",
    u_max: "largest expected per-round utility, tokens/round",
    u_0: "utility of the minimum-energy policy, tokens/round",
    epsilon: "Slater slack ε = Ē − E_ω[min_a ē], J/round",
    rho: "largest ratio (ū(a) − ū(a_0))/(ē(a) − ē(a_0)), tokens/J",
    y_max: "largest realizable y, J",
    y_min: "smallest realizable y, J",
    Q0: "initial backlog Q(0), J",
    B_avg: "average drift constant ½ Σ_m π_m max_a E[y² | m, a], J²",
    lambda_star: "optimal multiplier of the energy constraint, tokens/J",
    lam1: "lower band multiplier λ₁ (c(λ₁⁻) > 0), tokens/J",
    lam2: "upper band multiplier λ₂ (c(λ₂⁺) < 0), tokens/J",
    d1: "d₁ = c(λ₁⁻), expected cost of the greedy policies below λ₁, J/round",
    d2: "d₂ = −c(λ₂⁺), expected saving of the greedy policies above λ₂, J/round",
    lambda_hi: "upper end of the multiplier interval on which an action is greedy, tokens/J",
    y_hat: "largest realizable cost of that action, J",
    theta_star: "best tokens per second under the power budget, tokens/s",
    t_min: "smallest realizable round time, s",
    u_bar: "time-average utility (1/T)·Σ_{t<T} u(t)",
    y_bar: "time-average cost (1/T)·Σ_{t<T} y(t), J",
    phi_bar: "(1/T)·Σ_{t<T} φ_{m_t}(λ*), the per-state dual values along the path",
    Eu_bar: "E[ū_T], expected time-average utility",
    Ey_bar: "E[ȳ_T], expected time-average cost, J",
    Ephi_bar: "E[φ̄_T] = g(λ*) = u*",
    R_bar: "E[R_T], the expected regret",
    Ey2: "E[y(t)² | Q(t)], J²",
}
