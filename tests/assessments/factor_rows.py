"""Rows for `tests.dashboards.conftest.import_wave` answered from three correlated factors (the
small instrument's themes PCT, SPS and DH), so that a CFA of the released wave has figures.

Alpha and Beta have about n/4 respondents per side; "Tiny" has two IT respondents (hidden, k = 5)
whose answers are given by `tiny`.
"""

import numpy as np

from tests.dashboards.conftest import row

THEME_OF_ITEM = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])
LOADINGS = np.array([1.0, 0.9, -0.8, 1.0, 0.8, 0.9, 0.7, 1.0, 0.9])  # PCT3 is reverse-worded


def factor_rows(n=240, seed=3, it_shift=None, tiny=(1, 1, 5, 5, 1, 1, 1, 1, 1)):
    rng = np.random.default_rng(seed)
    phi = np.array([[1, 0.45, 0.3], [0.45, 1, 0.4], [0.3, 0.4, 1]])
    factors = rng.multivariate_normal(np.zeros(3), phi, size=n)
    latent = factors[:, THEME_OF_ITEM] * LOADINGS + rng.normal(scale=0.75, size=(n, 9))
    answers = np.rint(latent + 3)
    streams = np.where(np.arange(n) % 2 == 0, "Alpha", "Beta")
    sides = np.where(np.arange(n) % 4 < 2, "biz", "it")
    if it_shift is not None:
        answers[sides == "it"] += np.asarray(it_shift)
    answers = np.clip(answers, 1, 5).astype(int)
    rows = [
        row(stream, side, pct=a[:3], sps=a[3:7], dh=a[7:])
        for stream, side, a in zip(streams, sides, answers, strict=True)
    ]
    rows += [row("Tiny", "it", pct=tiny[:3], sps=tiny[3:7], dh=tiny[7:])] * 2
    return rows
