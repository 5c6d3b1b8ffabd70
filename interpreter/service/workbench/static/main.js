// The workbench page: choose a measure, edit it, try a case, run the cases, see the impact of the edit.
import { getJson, send, debounce, latest, ProblemError } from "./api.js";
import { setLanguage, language, t, pick } from "./i18n.js";
import { createEditor } from "./editor.js";
import { renderForm, markNeeded, toYaml } from "./caseform.js";
import { showDiagnostics, showDecision, showCaseErrors, showCases, showImpact } from "./panels.js";

const $ = (id) => document.getElementById(id);
const state = {
  measures: [], id: null, detail: null, saved: "", hash: null, editable: false,
  checkOk: true, diagnostics: null, model: { facts: {} }, on: "", bundled: [], view: "form",
};

const editor = createEditor($("editor"), () => edited());

function status(text) { $("status").textContent = text; }

async function start() {
  const saved = localStorage.getItem("rulerun-workbench-lang");
  const lang = new URLSearchParams(location.search).get("lang") || saved || "en";
  $("lang").value = lang === "nl" ? "nl" : "en";
  setLanguage($("lang").value);
  $("lang").addEventListener("change", () => {
    setLanguage($("lang").value);
    localStorage.setItem("rulerun-workbench-lang", $("lang").value);
    showMeasures(); redrawForm(); tryCase(); refreshEditorState();
    if (state.id) refreshNames(draftText() ?? "");
    if (state.diagnostics) showDiagnostics($("diagnostics"), state.diagnostics, (line) => editor.goTo(line));
  });
  state.editable = (await getJson("/workbench/settings")).edit;
  state.measures = await getJson("/workbench/measures");
  showMeasures();
  wire();
  const wanted = new URLSearchParams(location.search).get("measure");
  if (wanted) await choose(wanted);
}

function showMeasures() {
  $("measures").replaceChildren(...state.measures.map((m) => {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.measure = m.id;
    if (m.id === state.id) button.setAttribute("aria-current", "true");
    button.append(pick(m.title) || m.id);
    const window = m.window ? `${m.window.from ?? "…"} – ${m.window.until ?? "…"}` : "";
    const cases = m.cases ? `${m.cases.passed} ${t("passed")}, ${m.cases.failed} ${t("failed")}` : m.status;
    const info = document.createElement("small");
    info.textContent = [window, cases].filter(Boolean).join(" · ");
    button.append(info);
    button.addEventListener("click", () => choose(m.id));
    const li = document.createElement("li");
    li.className = m.cases?.failed ? "failing" : "";
    li.append(button);
    return li;
  }));
}

async function choose(id) {
  status(t("loading"));
  state.id = id;
  const [detail, source, bundled] = await Promise.all([
    getJson(`/measures/${id}`), getJson(`/workbench/measures/${id}/source`), getJson(`/workbench/measures/${id}/cases`)]);
  state.detail = detail; state.saved = source.text; state.hash = source.hash; state.editable = source.editable;
  state.bundled = bundled;
  $("file-name").textContent = source.file;
  editor.load(source.text);
  await refreshNames();
  state.model = { facts: {} };
  $("case-on").value = "";
  $("bundled").replaceChildren(new Option(t("choose"), ""), ...bundled.filter((b) => b.case).map((b) => new Option(b.name || b.file, b.file)));
  redrawForm();
  showMeasures();
  $("case-results").replaceChildren(); $("coverage").replaceChildren(); $("cases-summary").textContent = "";
  refreshEditorState();
  status("");
  document.body.dataset.measure = id;
}

// The names completed in the editor (facts, rules, parameters, built-in functions), with their labels in the
// page's language; those of the edited text once it checks clean, so a rule just added is offered too.
const namesOf = latest(async (text) => send(`/workbench/measures/${state.id}/names`, text));
async function refreshNames(text = "") {
  let list;
  try { list = await namesOf(text); } catch (error) { if (error instanceof ProblemError) return; throw error; }
  if (list) editor.setNames(list.map((n) => ({ ...n, detail: pick(n.detail) })));
}

function redrawForm() {
  if (!state.detail) return;
  renderForm($("facts"), state.detail.facts, state.model, () => factsChanged());
  $("case-yaml").value = toYaml(state.model.facts, $("case-on").value);
}

function factsChanged() {
  $("case-yaml").value = toYaml(state.model.facts, $("case-on").value);
  tryCaseSoon();
}

// Editing: check as the analyst types (debounced), then decide and show the impact with the edited text.
function edited() {
  refreshEditorState();
  checkSoon();
}

function refreshEditorState() {
  const dirty = editor.text() !== state.saved;
  $("save").disabled = !state.editable || !dirty;
  $("save-state").textContent = !state.editable ? t("read-only") : dirty ? t("unsaved") : "";
}

const check = latest(async (text) => send("/check", text));
const checkSoon = debounce(async () => {
  const text = editor.text();
  const result = await check(text);
  if (!result || text !== editor.text()) return;
  editor.show(result.diagnostics);
  showDiagnostics($("diagnostics"), result.diagnostics, (line) => editor.goTo(line));
  state.diagnostics = result.diagnostics;
  state.checkOk = result.errors === 0;
  document.body.dataset.checked = String(result.errors);
  if (state.checkOk) refreshNames(text === state.saved ? "" : text);
  tryCase();
  impactSoon();
}, 300);

function draftText() {
  const text = editor.text();
  return text !== state.saved && state.checkOk ? text : null;
}

