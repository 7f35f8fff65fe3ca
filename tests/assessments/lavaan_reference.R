# Reference figures from R's lavaan for tests/assessments/test_cfa.py.
# Usage: Rscript lavaan_reference.R DATA.csv MODEL.lav
# DATA.csv: one column per item and a column `side`; MODEL.lav: lavaan syntax (F =~ a + b ...).
# Prints one `name value` line per figure (Debian's r-cran-lavaan brings no jsonlite).
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
model <- paste(readLines(args[2]), collapse = "\n")
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df")
emit <- function(name, value) cat(name, format(value, digits = 15), "\n")

fit <- cfa(model, data = data)
for (m in measures) emit(paste0("single.", m), fitMeasures(fit, m))
std <- standardizedSolution(fit)
est <- parameterEstimates(fit)
for (i in which(std$op == "=~")) emit(paste0("std.", std$rhs[i]), std$est.std[i])
for (i in which(std$op == "~~" & std$lhs != std$rhs & std$lhs %in% lavNames(fit, "lv")))
  emit(paste0("cor.", std$lhs[i], "|", std$rhs[i]), std$est.std[i])
for (f in lavNames(fit, "lv")) {
  items <- est$rhs[est$op == "=~" & est$lhs == f]
  lambda <- sum(est$est[est$op == "=~" & est$lhs == f])
  psi <- est$est[est$op == "~~" & est$lhs == f & est$rhs == f]
  theta <- sum(est$est[est$op == "~~" & est$lhs %in% items & est$lhs == est$rhs])
  emit(paste0("omega.", f), lambda^2 * psi / (lambda^2 * psi + theta))
}

steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
for (step in names(steps)) {
  mg <- cfa(model, data = data, group = "side", group.label = c("biz", "it"),
            group.equal = steps[[step]])
  for (m in measures) emit(paste0(step, ".", m), fitMeasures(mg, m))
}
