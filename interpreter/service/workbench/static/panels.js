// What the page shows back: diagnostics, the decision, the cases with coverage by source, the impact of an edit.
import { t, pick } from "./i18n.js";
import { el, labelOf } from "./caseform.js";

/** The diagnostics list: each at its line and column, with its hint; a click puts the cursor there. */
export function showDiagnostics(list, diagnostics, goTo) {
  if (!diagnostics.length) { list.replaceChildren(el("li", { class: "ok" }, t("no-problems"))); return; }
  list.replaceChildren(...diagnostics.map((d) => {
    const where = d.line ? `${t("line")} ${d.line}, ${t("column")} ${d.column}` : d.file || "";
    const item = el("li", { class: d.severity, "data-line": d.line ?? "" });
    const jump = el("button", { type: "button", class: "link" }, where);
    if (d.line) jump.addEventListener("click", () => goTo(d.line)); else jump.disabled = true;
    item.append(jump, ": ", el("span", { class: "message" }, d.message));
    if (d.hint) item.append(el("div", { class: "hint" }, d.hint));
    return item;
  }));
}

/** The decision's outcome, the open facts by their labels, and both explanations. */
export function showDecision(answer, form, whence) {
  const d = answer.decision;
  const outcome = document.getElementById("outcome");
  const words = { yes: t("eligible"), no: t("not-eligible"), undetermined: t("undetermined") };
  outcome.className = `outcome ${d.eligible}`;
  outcome.dataset.eligible = d.eligible;
  outcome.textContent = words[d.eligible] || d.eligible;
  if (d.amount != null) outcome.append(" — ", el("span", { class: "amount" }, `€ ${d.amount}`));
  document.getElementById("decided-with").textContent = t(whence);
  const needed = document.getElementById("still-needed");
  needed.replaceChildren();
  if (d.missing.length) {
    needed.append(el("h3", {}, t("needed-heading")), el("ul", {}, ...d.missing.map((path) =>
      el("li", { "data-needed": path }, `${labelOf(form, path)} (${path})`))));
  }
  if (d.failed_conditions?.length) {
    needed.append(el("h3", {}, t("failed-conditions")), el("ul", {}, ...d.failed_conditions.map((c) =>
      el("li", {}, `${pick(c.label)} (${c.id})`))));
  }
  document.getElementById("explain-applicant").srcdoc = answer.applicant;
  document.getElementById("explain-analyst").srcdoc = answer.analyst;
}

/** The case's mistakes (from a 422 problem): message, and the hint. */
export function showCaseErrors(list, errors) {
  list.replaceChildren(...errors.map((e) => el("li", {}, e.message, e.hint ? el("div", { class: "hint" }, e.hint) : "")));
}

/** The outcome of every bundled case, and the coverage grouped by legal source. */
export function showCases(result, goTo) {
  document.getElementById("cases-summary").textContent =
    `${result.passed} ${t("passed")}, ${result.failed} ${t("failed")}`;
  const table = el("table", { class: "cases" });
  table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("case")), el("th", { scope: "col" }, "✓"),
    el("th", { scope: "col" }, `${t("expected")} / ${t("actual")}`))));
  const body = el("tbody");
  const failedFirst = [...result.cases].sort((a, b) => a.passed - b.passed);
  for (const c of failedFirst) {
    const detail = c.error ? el("pre", {}, c.error)
      : el("ul", {}, ...c.differences.map((d) => el("li", {}, `${d.key}: ${t("expected")} ${d.expected}, ${t("actual")} ${d.actual}`)));
    body.append(el("tr", { class: c.passed ? "pass" : "fail", "data-case": c.file },
      el("td", {}, c.name || c.file), el("td", {}, c.passed ? t("passed") : t("failed")), el("td", {}, detail)));
  }
  table.append(body);
  document.getElementById("case-results").replaceChildren(result.cases.length ? table : el("p", {}, t("no-cases")));
  showCoverage(result.coverage, goTo);
}

function showCoverage(coverage, goTo) {
  const root = document.getElementById("coverage");
  const totals = el("ul", { class: "totals" }, ...Object.entries(coverage.totals).map(([k, v]) =>
    el("li", {}, `${k}: ${v.covered}/${v.total}`)));
  const groups = coverage.sources.map((g) => {
    const open = g.gaps.length > 0;
    const box = el("details", { class: open ? "source gaps" : "source", "data-source": g.ref });
    if (open) box.open = true;
    const head = el("summary", {}, el("strong", {}, g.ref), " ", g.title || "",
      ` — ${g.rules.filter((r) => r.evaluated).length}/${g.rules.length} ${t("rules")}`);
    box.append(head);
    if (g.url) box.append(el("p", {}, el("a", { href: g.url, target: "_blank", rel: "noopener noreferrer" }, `${t("open-source")}: ${g.url}`)));
    const rules = el("ul", { class: "rules" });
    for (const r of g.rules) {
      const name = el("button", { type: "button", class: "link", "data-rule": r.name }, r.name);
      if (r.line) name.addEventListener("click", () => goTo(r.line));
      else { name.disabled = true; name.title = `${t("other-file")} ${r.file}`; }
      rules.append(el("li", { class: r.evaluated ? "hit" : "miss" }, name, ` ${r.label}`,
        r.section ? el("span", { class: "quiet" }, ` (${r.section})`) : "",
        r.outcomes.length ? el("span", { class: "quiet" }, ` [${r.outcomes.join(", ")}]`) : "",
        r.file ? el("span", { class: "quiet" }, ` ${t("other-file")} ${r.file}`) : ""));
    }
    box.append(rules);
    if (g.gaps.length) box.append(el("h4", {}, t("gaps")), el("ul", { class: "gap-list" }, ...g.gaps.map((x) => el("li", {}, x.message))));
    else box.append(el("p", { class: "quiet" }, t("all-covered")));
    return box;
  });
  root.replaceChildren(el("p", {}, `${coverage.cases} ${t("cases_over")}`), totals, ...groups);
}

/** The impact of the unsaved edit: how many decisions change, the flips, the amounts, the largest changes. */
export function showImpact(root, state, result) {
  if (state !== "ready") { root.replaceChildren(el("p", {}, t(state))); return; }
  const lines = [el("p", { class: "impact-summary" }, `${result.changed} ${t("changed")} / ${result.cases} ${t("cases_over")}; `
    + `${t("total")}: € ${result.total_before} → € ${result.total_after}`)];
  for (const [flip, n] of Object.entries(result.flips)) lines.push(el("p", {}, `${flip}: ${n}`));
  if (result.changes.length) {
    const table = el("table", {}, el("thead", {}, el("tr", {}, ...["case", "eligible", "amount", "rules"].map((h) => el("th", { scope: "col" }, h)))));
    const body = el("tbody");
    for (const c of result.changes.slice(0, 50)) {
      body.append(el("tr", {}, el("td", {}, c.id), el("td", {}, c.eligible.join(" → ")),
        el("td", {}, c.amount.map((a) => (a == null ? "—" : `€ ${a}`)).join(" → ")),
        el("td", {}, c.rules.slice(0, 4).map((r) => `${r.rule}: ${r.before} → ${r.after}`).join("; "))));
    }
    table.append(body);
    lines.push(el("div", { class: "changes" }, table));
  }
  for (const e of result.errors) lines.push(el("p", { class: "error" }, `${e.id ?? e.line}: ${e.error}`));
  root.replaceChildren(...lines);
}
