"""Benchmark of the batched simulator and the per-slot solver (SPEC §3, §4, §6).

0. The engines on one workload (gelato-exact and GELATO, default preset, 4 V x 256 seeds = 1024
   trajectories x 1000 rounds): the compiled engine (numba) on 1 and 2 threads, the array (NumPy)
   engine, the scalar loop of section 2 (4 V x 32 seeds) and, with ``--baseline REV``, the array
   engine of git revision REV (extracted with ``git archive``, run in a child process). The engines
   take turns within each of REPEAT rounds, so a change in a shared machine's load hits them alike
   (the compiled engine, about 0.1 s a call, is called COMPILED_CALLS times per round; the median
   of its calls is printed next to the best);
   throughput in M trajectory-rounds/s by wall clock and by CPU time (process time: the fairer
   figure for single-threaded runs on a loaded machine), and their ratios; the compiled engine's
   first-call compile time (fresh process, empty cache) and its load time from the cache.
1. ``simulate`` end to end (real token sampling, default preset, K_max = 8) for the GELATO-exact DPP
   policy and GELATO (queue-aware inner rule), 4 V values x 256 seeds x 1000 rounds.
2. The same control loop written as plain scalar Python, one trajectory and one round at a time
   (``random.Random`` uniforms, a loop over the menu for the DPP action, ``bisect`` token sampling),
   and the library engine run one trajectory at a time (``batch=1``: per-trajectory NumPy calls).
   Throughput ratios, plus a statistical check that the scalar loop reproduces mean tokens/round and
   energy/round of the batched run.
3. Per-decision cost of the exact vectorized per-slot solver vs solving each decision with cvxpy
   (one concave relaxation per threshold, best integer neighbour, best over thresholds and K = 0).
4. Memory with traces off: tracemalloc peak for 8 trajectories at T = 1e4 and 4e4 rounds
   (tracemalloc slows this loop about 6x), and, in a fresh child process run alongside, the peak RSS
   after T = 1e4 and after a further T = 1e6 rounds. When the T = 1e4 run projects the 1e6 run
   beyond MEM_BUDGET_S (a loaded machine), the child runs T = 2e5 instead and says so;
   ``--full-memory`` forces T = 1e6.

Run: python benchmarks/bench_simulator.py [--baseline REV] [--full-memory]
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from timing import best_of, timed

from gelato_theory import preset
from gelato_theory.control.per_slot import ConcaveSlot, dpp_scores, slot_costs, solve_per_slot
from gelato_theory.control.registry import menu_index, policies
from gelato_theory.exact.bounds import constants
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.sampling import residual
from gelato_theory.simulation.simulator import simulate

V_GRID = np.array([0.003, 0.01, 0.03, 0.1])  # J/token
SEEDS = 256  # per V: 4 x 256 = 1024 trajectories
HORIZON = 1000
REF_SEEDS = 32  # per V, scalar reference loop
ONE_SEEDS = 2  # per V, engine with batch=1
N_EXACT = 2**16  # decisions for the vectorized solver
N_CVXPY = 60  # decisions solved with cvxpy
MEM_B = 8
MEM_T_TRACED = (10_000, 40_000)
MEM_T_SHORT, MEM_T_LONG, MEM_T_FALLBACK = 10_000, 1_000_000, 200_000
MEM_BUDGET_S = 200.0  # longest acceptable T = 1e6 run
POLICIES = ("gelato-exact", "gelato")
REPEAT = 3  # throughput runs: best of REPEAT (the machine may be shared)
COMPILED_CALLS = 5  # compiled-engine calls per round (each ~0.1 s: more samples of a short run)


# --------------------------------------------------------------------------------------------
# 0. Engines
# --------------------------------------------------------------------------------------------

COMPILE_CHILD = """
import json, time
t = time.perf_counter()
import numpy as np
from gelato_theory import preset
from gelato_theory.exact.bounds import constants
from gelato_theory.control.registry import policies
from gelato_theory.simulation.simulator import simulate
s = preset("default")
problem, _ = constants(s)
pol = policies(s, problem)["gelato-exact"]
t0 = time.perf_counter()
simulate(s, problem, pol, V=np.array([0.01]), seeds=2, horizon=2, engine="compiled")
t1 = time.perf_counter()
simulate(s, problem, pol, V=np.array([0.01]), seeds=2, horizon=2, engine="compiled")
print(json.dumps({"first": t1 - t0, "second": time.perf_counter() - t1}))
"""

BASELINE_CHILD = """
import json, sys, time
import numpy as np
from gelato_theory import preset
from gelato_theory.exact.bounds import constants
from gelato_theory.control.registry import policies
from gelato_theory.simulation.simulator import simulate
V, seeds, T, repeat = np.array(json.loads(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = preset("default")
problem, _ = constants(s)
out = {}
for name in sys.argv[5:]:
    pol = policies(s, problem)[name]
    simulate(s, problem, pol, V=V, seeds=seeds, horizon=20)
    best = (1e300, 1e300)
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        simulate(s, problem, pol, V=V, seeds=seeds, horizon=T)
        best = (min(best[0], time.perf_counter() - w), min(best[1], time.process_time() - c))
    out[name] = best
print(json.dumps(out))
"""


def compile_times() -> dict[str, float]:
    """First-call (empty numba cache: compile) and second-call seconds of a tiny compiled run, and
    the first call of a second fresh process (kernels loaded from the cache), each in a child."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", COMPILE_CHILD],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            for _ in range(2)
        ]
    return {"compile": runs[0]["first"], "warm": runs[0]["second"], "cached": runs[1]["first"]}


