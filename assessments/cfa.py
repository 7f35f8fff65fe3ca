"""Confirmatory factor analysis by maximum likelihood, as R's lavaan ``cfa()`` computes it.

Pure numpy/scipy, no Django: the functions take a complete-case answer matrix (respondents ×
items, no NaN) and the theme of each item, and return small dataclasses. The model has one
factor per theme over its items, the factors correlated; the first loading of each factor is
fixed to 1 (lavaan's ``auto.fix.first``), residual variances and factor (co)variances are free.

Objective (lavaan's ``estimator = "ML"``, ``likelihood = "normal"``), per group *g* with
``N_g`` complete cases, sample covariance ``S_g`` (divisor ``N_g``) and sample means ``x̄_g``:

.. math::

    F_g = \\log|\\Sigma_g| + \\operatorname{tr}(S_g \\Sigma_g^{-1}) - \\log|S_g| - p
          + (\\bar x_g - \\mu_g)^\\top \\Sigma_g^{-1} (\\bar x_g - \\mu_g)

with :math:`\\Sigma = \\Lambda\\Phi\\Lambda^\\top + \\Theta` and :math:`\\mu = \\nu + \\Lambda\\alpha`;
the mean part is absent in the single-group model (no mean structure). The test statistic is
:math:`\\chi^2 = \\sum_g N_g F_g` at the minimum. Minimized with L-BFGS-B and the analytic
gradient; variances are not bounded (lavaan does not bound them either).

Fit measures follow lavaan 0.6's ``fitMeasures``: CFI and TLI against the independence model
(free variances, and free means when there is a mean structure, per group); RMSEA
:math:`\\sqrt{\\max(\\chi^2/(N\\,df) - 1/N, 0)}\\sqrt{G}` with the total *N* (not *N* − 1) and its
90 % interval by inverting the noncentral χ² distribution; SRMR as Bentler's (residuals of the
covariances, and of the means when there is a mean structure, divided by the sample standard
deviations), averaged over groups weighted by ``N_g / N``.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

# The optimizer stops when the largest gradient component of F/N is below this; the estimates
# are then within about 1e-6 of lavaan's.
GRADIENT_TOLERANCE = 1e-6


class CFAError(ValueError):
    """A model that cannot be estimated; the message says why in plain words."""


class NotIdentifiedError(CFAError):
    """The model has more free parameters than the data has moments, or a theme too few items."""


class TooFewCasesError(CFAError):
    """Fewer complete cases than the model has free parameters (or than items)."""


class NotPositiveDefiniteError(CFAError):
    """The sample covariance matrix is singular: an item is constant or a copy of others."""


class NotConvergedError(CFAError):
    """The optimizer stopped before reaching the maximum of the likelihood."""


class ImproperSolutionError(CFAError):
    """The maximum lies at a negative variance (a Heywood case): loadings and omega mean nothing."""


@dataclass(frozen=True)
class Fit:
    """Global fit of one model, as lavaan's ``fitMeasures`` names them."""

    n: int
    chisq: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci_lower: float
    rmsea_ci_upper: float
    srmr: float
    baseline_chisq: float
    baseline_df: int


@dataclass(frozen=True)
class CFAResult:
    """A single-group CFA: fit, standardized loadings, omega and factor correlations."""

    items: tuple
    themes: tuple  # the factors, in order of first appearance
    item_themes: tuple  # the theme of each item
    fit: Fit
    loadings: np.ndarray  # unstandardized loading of each item on its factor
    std_loadings: np.ndarray  # lavaan's std.all of each item
    residual_variances: np.ndarray
    factor_covariance: np.ndarray
    omega: dict  # theme -> McDonald's omega
    factor_correlations: dict  # "T1|T2" -> r


@dataclass(frozen=True)
class InvarianceStep:
    """One step of the Biz-vs-IT invariance sequence, with its deltas to the step before."""

    step: str  # "configural", "metric" or "scalar"
    fit: Fit
    delta_chisq: float | None
    delta_df: int | None
    delta_p: float | None
    delta_cfi: float | None


INVARIANCE_STEPS = ("configural", "metric", "scalar")


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def _factor_structure(item_themes):
    """Return (themes in order, factor index of each item, marker item of each factor)."""
    item_themes = list(item_themes)
    themes = list(dict.fromkeys(item_themes))
    counts = {theme: item_themes.count(theme) for theme in themes}
    single = [theme for theme in themes if counts[theme] < 2]
    if single:
        raise NotIdentifiedError(
            "A factor needs at least 2 items; these themes have only one and get no factor: "
            + ", ".join(map(str, single))
        )
    factor = np.array([themes.index(theme) for theme in item_themes])
    marker = np.array([int(np.flatnonzero(factor == j)[0]) for j in range(len(themes))])
    return themes, factor, marker


