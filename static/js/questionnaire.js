// A theme page sent back with statements unanswered: the focus goes to the error box, so a
// screen reader or keyboard user starts there, and its link moves the focus to the first
// statement left unanswered (its first answer), not only the scroll position.
document.addEventListener("DOMContentLoaded", () => {
  const errors = document.getElementById("form-errors");
  if (!errors) {
    return;
  }
  errors.focus();
  errors.querySelectorAll("a[data-focus-target]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(link.dataset.focusTarget);
      if (target) {
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      }
    });
  });
});