class Baseline:
    """The array engine of git revision ``rev`` (``git archive`` into a temporary directory), timed
    in a child process: one run per call, (wall, CPU) seconds per policy."""

    def __init__(self, rev: str) -> None:
        self.rev = rev
        root = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], check=True, capture_output=True, text=True
        ).stdout.strip()
        self._tmp = tempfile.TemporaryDirectory()
        archive = subprocess.run(
            ["git", "-C", root, "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", self._tmp.name], input=archive, check=True)

    def run(self, names: tuple[str, ...]) -> dict[str, tuple[float, float]]:
        env = dict(os.environ, PYTHONPATH=self._tmp.name)
        args = [json.dumps(V_GRID.tolist()), str(SEEDS), str(HORIZON), "1", *names]
        out = subprocess.run(
            [sys.executable, "-c", BASELINE_CHILD, *args],
            env=env,
            cwd=self._tmp.name,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return {k: tuple(v) for k, v in json.loads(out).items()}

    def close(self) -> None:
        self._tmp.cleanup()


def wall_cpu(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def engines(s, problem, pols, ex, baseline: str | None, summary: list) -> dict[str, float]:
    """Section 0: every engine timed in turn within each of REPEAT rounds (so that a change in the
    machine's load hits them alike), best of REPEAT each; rates in traj-rounds/s. Returns the
    single-thread compiled CPU rate per policy."""
    from gelato_theory.simulation.compiled import set_threads

    B, n = V_GRID.size * SEEDS, V_GRID.size * SEEDS * HORIZON
    n_ref = V_GRID.size * REF_SEEDS * HORIZON
    print(
        f"\n[0] engines, interleaved, best of {REPEAT} rounds (compiled: {COMPILED_CALLS} calls a "
        f"round): {B} trajectories x T = {HORIZON} "
        f"(scalar loop: {V_GRID.size * REF_SEEDS} x {HORIZON}); M traj-rounds/s, wall and CPU time"
    )
    ct = compile_times()
    print(
        f"  compiled engine: first call {ct['compile']:.1f} s (compiling, empty cache), "
        f"second call {ct['warm'] * 1e3:.1f} ms; first call of a new process {ct['cached']:.2f} s "
        "(kernels loaded from the cache)"
    )
    summary.append(
        (
            "compiled: first-call compile / cached load",
            f"{ct['compile']:.1f} s / {ct['cached']:.2f} s",
        )
    )
    ref = ScalarLoop(s, problem, ex)
    base = Baseline(baseline) if baseline else None
    best: dict[tuple[str, str], list[float]] = {}
    every: dict[tuple[str, str], list[tuple[float, float]]] = {}

    def keep(key: tuple[str, str], wc: tuple[float, float], count: int) -> None:
        rate = (count / wc[0], count / wc[1])
        old = best.get(key, [0.0, 0.0])
        best[key] = [max(old[0], rate[0]), max(old[1], rate[1])]
        every.setdefault(key, []).append(rate)

    sims = {}
    for name in POLICIES:  # warm up (and keep one result of each engine for the equality check)
        for eng in ("numpy", "compiled"):
            sims[name, eng] = simulate(
                s,
                problem,
                pols[name],
                V=V_GRID,
                seeds=SEEDS,
                horizon=HORIZON,
                executor=ex,
                engine=eng,
            )
    for _ in range(REPEAT):
        for name in POLICIES:
            run = lambda eng, name=name: simulate(  # noqa: E731
                s,
                problem,
                pols[name],
                V=V_GRID,
                seeds=SEEDS,
                horizon=HORIZON,
                executor=ex,
                engine=eng,
            )
            for _ in range(COMPILED_CALLS):  # 1 and 2 threads alternate: a load burst hits both
                for th in (1, 2):
                    set_threads(th)
                    keep((name, f"compiled {th}"), wall_cpu(lambda run=run: run("compiled")), n)
            set_threads(None)
            keep((name, "numpy"), wall_cpu(lambda run=run: run("numpy")), n)
            qa = name == "gelato"
            scalar = lambda qa=qa: [  # noqa: E731
                ref.run(float(v), 10_000 * i + sd, HORIZON, qa)
                for i, v in enumerate(V_GRID)
                for sd in range(REF_SEEDS)
            ]
            keep((name, "scalar"), wall_cpu(scalar), n_ref)
        if base is not None:
            for name, wc in base.run(POLICIES).items():
                keep((name, "baseline"), wc, n)
    if base is not None:
        base.close()
    out = {}
    fields = ("mean_N", "mean_E", "mean_Q", "max_Q", "shortfall_mean", "max_identity_excess")
    for name in POLICIES:
        r = {k[1]: v for k, v in best.items() if k[0] == name}
        same = all(
            np.array_equal(
                getattr(sims[name, "numpy"], f), getattr(sims[name, "compiled"], f), equal_nan=True
            )
            for f in fields
        )
        out[name] = r["compiled 1"][1]
        print(f"  {name}: identical summaries numpy vs compiled: {same}")
        for k, (w, c) in r.items():
            calls = every[name, k]
            med = (
                f"   median of {len(calls)} calls {np.median([x[0] for x in calls]) / 1e6:7.3f} wall"
                f"  {np.median([x[1] for x in calls]) / 1e6:7.3f} CPU"
                if len(calls) > REPEAT
                else ""
            )
            print(f"    {k:12s} {w / 1e6:7.3f} wall  {c / 1e6:7.3f} CPU{med}")
        ratios = [
            ("compiled 1 thread / numpy engine", "compiled 1", "numpy"),
            ("compiled 1 thread / scalar loop", "compiled 1", "scalar"),
            ("compiled 2 threads / 1 thread", "compiled 2", "compiled 1"),
            ("numpy engine / scalar loop", "numpy", "scalar"),
        ]
        if base is not None:
            ratios.append((f"numpy engine / baseline {baseline}", "numpy", "baseline"))
        summary.append(
            (
                f"compiled 1 thread {name}",
                f"{r['compiled 1'][0] / 1e6:.2f} M/s wall, {r['compiled 1'][1] / 1e6:.2f} M/s CPU "
                f"(median of {len(every[name, 'compiled 1'])} calls "
                f"{np.median([x[0] for x in every[name, 'compiled 1']]) / 1e6:.2f} M/s wall)",
            )
        )
        summary.append(
            (
                f"numpy engine {name}",
                f"{r['numpy'][0] / 1e6:.3f} M/s wall, {r['numpy'][1] / 1e6:.3f} M/s CPU",
            )
        )
        for label, a, b in ratios:
            wr, cr = r[a][0] / r[b][0], r[a][1] / r[b][1]
            med = ""
            if min(len(every[name, a]), len(every[name, b])) > REPEAT:  # both called in pairs
                pair = [x[0] / y[0] for x, y in zip(every[name, a], every[name, b], strict=True)]
                med = f", median of the paired calls {np.median(pair):.2f}x wall"
            print(f"    {label:34s} {wr:6.2f}x wall  {cr:6.2f}x CPU{med}")
            summary.append((f"  {label}, {name}", f"{wr:.2f}x wall, {cr:.2f}x CPU{med}"))
    return out


# --------------------------------------------------------------------------------------------
# 2. The plain per-trajectory, per-round loop
# --------------------------------------------------------------------------------------------


def _cdf(row) -> list[float]:
    """Normalized cumulative sums; the last entry is exactly 1.0, so bisect_right(cdf, u) with u in
    [0, 1) is a valid index and never lands on a zero-mass entry."""
    c = list(itertools.accumulate(float(x) for x in row))
    return [x / c[-1] for x in c]


class ScalarLoop:
    """The simulator's control loop for one trajectory in scalar Python, from the same tables.

    Per round: channel state by inverse CDF; the DPP action by a loop over the menu (argmax of
    V u - Q y, exact ties to the lower cost); drafting position by position (type ~ w, stop without
    sending if H > eta, or for GELATO also unless V pi beta_hat(H) > Q e_tx); speculative
    verification of the sent tokens; the correction or bonus token; Q <- max(Q + E - E_bar, 0).
    """

    def __init__(self, scenario, problem, executor) -> None:
        types = executor.pair.types
        self.u = problem.u.tolist()
        self.y = problem.y.tolist()
        menu = problem.stats.menu
        self.K = menu.K.tolist()
        self.eta = menu.eta.tolist()
        self.A = len(self.K)
        self.pi_cdf = _cdf(executor.pi)
        self.w_cdf = _cdf(types.w)
        self.H = types.H.tolist()
        self.bhat = [max(0.0, 1.0 - math.sqrt(scenario.control.gamma * h)) for h in self.H]
        self.p = types.p.tolist()
        self.q = types.q.tolist()
        self.q_cdf = [_cdf(r) for r in types.q]
        self.p_cdf = [_cdf(r) for r in types.p]
        self.res_cdf = [_cdf(r) for r in residual(types.p, types.q)]
        self.e_tx = executor.e_tx.tolist()
        self.e_0, self.e_c = executor.e_0, executor.e_c
        self.E_bar = scenario.objective.energy_budget_j
        self.Q0 = float(scenario.control.Q0)

    def run(
        self, V: float, seed: int, horizon: int, queue_aware: bool
    ) -> tuple[float, float, float]:
        """(mean tokens N, mean energy E, mean sent k) per round of one trajectory."""
        rnd = random.Random(seed).random
        bis = bisect.bisect_right
        u_tab, y_tab, K_of, eta_of, A = self.u, self.y, self.K, self.eta, self.A
        H, bhat, p, q = self.H, self.bhat, self.p, self.q
        w_cdf, q_cdf, p_cdf, res_cdf = self.w_cdf, self.q_cdf, self.p_cdf, self.res_cdf
        pi_cdf = self.pi_cdf
        Q = self.Q0
        sN = sE = sk = 0.0
        for _ in range(horizon):
            m = bis(pi_cdf, rnd())
            um, ym = u_tab[m], y_tab[m]
            best, a_star = V * um[0] - Q * ym[0], 0
            for a in range(1, A):
                sc = V * um[a] - Q * ym[a]
                if sc > best or (sc == best and ym[a] < ym[a_star]):
                    best, a_star = sc, a
            K, eta = K_of[a_star], eta_of[a_star]
            e_tx = self.e_tx[m]
            lim = Q * e_tx
            c = k = 0
            ctx, xs = [], []
            pi_prev = 1.0
            for _i in range(K):
                j = bis(w_cdf, rnd())
                ctx.append(j)
                c += 1
                if H[j] > eta:
                    break
                if queue_aware:
                    b = bhat[j]
                    if not V * pi_prev * b > lim:
                        break
                    pi_prev *= b
                xs.append(bis(q_cdf[j], rnd()))
                k += 1
            n_acc = 0
            for i in range(k):
                j, x = ctx[i], xs[i]
                if rnd() * q[j][x] < p[j][x]:
                    n_acc += 1
                else:
                    break
            j = ctx[n_acc] if n_acc < c else bis(w_cdf, rnd())
            cdf = res_cdf[j] if n_acc < k else p_cdf[j]
            xs = xs[:n_acc] + [bis(cdf, rnd())]  # emitted tokens
            E = self.e_0 + self.e_c * c + e_tx * k
            sN += len(xs)
            sE += E
            sk += k
            Q = max(Q + E - self.E_bar, 0.0)
        return sN / horizon, sE / horizon, sk / horizon


# --------------------------------------------------------------------------------------------
# 3. Per-decision cvxpy controller
# --------------------------------------------------------------------------------------------


class CvxpyController:
    """A per-slot decision by cvxpy: one parametrized ConcaveSlot per (state, finite-K threshold),
    built once; per decision solve each threshold's relaxation, keep the better integer neighbour of
    its continuous optimum, and take the best over thresholds and K = 0 (value 0)."""

    def __init__(self, scenario, problem) -> None:
        K_max = scenario.actions.K_max
        self.K_max = K_max
        self.slots: dict[int, list[tuple[float, ConcaveSlot]]] = {}
        for m in range(problem.M):
            costs = slot_costs(problem, scenario, m)
            row = []
            for eta in scenario.actions.thresholds:
                try:
                    row.append((eta, ConcaveSlot(problem, m, eta, K_max, costs)))
                except ValueError:
                    pass  # a = 0 or s = 0: every K >= 1 is dominated by K = 0
            self.slots[m] = row

    def warm(self, Q: float, V: float) -> None:
        for row in self.slots.values():
            for _, slot in row:
                slot.solve(Q, V)

    def decide(self, m: int, Q: float, V: float) -> tuple[int, float]:
        """(K, eta) of the best integer action."""
        best = (0.0, 0, math.inf)
        for eta, slot in self.slots[m]:
            K_cont = slot.solve(Q, V).K_cont
            lo = math.floor(K_cont)
            for K in {lo, min(lo + 1, self.K_max)}:
                v = float(slot.value(K, Q, V))
                if K > 0 and v > best[0]:
                    best = (v, K, eta)
        return best[1], best[2]


# --------------------------------------------------------------------------------------------
# 4. Memory
# --------------------------------------------------------------------------------------------


def _memory_setup():
    s = preset("default")
    problem, _ = constants(s)
    return s, problem, policies(s, problem)["gelato-exact"], Executor(s)


def peak_rss_kib() -> int:
    """This process's peak resident set, KiB: VmHWM (reset by exec, unlike ru_maxrss, which on
    Linux keeps the high-water mark of the parent the child was forked from)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_child(force: bool) -> None:
    """Peak RSS after T = 1e4 rounds, then after a further 1e6 (or, over budget, 2e5) rounds."""
    s, problem, pol, ex = _memory_setup()
    runs = []

    def run(T: int) -> float:
        t = time.perf_counter()
        simulate(
            s, problem, pol, V=V_GRID[1:2], seeds=MEM_B, horizon=T, executor=ex, engine="numpy"
        )
        dt = time.perf_counter() - t
        runs.append({"T": T, "seconds": dt, "maxrss_kib": peak_rss_kib()})
        return dt

    projected = run(MEM_T_SHORT) / MEM_T_SHORT * MEM_T_LONG
    run(MEM_T_LONG if force or projected <= MEM_BUDGET_S else MEM_T_FALLBACK)
    print(json.dumps({"runs": runs, "projected_long_s": projected}))


def traced_peak(s, problem, pol, ex, T: int) -> tuple[float, float]:
    """(seconds, tracemalloc peak in bytes) of one simulate call with traces off."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    t = time.perf_counter()
    simulate(s, problem, pol, V=V_GRID[1:2], seeds=MEM_B, horizon=T, executor=ex, engine="numpy")
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak


# --------------------------------------------------------------------------------------------


def _z(a: np.ndarray, b: np.ndarray) -> float:
    """z-score of the difference of two means over independent trajectories."""
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return (a.mean() - b.mean()) / se if se > 0 else 0.0


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(full_memory: bool = False, baseline: str | None = None) -> None:
    wall0 = time.perf_counter()
    s = preset("default")
    problem, consts = constants(s)
    pols = policies(s, problem)
    ex = Executor(s)
    B = V_GRID.size * SEEDS
    print(
        f"scenario 'default': M = {problem.M} channel states, K_max = {s.actions.K_max}, "
        f"{len(s.actions.thresholds)} thresholds, menu A = {problem.A} actions, "
        f"vocab {ex.pair.vocab_size}, {ex.pair.J} token types"
    )
    print(f"load average (1, 5, 15 min) at start: {load()} on {os.cpu_count()} CPUs")
    summary: list[tuple[str, str]] = []
    engines(s, problem, pols, ex, baseline, summary)

    # 1. batched simulator ---------------------------------------------------------------------
    print(
        f"\n[1] simulate(engine='numpy'), best of {REPEAT}: V = {V_GRID.tolist()} x {SEEDS} seeds = {B} trajectories, T = {HORIZON}"
    )
    for name in POLICIES:  # warm up at full batch size
        simulate(
            s, problem, pols[name], V=V_GRID, seeds=SEEDS, horizon=20, executor=ex, engine="numpy"
        )
    sims, rates = {}, {}
    for name in POLICIES:
        dt, sim = best_of(
            lambda name=name: simulate(
                s,
                problem,
                pols[name],
                V=V_GRID,
                seeds=SEEDS,
                horizon=HORIZON,
                executor=ex,
                engine="numpy",
            ),
            REPEAT,
        )
        sims[name] = sim
        tr = B * HORIZON / dt
        rates[name] = tr
        k_rate = sim.mean_k.sum() * HORIZON / dt
        n_rate = sim.mean_N.sum() * HORIZON / dt
        print(
            f"  {name:13s} {dt:6.2f} s  {tr / 1e3:7.1f} k traj-rounds/s  "
            f"{k_rate / 1e3:7.1f} k drafted(sent) tokens/s  {n_rate / 1e3:7.1f} k emitted tokens/s  "
            f"({dt / HORIZON * 1e3:.2f} ms per lock-step round)"
        )
        summary.append((f"simulate {name} (B={B}, T={HORIZON})", f"{tr / 1e3:.0f} k traj-rounds/s"))
        summary.append((f"  drafted (sent) tokens/s, {name}", f"{k_rate / 1e3:.0f} k/s"))
    print(
        "  (drafted = tokens drafted and sent, Simulation.mean_k; computed positions c are not summarized)"
    )

    # 2. plain per-trajectory loops -----------------------------------------------------------
    ref = ScalarLoop(s, problem, ex)
    n_ref = V_GRID.size * REF_SEEDS * HORIZON
    print(
        f"\n[2] scalar Python loop, best of {REPEAT}: {V_GRID.size} V x {REF_SEEDS} seeds x T = {HORIZON} "
        f"= {n_ref} traj-rounds per policy"
    )
    for name in POLICIES:
        qa = name == "gelato"
        dt, res = best_of(
            lambda qa=qa: np.array(
                [
                    [ref.run(float(v), 10_000 * i + sd, HORIZON, qa) for sd in range(REF_SEEDS)]
                    for i, v in enumerate(V_GRID)
                ]
            ),
            REPEAT,
        )  # res: (n_V, seeds, 3)
        tr = n_ref / dt
        ratio = rates[name] / tr
        print(
            f"  {name:13s} {dt:6.2f} s  {tr / 1e3:7.1f} k traj-rounds/s "
            f"({dt / n_ref * 1e6:.1f} us each) -> batched is {ratio:.1f}x faster"
        )
        summary.append((f"scalar loop {name}", f"{tr / 1e3:.0f} k traj-rounds/s"))
        summary.append((f"  numpy engine / scalar loop, {name}", f"{ratio:.1f}x"))
        sim = sims[name]
        print(
            "     V     mean N batched   mean N loop  z    mean E batched (J)  mean E loop (J)  z"
        )
        for i, v in enumerate(V_GRID):
            nb, nr = sim.mean_N[i], res[i, :, 0]
            eb, er = sim.mean_E[i], res[i, :, 1]
            print(
                f"  {v:6.3f}  {nb.mean():.4f}+-{nb.std(ddof=1) / math.sqrt(nb.size):.4f}"
                f"  {nr.mean():.4f}+-{nr.std(ddof=1) / math.sqrt(nr.size):.4f} {_z(nb, nr):+5.2f}"
                f"  {eb.mean():.5f}+-{eb.std(ddof=1) / math.sqrt(eb.size):.5f}"
                f"  {er.mean():.5f}+-{er.std(ddof=1) / math.sqrt(er.size):.5f} {_z(eb, er):+5.2f}"
            )
        zmax = max(
            max(abs(_z(sim.mean_N[i], res[i, :, 0])), abs(_z(sim.mean_E[i], res[i, :, 1])))
            for i in range(V_GRID.size)
        )
        summary.append((f"  max |z| loop vs batched (N, E), {name}", f"{zmax:.2f}"))

    n_one = V_GRID.size * ONE_SEEDS * HORIZON
    print(
        f"  library engine one trajectory at a time (batch=1), best of {REPEAT}: {V_GRID.size} V x {ONE_SEEDS} seeds "
        f"x T = {HORIZON} = {n_one} traj-rounds"
    )
    for name in POLICIES:
        dt, one = best_of(
            lambda name=name: simulate(
                s,
                problem,
                pols[name],
                V=V_GRID,
                seeds=ONE_SEEDS,
                horizon=HORIZON,
                executor=ex,
                batch=1,
                engine="numpy",
            ),
            REPEAT,
        )
        tr = n_one / dt
        same = np.array_equal(one.mean_N, sims[name].mean_N[:, :ONE_SEEDS]) and np.allclose(
            one.mean_E, sims[name].mean_E[:, :ONE_SEEDS], rtol=1e-12, atol=0
        )
        print(
            f"  {name:13s} {dt:6.2f} s  {tr / 1e3:7.2f} k traj-rounds/s "
            f"({dt / n_one * 1e6:.0f} us each) -> batched is {rates[name] / tr:.0f}x faster; "
            f"same trajectories as in the batch of {B}: {same}"
        )
        summary.append((f"engine at batch=1 {name}", f"{tr / 1e3:.2f} k traj-rounds/s"))
        summary.append((f"  batched / engine at batch=1, {name}", f"{rates[name] / tr:.0f}x"))

    # 3. per-slot solver ------------------------------------------------------------------------
    print("\n[3] per-slot decision: exact vectorized solver vs cvxpy per decision")
    rng = np.random.default_rng(0)
    m = rng.integers(0, problem.M, N_EXACT)
    V = 10 ** rng.uniform(-3, -1, N_EXACT)
    Q = V * consts.lambda_star * rng.uniform(0, 2, N_EXACT)  # backlogs around V lambda*
    t_exact, act = best_of(lambda: solve_per_slot(problem, m, Q, V), repeat=7)
    t_one, _ = best_of(lambda: solve_per_slot(problem, m[:1], Q[:1], V[:1]), repeat=200)
    per_exact = t_exact / N_EXACT
    print(
        f"  solve_per_slot, batch {N_EXACT}: {t_exact * 1e3:.2f} ms = {per_exact * 1e9:.0f} ns per decision "
        f"(a single decision: {t_one * 1e6:.1f} us)"
    )
    t_build, ctl = timed(lambda: CvxpyController(s, problem))
    t_warm, _ = timed(lambda: ctl.warm(float(Q[0]), float(V[0])))
    n_slots = sum(len(r) for r in ctl.slots.values())
    t = time.perf_counter()
    agree = 0
    scores = dpp_scores(problem, m[:N_CVXPY], Q[:N_CVXPY], V[:N_CVXPY])
    worst = 0.0
    for d in range(N_CVXPY):
        K, eta = ctl.decide(int(m[d]), float(Q[d]), float(V[d]))
        a = menu_index(problem, K, eta)
        gap = scores[d, act[d]] - scores[d, a]
        worst = max(worst, gap / (1.0 + abs(scores[d, act[d]])))
        agree += a == act[d]
    t_cvx = time.perf_counter() - t
    per_cvx = t_cvx / N_CVXPY
    print(
        f"  cvxpy (CLARABEL): {n_slots} parametrized slots built in {t_build:.2f} s, first solves "
        f"{t_warm:.2f} s; then {N_CVXPY} decisions x {n_slots // problem.M} relaxations: "
        f"{per_cvx * 1e3:.1f} ms per decision"
    )
    print(
        f"  same action as the exact solver in {agree}/{N_CVXPY} decisions "
        f"(largest relative DPP-score gap {worst:.1e})"
    )
    print(f"  exact vectorized is {per_cvx / per_exact:.1e}x cheaper per decision")
    summary.append(("exact per-slot solver, per decision", f"{per_exact * 1e9:.0f} ns"))
    summary.append(("cvxpy per-slot controller, per decision", f"{per_cvx * 1e3:.1f} ms"))
    summary.append(("  ratio", f"{per_cvx / per_exact:.1e}x"))
    summary.append(("  cvxpy = exact action", f"{agree}/{N_CVXPY}"))

    # 4. memory ---------------------------------------------------------------------------------
    print(
        f"\n[4] memory, gelato-exact, {MEM_B} trajectories, traces off "
        "(the RSS child process runs alongside the traced runs)"
    )
    cmd = [sys.executable, __file__, "--rss-child"] + (["--full-memory"] if full_memory else [])
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ms, mproblem, mpol, mex = _memory_setup()
    traced = {T: traced_peak(ms, mproblem, mpol, mex, T) for T in MEM_T_TRACED}
    for T, (dt, peak) in traced.items():
        print(f"  tracemalloc peak, T = {T:>9,d}: {peak / 2**20:7.3f} MiB ({dt:.0f} s traced)")
    out, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError("the RSS child process failed")
    rss = json.loads(out)
    for r in rss["runs"]:
        print(
            f"  peak RSS after T = {r['T']:>9,d}: {r['maxrss_kib'] / 1024:8.2f} MiB "
            f"({r['seconds']:.0f} s untraced, {r['seconds'] / r['T'] * 1e6:.0f} us/round)"
        )
    (short, long_) = rss["runs"]
    if long_["T"] != MEM_T_LONG:
        print(
            f"  T = {MEM_T_LONG:.0e} not run: projected {rss['projected_long_s']:.0f} s > "
            f"{MEM_BUDGET_S:.0f} s on this machine now (use --full-memory); memory is flat from "
            f"T = {MEM_T_SHORT:.0e} to {long_['T']:.0e}, and the loop keeps O(B) state only"
        )
    p0, p1 = (traced[T][1] for T in MEM_T_TRACED)
    summary.append(
        (
            f"tracemalloc peak T={MEM_T_TRACED[0]:.0e} / {MEM_T_TRACED[1]:.0e}",
            f"{p0 / 2**20:.3f} / {p1 / 2**20:.3f} MiB",
        )
    )
    summary.append(
        (
            f"peak RSS T={MEM_T_SHORT:.0e} / +{long_['T']:.0e}",
            f"{short['maxrss_kib'] / 1024:.2f} / {long_['maxrss_kib'] / 1024:.2f} MiB",
        )
    )

    wall = time.perf_counter() - wall0
    print("\nsummary")
    width = max(len(k) for k, _ in summary)
    for k, v in summary:
        print(f"  {k:<{width}}  {v}")
    print(f"  {'total wall time':<{width}}  {wall:.0f} s")
    print(f"  {'load average (1, 5, 15 min)':<{width}}  {load()}")


if __name__ == "__main__":
    if "--rss-child" in sys.argv[1:]:
        rss_child(force="--full-memory" in sys.argv[1:])
    else:
        argv = sys.argv[1:]
        base = argv[argv.index("--baseline") + 1] if "--baseline" in argv else None
        main(full_memory="--full-memory" in argv, baseline=base)