class _Model:
    """Maps a flat parameter vector onto Λ, Φ, Θ, ν, α of each group.

    Each block of each group holds the index of its parameters in the flat vector; groups
    share indices where a parameter is constrained equal across groups.
    """

    def __init__(self, item_themes, n_groups, meanstructure, equal_loadings, equal_intercepts):
        self.themes, self.factor, self.marker = _factor_structure(item_themes)
        p, k = len(self.factor), len(self.themes)
        self.p, self.k, self.meanstructure = p, k, meanstructure
        self.free_rows = np.setdiff1d(np.arange(p), self.marker)  # items with a free loading
        self.tril = np.tril_indices(k)
        self.n_free = 0

        def block(size):
            """The indices of `size` new free parameters."""
            self.n_free += size
            return np.arange(self.n_free - size, self.n_free)

        shared_lam = block(len(self.free_rows)) if equal_loadings else None
        shared_nu = block(p) if (meanstructure and equal_intercepts) else None
        self.groups = []
        for g in range(n_groups):
            self.groups.append(
                {
                    "lam": shared_lam if equal_loadings else block(len(self.free_rows)),
                    "phi": block(len(self.tril[0])),
                    "theta": block(p),
                    "nu": (shared_nu if equal_intercepts else block(p)) if meanstructure else None,
                    # latent means: fixed 0, free beyond the first group once intercepts are equal
                    "alpha": block(k) if (meanstructure and equal_intercepts and g > 0) else None,
                }
            )

    def matrices(self, x, g):
        idx = self.groups[g]
        lam = np.zeros((self.p, self.k))
        lam[self.marker, np.arange(self.k)] = 1.0
        lam[self.free_rows, self.factor[self.free_rows]] = x[idx["lam"]]
        phi = np.zeros((self.k, self.k))
        phi[self.tril] = x[idx["phi"]]
        phi = phi + np.tril(phi, -1).T
        theta = x[idx["theta"]]
        nu = x[idx["nu"]] if idx["nu"] is not None else np.zeros(self.p)
        alpha = x[idx["alpha"]] if idx["alpha"] is not None else np.zeros(self.k)
        return lam, phi, theta, nu, alpha

    def implied(self, x, g):
        lam, phi, theta, nu, alpha = self.matrices(x, g)
        return lam @ phi @ lam.T + np.diag(theta), nu + lam @ alpha

    def start(self, samples):
        """Start values per group from the sample moments (a method-of-moments guess)."""
        x = np.zeros(self.n_free)
        for g, (cov, mean, _) in enumerate(samples):
            idx = self.groups[g]
            lam, phi, theta = self._moment_guess(cov)
            x[idx["lam"]] = lam[self.free_rows, self.factor[self.free_rows]]
            x[idx["phi"]] = phi[self.tril]
            x[idx["theta"]] = theta
            if idx["nu"] is not None:
                x[idx["nu"]] = mean
        return x

    def _moment_guess(self, cov):
        var = np.diag(cov)
        phi = np.zeros((self.k, self.k))
        lam = np.zeros((self.p, self.k))
        for j, m in enumerate(self.marker):
            others = np.flatnonzero(self.factor == j)[1:]
            guess = 0.5 * var[m]
            if len(others) >= 2 and cov[others[0], others[1]] != 0:
                # one factor: s_ma · s_mb / s_ab = λ_m² φ = φ with the marker's loading 1
                guess = cov[m, others[0]] * cov[m, others[1]] / cov[others[0], others[1]]
            phi[j, j] = np.clip(guess, 0.05 * var[m], 0.95 * var[m])
            lam[m, j] = 1.0
            lam[others, j] = cov[others, m] / phi[j, j]
        sd = np.sqrt(np.diag(phi))
        corr = np.clip(
            cov[np.ix_(self.marker, self.marker)] / np.outer(np.sqrt(var[self.marker]), np.sqrt(var[self.marker])),
            -0.9,
            0.9,
        )
        np.fill_diagonal(corr, 1.0)
        while np.linalg.eigvalsh(corr)[0] < 0.05:
            corr = 0.8 * corr + 0.2 * np.eye(self.k)  # shrink towards uncorrelated until clearly PD
        phi = corr * np.outer(sd, sd)
        loading = lam[np.arange(self.p), self.factor]
        theta = np.maximum(var - loading**2 * np.diag(phi)[self.factor], 0.1 * var)
        return lam, phi, theta


