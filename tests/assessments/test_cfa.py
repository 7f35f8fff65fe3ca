"""The CFA and the Biz-vs-IT invariance steps give R lavaan's figures (to 1e-3), and refuse
models that mean nothing with a clear message.

The reference figures come from running ``lavaan_reference.R`` with ``Rscript`` on each data
set (written as CSV to a temporary directory); these tests skip, saying so, where ``Rscript``
or lavaan is missing (``.ci/run`` installs Debian's r-base-core and r-cran-lavaan).
"""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assessments import cfa

TOLERANCE = 1e-3
REFERENCE_SCRIPT = Path(__file__).with_name("lavaan_reference.R")
FIT_KEYS = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "srmr",
    "baseline_chisq",
    "baseline_df",
)


def _data_set(seed, n, loadings, phi, *, likert=False, it_shift=None, it_share=0.5, noise=0.7):
    """Simulated answers: items = loadings · factors + noise, sides Biz and IT.

    ``loadings`` is items × factors and may hold cross-loadings (a misfitting model);
    ``it_shift`` adds to the IT side's items (intercepts that differ: scalar non-invariance);
    ``likert`` rounds to a 1…5 scale as answers are.
    """
    rng = np.random.default_rng(seed)
    loadings = np.asarray(loadings, dtype=float)
    factors = rng.multivariate_normal(np.zeros(len(phi)), phi, size=n)
    answers = factors @ loadings.T + rng.normal(scale=noise, size=(n, loadings.shape[0])) + 3
    side = np.where(rng.random(n) < it_share, "it", "biz")
    if it_shift is not None:
        answers[side == "it"] += np.asarray(it_shift, dtype=float)
    if likert:
        answers = np.clip(np.rint(answers), 1, 5)
    return answers, side


def _themes(loadings):
    """The theme of each item: the factor of its largest loading (the model as written)."""
    return [f"T{int(np.argmax(np.abs(row))) + 1}" for row in np.asarray(loadings)]


PHI3 = [[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]]
CLEAN = np.kron(np.eye(3), np.array([[1], [0.8], [0.9]]))
CROSS = CLEAN.copy()
CROSS[1, 1] = 0.6  # item 2 also loads on theme 2: the model misfits
CROSS[7, 0] = 0.5
LOPSIDED = np.zeros((7, 2))
LOPSIDED[:4, 0] = [1, 0.9, 0.7, 0.6]
LOPSIDED[4:, 1] = [1, 0.8, 1.2]

SIX_BY_FOUR = np.kron(np.eye(6), np.array([[1.0], [0.8], [0.6], [1.1]]))  # the built-in instrument's shape
SIX_BY_FOUR[5, 0] = 0.5  # one item of theme 2 also loads on theme 1
PHI6 = 0.5 * np.eye(6) + 0.5 * np.corrcoef(np.random.default_rng(6).normal(size=(6, 12)) + 1.5)

DATA_SETS = {
    "three themes that fit": lambda: (_data_set(1, 400, CLEAN, PHI3), _themes(CLEAN)),
    "three themes with cross-loadings (misfit)": lambda: (
        _data_set(2, 500, CROSS, PHI3, it_share=0.4),
        _themes(CLEAN),
    ),
    "two themes of 4 and 3 items, Likert 1-5, 150 respondents": lambda: (
        _data_set(3, 150, LOPSIDED, [[0.8, 0.5], [0.5, 1.2]], likert=True),
        _themes(LOPSIDED),
    ),
    "IT answers one item higher (scalar invariance fails)": lambda: (
        _data_set(4, 600, CLEAN, PHI3, it_shift=[0, 0.8, 0, 0, 0, -0.6, 0, 0, 0.5], it_share=0.3),
        _themes(CLEAN),
    ),
    "six themes of four items (the built-in instrument's shape), Likert, 300 respondents": lambda: (
        _data_set(6, 300, SIX_BY_FOUR, PHI6, likert=True, it_shift=np.eye(24)[3] * 0.7, noise=0.8),
        [f"T{j // 4 + 1}" for j in range(24)],
    ),
    "four themes of two items, Likert": lambda: (
        _data_set(
            5,
            300,
            np.kron(np.eye(4), np.array([[1], [0.9]])),
            np.eye(4) * 0.6 + 0.4,
            likert=True,
            noise=0.6,
        ),
        [f"T{j // 2 + 1}" for j in range(8)],
    ),
}


