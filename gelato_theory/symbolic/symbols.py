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

LATEX: dict[sp.Symbol, str] = {
    L0: r"\mathbb{E}[L(0)]",
    u_star: r"u^{*}",
    u_max: r"u_{\max}",
    u_0: r"u_{0}",
    epsilon: r"\varepsilon",
    y_max: r"y_{\max}",
    y_min: r"y_{\min}",
    Q0: r"Q_{0}",
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
}