def _discrepancy(model, samples, n_total):
    """Return the function x -> (Σ_g (N_g/N) F_g, gradient)."""
    weights = [n / n_total for _, _, n in samples]
    logdet_s = [np.linalg.slogdet(cov)[1] for cov, _, _ in samples]
    p = model.p

    def objective(x):
        value = 0.0
        grad = np.zeros_like(x)
        for g, (cov, mean, _) in enumerate(samples):
            lam, phi, theta, nu, alpha = model.matrices(x, g)
            sigma = lam @ phi @ lam.T + np.diag(theta)
            try:
                # Cholesky, not slogdet: two negative eigenvalues also give a positive determinant.
                chol = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return 1e10, np.zeros_like(x)
            logdet = 2.0 * np.sum(np.log(np.diag(chol)))
            inv = np.linalg.inv(sigma)
            resid = mean - (nu + lam @ alpha) if model.meanstructure else np.zeros(p)
            f = logdet + np.sum(cov * inv) - logdet_s[g] - p + resid @ inv @ resid
            value += weights[g] * f
            # dF = tr(W dΣ) + g_mu·dμ
            w = inv - inv @ (cov + np.outer(resid, resid)) @ inv
            g_mu = -2.0 * inv @ resid
            idx = model.groups[g]
            g_lam = 2.0 * w @ lam @ phi + np.outer(g_mu, alpha)
            np.add.at(grad, idx["lam"], weights[g] * g_lam[model.free_rows, model.factor[model.free_rows]])
            g_phi = lam.T @ w @ lam
            g_phi = 2.0 * g_phi - np.diag(np.diag(g_phi))
            np.add.at(grad, idx["phi"], weights[g] * g_phi[model.tril])
            np.add.at(grad, idx["theta"], weights[g] * np.diag(w))
            if idx["nu"] is not None:
                np.add.at(grad, idx["nu"], weights[g] * g_mu)
            if idx["alpha"] is not None:
                np.add.at(grad, idx["alpha"], weights[g] * (lam.T @ g_mu))
        return value, grad

    return objective


def _sample(data):
    data = np.asarray(data, dtype=float)
    if data.ndim != 2:
        raise ValueError("data must be a respondents × items matrix")
    if np.isnan(data).any():
        raise ValueError("data must hold complete cases only (no NaN)")
    n, p = data.shape
    if n == 0:
        return np.zeros((p, p)), np.zeros(p), 0
    mean = data.mean(axis=0)
    centred = data - mean
    return centred.T @ centred / n, mean, n


def _check_sample(cov, n, n_free_per_group, label=""):
    p = cov.shape[0]
    where = f" ({label})" if label else ""
    if n <= p or n < n_free_per_group:
        raise TooFewCasesError(
            f"Too few complete cases{where}: {n} for {p} items and {n_free_per_group} free "
            f"parameters; the model needs more than {max(p, n_free_per_group - 1)}."
        )
    eigen = np.linalg.eigvalsh(cov)
    if eigen[0] <= 1e-10 * max(eigen[-1], 1e-300):
        raise NotPositiveDefiniteError(
            f"The items' covariance matrix{where} is not positive definite: an item is constant "
            "or a linear combination of others."
        )


def _estimate(model, samples):
    n_total = sum(n for _, _, n in samples)
    objective = _discrepancy(model, samples, n_total)
    result = optimize.minimize(
        objective,
        model.start(samples),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 20000, "maxfun": 40000, "ftol": 1e-12, "gtol": 1e-7, "maxcor": 30},
    )
    x = _newton_polish(objective, result.x)
    value, grad = objective(x)
    if not np.isfinite(value) or value >= 1e10 or np.max(np.abs(grad)) > GRADIENT_TOLERANCE:
        raise NotConvergedError(
            "The model did not converge: the likelihood has no clear maximum for these data "
            "(too few cases, or items that do not fit the themes)."
        )
    return x, n_total * value


def _newton_polish(objective, x, iterations=30):
    """Newton steps from where L-BFGS-B stopped, with the Hessian from differences of the
    analytic gradient: L-BFGS-B alone often stops (line search) with gradients near 1e-5."""
    value, grad = objective(x)
    for _ in range(iterations):
        if np.max(np.abs(grad)) < 1e-10:
            break
        steps = 1e-6 * np.maximum(1.0, np.abs(x))
        hessian = np.empty((len(x), len(x)))
        for i, h in enumerate(steps):
            shift = np.zeros_like(x)
            shift[i] = h
            hessian[i] = (objective(x + shift)[1] - objective(x - shift)[1]) / (2 * h)
        hessian = (hessian + hessian.T) / 2
        try:
            step = np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            break
        for scale in (1.0, 0.5, 0.25, 0.125):
            candidate = x - scale * step
            new_value, new_grad = objective(candidate)
            if new_value <= value + 1e-15 and np.max(np.abs(new_grad)) < np.max(np.abs(grad)):
                x, value, grad = candidate, new_value, new_grad
                break
        else:
            break
    return x