def _lavaan(tmp_path, answers, side, themes):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is missing: install r-base-core and r-cran-lavaan to compare with lavaan")
    items = [f"i{j + 1}" for j in range(answers.shape[1])]
    csv = tmp_path / "data.csv"
    lines = [",".join([*items, "side"])]
    lines += [",".join([*(repr(float(v)) for v in row), s]) for row, s in zip(answers, side, strict=True)]
    csv.write_text("\n".join(lines) + "\n")
    model = tmp_path / "model.lav"
    model.write_text(
        "\n".join(
            f"{theme} =~ " + " + ".join(i for i, t in zip(items, themes, strict=True) if t == theme)
            for theme in dict.fromkeys(themes)
        )
        + "\n"
    )
    run = subprocess.run(
        ["Rscript", str(REFERENCE_SCRIPT), str(csv), str(model)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0 and "there is no package called" in run.stderr:
        pytest.skip("R's lavaan is missing: install r-cran-lavaan to compare with lavaan")
    assert run.returncode == 0, run.stderr
    figures = {}
    for line in run.stdout.splitlines():
        name, value = line.split()
        figures[name] = float(value)
    return items, figures


def _assert_fit_equal(fit, figures, prefix):
    for key in FIT_KEYS:
        ours, theirs = getattr(fit, key), figures[f"{prefix}.{key.replace('_', '.')}"]
        assert ours == pytest.approx(theirs, abs=TOLERANCE), f"{prefix} {key}: {ours} vs lavaan {theirs}"


@pytest.fixture(params=list(DATA_SETS), scope="module")
def with_lavaan(request, tmp_path_factory):
    (answers, side), themes = DATA_SETS[request.param]()
    items, figures = _lavaan(tmp_path_factory.mktemp("lavaan"), answers, side, themes)
    return answers, side, items, themes, figures


def test_single_group_fit_equals_lavaans_fit_measures(with_lavaan):
    answers, _, items, themes, figures = with_lavaan
    _assert_fit_equal(cfa.fit_cfa(answers, items, themes).fit, figures, "single")


def test_standardized_loadings_omega_and_factor_correlations_equal_lavaans(with_lavaan):
    answers, _, items, themes, figures = with_lavaan
    result = cfa.fit_cfa(answers, items, themes)
    for item, std in zip(items, result.std_loadings, strict=True):
        assert std == pytest.approx(figures[f"std.{item}"], abs=TOLERANCE), item
    for theme, omega in result.omega.items():
        assert omega == pytest.approx(figures[f"omega.{theme}"], abs=TOLERANCE), theme
    assert len(result.factor_correlations) == len(result.themes) * (len(result.themes) - 1) // 2
    for pair, r in result.factor_correlations.items():
        assert r == pytest.approx(figures[f"cor.{pair}"], abs=TOLERANCE), pair


def test_each_invariance_step_equals_lavaans_group_equal_fit(with_lavaan):
    answers, side, _, themes, figures = with_lavaan
    steps = cfa.invariance(answers, themes, side, ("biz", "it"))
    assert [s.step for s in steps] == ["configural", "metric", "scalar"]
    for step in steps:
        _assert_fit_equal(step.fit, figures, step.step)
    first, metric, scalar = steps
    assert (first.delta_chisq, first.delta_df, first.delta_p, first.delta_cfi) == (None,) * 4
    for before, after in ((first, metric), (metric, scalar)):
        d_chisq = figures[f"{after.step}.chisq"] - figures[f"{before.step}.chisq"]
        assert after.delta_chisq == pytest.approx(d_chisq, abs=TOLERANCE)
        assert after.delta_df == figures[f"{after.step}.df"] - figures[f"{before.step}.df"]
        d_cfi = figures[f"{after.step}.cfi"] - figures[f"{before.step}.cfi"]
        assert after.delta_cfi == pytest.approx(d_cfi, abs=TOLERANCE)


def test_different_intercepts_on_it_make_the_scalar_step_fail_and_delta_p_small():
    (answers, side), themes = DATA_SETS["IT answers one item higher (scalar invariance fails)"]()
    _, metric, scalar = cfa.invariance(answers, themes, side, ("biz", "it"))
    assert metric.delta_p > 0.01
    assert scalar.delta_p < 1e-6
    assert scalar.delta_cfi < -0.01


def test_delta_p_is_the_chi_square_tail_of_the_difference():
    (answers, side), themes = DATA_SETS["three themes that fit"]()
    _, metric, _ = cfa.invariance(answers, themes, side, ("biz", "it"))
    from scipy import stats

    assert metric.delta_df == 6  # 6 free loadings made equal
    assert metric.delta_p == pytest.approx(stats.chi2.sf(metric.delta_chisq, 6), rel=1e-12)


# --------------------------------------------------------------------------------------------
# Models that mean nothing get a clear message
# --------------------------------------------------------------------------------------------


def test_a_theme_with_one_item_is_named_and_gets_no_factor():
    (answers, _), _ = DATA_SETS["three themes that fit"]()
    themes = ["T1"] * 3 + ["T2"] * 5 + ["Lonely"]
    with pytest.raises(cfa.NotIdentifiedError, match="only one.*Lonely"):
        cfa.fit_cfa(answers, [f"i{j}" for j in range(9)], themes)


def test_a_single_theme_of_two_items_is_not_identified():
    (answers, _), _ = DATA_SETS["three themes that fit"]()
    with pytest.raises(cfa.NotIdentifiedError, match="not identified"):
        cfa.fit_cfa(answers[:, :2], ["a", "b"], ["T1", "T1"])


def test_too_few_complete_cases_for_the_free_parameters_are_refused():
    (answers, side), themes = DATA_SETS["three themes that fit"]()
    with pytest.raises(cfa.TooFewCasesError, match="Too few complete cases: 15 .* 21 free"):
        cfa.fit_cfa(answers[:15], [f"i{j}" for j in range(9)], themes)
    # per side in the invariance steps: the Biz side alone is too small
    few_biz = np.concatenate([np.flatnonzero(side == "biz")[:12], np.flatnonzero(side == "it")])
    with pytest.raises(cfa.TooFewCasesError, match=r"\(biz\)"):
        cfa.invariance(answers[few_biz], themes, side[few_biz], ("biz", "it"))


def test_a_constant_or_duplicated_item_makes_the_covariance_not_positive_definite():
    (answers, _), themes = DATA_SETS["three themes that fit"]()
    items = [f"i{j}" for j in range(9)]
    constant = answers.copy()
    constant[:, 4] = 3.0
    with pytest.raises(cfa.NotPositiveDefiniteError, match="not positive definite"):
        cfa.fit_cfa(constant, items, themes)
    duplicated = answers.copy()
    duplicated[:, 2] = duplicated[:, 1]
    with pytest.raises(cfa.NotPositiveDefiniteError):
        cfa.fit_cfa(duplicated, items, themes)


def test_a_model_the_optimizer_cannot_bring_to_a_maximum_is_reported_not_returned(monkeypatch):
    (answers, _), themes = DATA_SETS["three themes that fit"]()
    monkeypatch.setattr(cfa, "GRADIENT_TOLERANCE", 0.0)  # no point is ever good enough
    with pytest.raises(cfa.NotConvergedError, match="did not converge"):
        cfa.fit_cfa(answers, [f"i{j}" for j in range(9)], themes)


def test_a_negative_residual_variance_is_refused_naming_the_item():
    # Item a correlates .8 with b and .5 with c, but b and c only .3: one factor over a, b, c
    # then needs a's loading² · φ = .8 · .5 / .3 > var(a) = 1, so a's residual variance is < 0.
    target = np.eye(6)
    target[np.ix_([0, 1, 2], [0, 1, 2])] = [[1, 0.8, 0.5], [0.8, 1, 0.3], [0.5, 0.3, 1]]
    target[np.ix_([3, 4, 5], [3, 4, 5])] = 0.5 + 0.5 * np.eye(3)
    noise = np.random.default_rng(0).normal(size=(300, 6))
    noise -= noise.mean(axis=0)
    whitened = noise @ np.linalg.inv(np.linalg.cholesky(noise.T @ noise / 300)).T
    answers = whitened @ np.linalg.cholesky(target).T  # sample covariance exactly `target`
    with pytest.raises(cfa.ImproperSolutionError, match="negative variance .*for a:"):
        cfa.fit_cfa(answers, list("abcdef"), list("AAABBB"))


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (np.full((50, 3, 2), 1.0), "respondents × items"),
        (np.array([[1.0, np.nan, 2.0]] * 50), "complete cases"),
    ],
)
def test_bad_input_gets_a_value_error(answers, message):
    with pytest.raises(ValueError, match=message):
        cfa._sample(answers)
