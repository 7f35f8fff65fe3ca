"""Random releases as `gather.WaveData`, for the tests that check every cell of the report or the
item drivers against the plain statistics of the cell's own respondents."""

import numpy as np

from assessments.gather import WaveData


def random_wave(seed, n_responses, n_streams, threshold=3):
    """Two dimensions, three themes (4, 3 and 2 items, two reverse-worded), answers 1–5 with
    unanswered and "not applicable" items, and a real Biz–IT gap on the first item.

    Value stream sizes run from a handful to many, so that some groups are hidden and some are
    small enough for the exact Mann–Whitney test.
    """
    rng = np.random.default_rng(seed)
    item_theme = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    answers = rng.integers(1, 6, (n_responses, len(item_theme))).astype(float)
    is_biz = rng.random(n_responses) < 0.5
    answers[is_biz, 0] = np.minimum(answers[is_biz, 0] + 1, 5)
    missing = rng.random(answers.shape) < 0.15
    answers[missing] = np.nan
    return WaveData(
        slug="random",
        title="Random",
        anonymity_threshold=threshold,
        scale_min=1,
        scale_max=5,
        item_codes=[f"I{i}" for i in range(len(item_theme))],
        item_theme=item_theme,
        item_reverse=np.arange(len(item_theme)) % 4 == 1,
        theme_codes=["A", "B", "C"],
        theme_names=["A", "B", "C"],
        theme_dimension=np.array([0, 0, 1]),
        dimension_codes=["X", "Y"],
        dimension_names=["X", "Y"],
        value_stream_names=[f"S{s}" for s in range(n_streams)],
        response_value_stream=np.minimum(rng.geometric(0.4, n_responses) - 1, n_streams - 1),
        response_is_biz=is_biz,
        answers=answers,
        not_applicable=missing & (rng.random(answers.shape) < 0.5),
    )