# --------------------------------------------------------------------------------------------
# Fit measures
# --------------------------------------------------------------------------------------------


def _rmsea(chisq, df, n, groups):
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(chisq / n / df - 1.0 / n, 0.0)) * np.sqrt(groups))


def _rmsea_ci(chisq, df, n, groups, level=0.90):
    """lavaan's ``lav_fit_rmsea_ci``: the noncentrality λ with P(χ²(df, λ) ≤ X²) = 0.95 / 0.05."""
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        return sps.chi2.cdf(chisq, df) if lam == 0 else sps.ncx2.cdf(chisq, df, lam)

    def to_rmsea(lam):
        return float(np.sqrt(lam / (n * df)) * np.sqrt(groups))

    if df < 1 or cdf(0) - upper_p < 0:
        lower = 0.0
    else:
        lower = to_rmsea(optimize.brentq(lambda lam: cdf(lam) - upper_p, 0, chisq, xtol=1e-12))
    top = max(n, 4 * chisq)
    if df < 1 or cdf(top) - lower_p > 0 or cdf(0) - lower_p < 0:
        upper = 0.0
    else:
        upper = to_rmsea(optimize.brentq(lambda lam: cdf(lam) - lower_p, 0, top, xtol=1e-12))
    return lower, upper


def _srmr(model, x, samples, n_total):
    """Bentler's SRMR per group (with the means under a mean structure), weighted by N_g/N."""
    p = model.p
    total = 0.0
    rows, cols = np.tril_indices(p)
    for g, (cov, mean, n) in enumerate(samples):
        sigma, mu = model.implied(x, g)
        sd = np.sqrt(np.diag(cov))
        resid = ((cov - sigma) / np.outer(sd, sd))[rows, cols]
        squares = list(resid**2)
        if model.meanstructure:
            squares += list(((mean - mu) / sd) ** 2)
        total += n / n_total * np.sqrt(np.mean(squares))
    return float(total)


def _baseline(samples):
    """χ² and df of the independence model: diagonal Σ = diag(S), means free, per group."""
    chisq = sum(n * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1]) for cov, _, n in samples)
    p = samples[0][0].shape[0]
    return float(chisq), len(samples) * p * (p - 1) // 2


def _fit(model, x, chisq, samples):
    n_total = sum(n for _, _, n in samples)
    groups = len(samples)
    moments = model.p * (model.p + 1) // 2 + (model.p if model.meanstructure else 0)
    df = groups * moments - model.n_free
    chisq = max(float(chisq), 0.0)
    base_chisq, base_df = _baseline(samples)
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base_chisq - base_df, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1.0 - t1 / t2
    tli = (base_chisq / base_df - chisq / df) / (base_chisq / base_df - 1.0) if df > 0 else 1.0
    lower, upper = _rmsea_ci(chisq, df, n_total, groups)
    return Fit(
        n=n_total,
        chisq=chisq,
        df=int(df),
        pvalue=float(sps.chi2.sf(chisq, df)) if df > 0 else float("nan"),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=_rmsea(chisq, df, n_total, groups),
        rmsea_ci_lower=lower,
        rmsea_ci_upper=upper,
        srmr=_srmr(model, x, samples, n_total),
        baseline_chisq=base_chisq,
        baseline_df=base_df,
    )


