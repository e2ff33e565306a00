"""Channel model (SPEC §2): quantized Rayleigh fading, path loss and Shannon rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def quantized_rayleigh(mean_gain: float, states: int) -> tuple[np.ndarray, np.ndarray]:
    """M-level equiprobable quantization of Rayleigh fading.

    The power gain h is exponential with mean ``mean_gain``. Its support is cut into ``states``
    intervals of probability 1/M each; a state's gain is the conditional mean of h on its interval.
    Returns (h, pi) with h increasing, pi = 1/M. Unit: linear power gain.
    """
    import numpy as np

    m = np.arange(states + 1, dtype=float)
    with np.errstate(divide="ignore"):
        edges = -mean_gain * np.log1p(-m / states)  # quantiles; last edge is +inf
    lo, hi = edges[:-1], edges[1:]
    # integral of x e^{-x/g}/g over [lo, hi] = (lo + g) e^{-lo/g} - (hi + g) e^{-hi/g}
    with np.errstate(invalid="ignore"):
        upper = np.where(np.isinf(hi), 0.0, (hi + mean_gain) * np.exp(-hi / mean_gain))
    mass = (lo + mean_gain) * np.exp(-lo / mean_gain) - upper
    h = mass * states
    pi = np.full(states, 1.0 / states)
    return h, pi


def path_loss_gain(distance_m: float, loss_db_at_1km: float, exponent: float) -> float:
    """Mean linear power gain of the log-distance model PL(d) = PL(1 km) + 10 n log10(d / 1 km)."""
    import math

    loss_db = loss_db_at_1km + 10.0 * exponent * math.log10(distance_m / 1000.0)
    return float(10.0 ** (-loss_db / 10.0))


def shannon_rate_bps(
    h: np.ndarray, bandwidth_hz: float, tx_power_w: float, noise_psd_w_per_hz: float
) -> np.ndarray:
    """R(h) = W log2(1 + P_tx h / (N0 W)), bit/s."""
    import numpy as np

    snr = tx_power_w * np.asarray(h, dtype=float) / (noise_psd_w_per_hz * bandwidth_hz)
    return bandwidth_hz * np.log1p(snr) / np.log(2.0)