const decide = latest(async (body) => {
  try { return { answer: await send(`/workbench/measures/${state.id}/try?lang=${language()}`, body) }; }
  catch (error) { if (error instanceof ProblemError) return { problem: error }; throw error; }
});

async function tryCase(fromYaml = false) {
  if (!state.id) return;
  const on = $("case-on").value || undefined;
  const measure = draftText();
  const body = fromYaml ? { case_yaml: $("case-yaml").value, measure } : { case: { facts: prune(state.model.facts), on }, measure };
  const result = await decide(body);
  if (!result) return;
  const form = $("facts");
  if (result.problem) {
    showCaseErrors($("case-errors"), result.problem.errors);
    markNeeded(form, [], result.problem.errors.map((e) => (e.message.match(/^fact `([^`]+)`/) || [])[1]).filter(Boolean));
    $("outcome").textContent = t("problem"); $("outcome").dataset.eligible = "error";
    return;
  }
  $("case-errors").replaceChildren();
  if (fromYaml) {
    state.model = { facts: result.answer.case.facts };
    $("case-on").value = result.answer.case.on || "";
    renderForm(form, state.detail.facts, state.model, () => factsChanged());
  }
  const whence = measure !== null ? "with-draft" : editor.text() !== state.saved ? "with-saved-errors" : "with-saved";
  showDecision(result.answer, form, whence);
  markNeeded(form, result.answer.decision.missing, []);
  document.body.dataset.decided = String(Number(document.body.dataset.decided || 0) + 1);
}
const tryCaseSoon = debounce(() => tryCase(), 250);
const tryYamlSoon = debounce(() => tryCase(true), 400);

function prune(facts) {
  // A record none of whose facts is given is left out: its facts are then open, as in a case file without it.
  const out = {};
  for (const [k, v] of Object.entries(facts)) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const inner = prune(v);
      if (Object.keys(inner).length) out[k] = inner;
    } else if (v !== undefined) out[k] = v;
  }
  return out;
}

const impactSoon = debounce(async () => {
  const root = $("impact");
  const text = editor.text();
  if (text === state.saved) return showImpact(root, "no-edit");
  if (!state.checkOk) return showImpact(root, "edit-errors");
  try {
    const result = await send(`/workbench/measures/${state.id}/impact`, text);
    if (text === editor.text()) showImpact(root, "ready", result);
  } catch (error) {
    if (error instanceof ProblemError) showImpact(root, "edit-errors"); else throw error;
  }
}, 600);

async function runCases() {
  $("cases-summary").textContent = t("running");
  const text = editor.text();
  try {
    const result = await send(`/workbench/measures/${state.id}/test?lang=${language()}`, text === state.saved || !state.checkOk ? "" : text);
    showCases(result, (line) => editor.goTo(line));
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    $("cases-summary").textContent = `${t("problem")}: ${error.message}`;
  }
}

async function save() {
  const text = editor.text();
  try {
    // Checked now, not by the last debounced check: the text may have changed since.
    const { errors } = await send("/check", text);
    if (errors && !window.confirm(t("confirm-save-errors").replace("{count}", errorCount(errors)))) return;
    const result = await send(`/workbench/measures/${state.id}/source`, text, "PUT", { "If-Match": `"${state.hash}"` });
    state.saved = text; state.hash = result.hash;
    refreshEditorState();
    const said = result.reloaded ? t("saved") : t(result.status === "unavailable" ? "saved-not-served" : "saved-not-reloaded");
    $("save-state").textContent = said.replace("{count}", errorCount(result.errors));
    impactSoon();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    $("save-state").textContent = `${error.message} — ${error.errors[0]?.hint || ""}`;
  }
}

function errorCount(n) { return `${n} ${t(n === 1 ? "error" : "errors")}`; }

function wire() {
  $("save").addEventListener("click", save);
  $("run-cases").addEventListener("click", runCases);
  $("case-on").addEventListener("input", factsChanged);
  $("case-yaml").addEventListener("input", () => tryYamlSoon());
  $("bundled").addEventListener("change", () => {
    const chosen = state.bundled.find((b) => b.file === $("bundled").value);
    if (!chosen) return;
    state.model = { facts: structuredClone(chosen.case.facts) };
    $("case-on").value = chosen.case.on || "";
    redrawForm(); tryCase();
  });
  $("clear-case").addEventListener("click", () => { state.model = { facts: {} }; $("case-on").value = ""; redrawForm(); tryCase(); });
  $("download").addEventListener("click", () => {
    const blob = new Blob([toYaml(state.model.facts, $("case-on").value)], { type: "application/yaml" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${state.id || "case"}-case.yaml`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
  });
  tabs([["tab-form", "case-form"], ["tab-yaml", "case-yaml-panel"]], (id) => {
    if (id === "tab-yaml") $("case-yaml").value = toYaml(state.model.facts, $("case-on").value);
  });
  tabs([["tab-applicant", "explain-applicant"], ["tab-analyst", "explain-analyst"]]);
}

function tabs(pairs, onShow = () => {}) {
  for (const [tabId, panelId] of pairs) {
    $(tabId).addEventListener("click", () => {
      for (const [other, otherPanel] of pairs) {
        $(other).setAttribute("aria-selected", String(other === tabId));
        $(otherPanel).hidden = other !== tabId;
      }
      onShow(tabId);
    });
  }
}

start().catch((error) => status(`${t("problem")}: ${error.message}`));