def _prepare(model, samples, labels):
    moments = model.p * (model.p + 1) // 2 + (model.p if model.meanstructure else 0)
    if len(samples) * moments - model.n_free < 0:
        raise NotIdentifiedError(
            f"The model is not identified: {model.n_free} free parameters for "
            f"{len(samples) * moments} variances, covariances and means."
        )
    per_group = -(-model.n_free // len(samples))
    for (cov, _, n), label in zip(samples, labels, strict=True):
        _check_sample(cov, n, per_group, label)


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def fit_cfa(data, items, item_themes):
    """Fit the correlated-factors CFA (one factor per theme) to complete cases.

    Parameters
    ----------
    data : array_like, shape (n, p)
        Answers of ``n`` respondents to ``p`` items, reverse-coded, no NaN.
    items : sequence of str
        The item codes, in the order of the columns.
    item_themes : sequence of str
        The theme of each item; each theme becomes one factor (first item = marker, loading 1).

    Returns
    -------
    CFAResult

    Raises
    ------
    NotIdentifiedError, TooFewCasesError, NotPositiveDefiniteError, NotConvergedError,
    ImproperSolutionError (a negative residual or factor variance at the maximum)

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(300, 2)) @ np.array([[1, 0.4], [0, 0.9]])
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(scale=0.6, size=(300, 6))
    >>> result = fit_cfa(x, list("abcdef"), ["A"] * 3 + ["B"] * 3)
    >>> result.fit.df
    8
    """
    items = tuple(items)
    item_themes = tuple(item_themes)
    if len(items) != len(item_themes) or np.shape(data)[1:] != (len(items),):
        raise ValueError("items and item_themes must name each column of data once")
    model = _Model(item_themes, 1, meanstructure=False, equal_loadings=False, equal_intercepts=False)
    samples = [_sample(data)]
    _prepare(model, samples, [""])
    x, chisq = _estimate(model, samples)
    lam, phi, theta, _, _ = model.matrices(x, 0)
    negative = [items[i] for i in np.flatnonzero(theta < 0)]
    negative += [f"theme {model.themes[j]}" for j in np.flatnonzero(np.diag(phi) <= 0)]
    if negative:
        # lavaan warns and prints them; a negative variance makes std.all and omega meaningless.
        error = ImproperSolutionError(
            "The best fit has a negative variance (a Heywood case) for "
            + ", ".join(negative)
            + ": the model does not describe these data; look at that item's wording and theme."
        )
        error.where = negative  # the items (and "theme T" factors) named, for translated messages
        raise error
    sigma, _ = model.implied(x, 0)
    loadings = lam[np.arange(model.p), model.factor]
    std = loadings * np.sqrt(np.diag(phi)[model.factor]) / np.sqrt(np.diag(sigma))
    omega = {}
    for j, theme in enumerate(model.themes):
        members = model.factor == j
        common = loadings[members].sum() ** 2 * phi[j, j]
        omega[theme] = float(common / (common + theta[members].sum()))
    sd = np.sqrt(np.diag(phi))
    corr = phi / np.outer(sd, sd)
    correlations = {
        f"{model.themes[a]}|{model.themes[b]}": float(corr[a, b]) for a in range(model.k) for b in range(a + 1, model.k)
    }
    return CFAResult(
        items=items,
        themes=tuple(model.themes),
        item_themes=item_themes,
        fit=_fit(model, x, chisq, samples),
        loadings=loadings,
        std_loadings=std,
        residual_variances=theta,
        factor_covariance=phi,
        omega=omega,
        factor_correlations=correlations,
    )


def fit_multigroup(data, item_themes, groups, group_order, step):
    """Fit one invariance step of the multi-group CFA (lavaan ``group = …, group.equal = …``).

    ``step`` is "configural" (all free, intercepts free, latent means 0), "metric" (loadings
    equal) or "scalar" (loadings and intercepts equal; latent means free beyond the first
    group of ``group_order``). Returns the :class:`Fit`.
    """
    if step not in INVARIANCE_STEPS:
        raise ValueError(f"step must be one of {INVARIANCE_STEPS}")
    data = np.asarray(data, dtype=float)
    groups = np.asarray(groups)
    model = _Model(
        item_themes,
        len(group_order),
        meanstructure=True,
        equal_loadings=step in ("metric", "scalar"),
        equal_intercepts=step == "scalar",
    )
    samples = [_sample(data[groups == label]) for label in group_order]
    _prepare(model, samples, [str(label) for label in group_order])
    x, chisq = _estimate(model, samples)
    return _fit(model, x, chisq, samples)


def invariance(data, item_themes, groups, group_order):
    """Configural, metric and scalar invariance across ``group_order`` (e.g. Biz, IT).

    Each step after the first carries Δχ², Δdf, the p of Δχ² on Δdf and ΔCFI (this step's
    CFI minus the previous one's; a drop of more than .01 is the usual sign of non-invariance).
    """
    steps = []
    previous = None
    for step in INVARIANCE_STEPS:
        fit = fit_multigroup(data, item_themes, groups, group_order, step)
        if previous is None:
            steps.append(InvarianceStep(step, fit, None, None, None, None))
        else:
            d_chisq = fit.chisq - previous.chisq
            d_df = fit.df - previous.df
            steps.append(
                InvarianceStep(
                    step,
                    fit,
                    float(d_chisq),
                    int(d_df),
                    float(sps.chi2.sf(max(d_chisq, 0.0), d_df)),
                    float(fit.cfi - previous.cfi),
                )
            )
        previous = fit
    return steps
