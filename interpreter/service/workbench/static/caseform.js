// The case form, generated from the measure's facts: one input per fact, records as groups, lists with add/remove.
import { t, pick } from "./i18n.js";

/** Split `a.b[0].c` into ["a", "b", 0, "c"]. */
export function segments(path) {
  return path.split(/\.|(?=\[)/).map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
}

/** The value at `path` in `facts`, or undefined. */
export function getAt(facts, path) {
  let value = facts;
  for (const s of segments(path)) { if (value == null) return undefined; value = value[s]; }
  return value;
}

/** Set (or, for undefined, remove) the value at `path`, creating records on the way. */
export function setAt(facts, path, value) {
  const parts = segments(path);
  let holder = facts;
  for (let i = 0; i < parts.length - 1; i++) {
    if (holder[parts[i]] == null) holder[parts[i]] = typeof parts[i + 1] === "number" ? [] : {};
    holder = holder[parts[i]];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) { if (Array.isArray(holder)) holder[last] = null; else delete holder[last]; }
  else holder[last] = value;
}

let counter = 0;

/** Render the form for `facts` (declarations) into `root`, reading and writing `model.facts`; `changed()` after each edit. */
export function renderForm(root, declarations, model, changed) {
  root.replaceChildren(...declarations.map((fact) => field(fact, fact.name, model, changed, () =>
    renderForm(root, declarations, model, changed))));
}

function field(fact, path, model, changed, rerender) {
  if (fact.type === "record") return record(fact, path, model, changed, rerender);
  if (fact.type === "list") return list(fact, path, model, changed, rerender);
  const wrap = el("div", { class: "field", "data-for": path });
  const id = `f${++counter}`;
  const label = el("label", { for: id }, pick(fact.label) || fact.name);
  const input = control(fact, id, path);
  const value = getAt(model.facts, path);
  if (input.tagName === "SELECT") input.value = value === true ? "yes" : value === false ? "no" : value ?? "";
  else input.value = value ?? "";
  const update = () => {
    setAt(model.facts, path, read(fact, input.value));
    changed(path);
  };
  input.addEventListener(input.tagName === "SELECT" ? "change" : "input", update);
  wrap.append(label, input);
  if (fact.question) {
    const hint = el("small", { id: `${id}-q` }, pick(fact.question));
    input.setAttribute("aria-describedby", `${id}-q`);
    wrap.append(hint);
  }
  return wrap;
}

function control(fact, id, path) {
  const common = { id, "data-path": path, name: path };
  if (fact.type === "bool" || fact.type === "enum") {
    const select = el("select", common);
    const choices = fact.type === "bool" ? [["yes", t("yes")], ["no", t("no")]] : fact.values.map((v) => [v, v]);
    select.append(el("option", { value: "" }, t("unset")), ...choices.map(([v, text]) => el("option", { value: v }, text)));
    return select;
  }
  if (fact.type === "date") return el("input", { ...common, type: "date" });
  const hints = { money: "decimal", percent: "decimal", number: "decimal" };
  const input = el("input", { ...common, type: "text", inputmode: hints[fact.type] || "text", autocomplete: "off" });
  const examples = { money: "1000.00", percent: "30%", number: "12", duration: `3 ${fact.unit || ""}`.trim() };
  if (examples[fact.type]) input.placeholder = examples[fact.type];
  if (fact.pattern) input.setAttribute("pattern", fact.pattern);
  return input;
}

function read(fact, text) {
  if (text === "") return undefined;
  if (fact.type === "bool") return text === "yes";
  return text; // money, percentages and numbers stay text: the server reads them exactly, never as floats
}

function record(fact, path, model, changed, rerender) {
  const box = el("fieldset", { class: "record", "data-for": path });
  box.append(el("legend", {}, pick(fact.label) || fact.name));
  if (fact.question) box.append(el("p", { class: "question" }, pick(fact.question)));
  for (const sub of fact.fields) box.append(field(sub, `${path}.${sub.name}`, model, changed, rerender));
  return box;
}

function list(fact, path, model, changed, rerender) {
  const box = el("fieldset", { class: "list", "data-for": path });
  const title = pick(fact.label) || fact.name;
  box.append(el("legend", {}, title));
  if (fact.question) box.append(el("p", { class: "question" }, pick(fact.question)));
  // A list of records declares its fields on the list itself; a list of values declares its item.
  const item = fact.items ?? { type: "record", fields: fact.fields || [] };
  const items = getAt(model.facts, path);
  const state = el("p", { class: "list-state" }, Array.isArray(items) ? (items.length ? "" : t("empty-list")) : t("not-given"));
  box.append(state);
  (items || []).forEach((_, i) => {
    const itemPath = `${path}[${i}]`;
    const itemBox = el("div", { class: "item", role: "group", "aria-label": `${title} ${i + 1}` });
    if (item.type === "record") {
      for (const sub of item.fields) itemBox.append(field(sub, `${itemPath}.${sub.name}`, model, changed, rerender));
    } else {
      itemBox.append(field({ ...item, label: item.label || fact.label }, itemPath, model, changed, rerender));
    }
    const remove = el("button", { type: "button", "data-action": "remove", "aria-label": `${t("remove")}: ${title} ${i + 1}` }, t("remove"));
    remove.addEventListener("click", () => { getAt(model.facts, path).splice(i, 1); rerender(); changed(path); });
    itemBox.append(remove);
    box.append(itemBox);
  });
  const add = el("button", { type: "button", "data-action": "add", "data-list": path, "aria-label": `${t("add")}: ${title}` }, t("add"));
  add.addEventListener("click", () => {
    const now = getAt(model.facts, path);
    const fresh = item.type === "record" ? {} : null;
    if (Array.isArray(now)) now.push(fresh); else setAt(model.facts, path, [fresh]);
    rerender(); changed(path);
    const inputs = document.querySelectorAll(`[data-path^="${path}[${getAt(model.facts, path).length - 1}]"]`);
    if (inputs.length) inputs[0].focus();
  });
  const none = el("button", { type: "button", "data-action": "empty", "data-list": path, "aria-label": `${t("empty-list")}: ${title}` }, t("empty-list"));
  none.addEventListener("click", () => { setAt(model.facts, path, []); rerender(); changed(path); });
  box.append(el("div", { class: "toolbar" }, add, none));
  return box;
}

/** Mark the facts the decision still needs (and those with errors); clear earlier marks. */
export function markNeeded(root, missing, errorPaths) {
  for (const node of root.querySelectorAll(".needed, .invalid")) node.classList.remove("needed", "invalid");
  for (const node of root.querySelectorAll(".badge")) node.remove();
  for (const path of missing) {
    const node = root.querySelector(`[data-for="${CSS.escape(path)}"]`);
    if (!node) continue;
    node.classList.add("needed");
    const badge = el("span", { class: "badge" }, t("still-needed"));
    const head = node.querySelector(":scope > label, :scope > legend");
    (head || node).append(" ", badge);
  }
  for (const path of errorPaths) {
    const node = root.querySelector(`[data-for="${CSS.escape(path)}"]`);
    if (node) node.classList.add("invalid");
  }
}

/** The label of the fact at `path` as the form shows it (for naming open facts). */
export function labelOf(root, path) {
  const node = root.querySelector(`[data-for="${CSS.escape(path)}"]`);
  const head = node?.querySelector(":scope > label, :scope > legend");
  if (!head) return path;
  return [...head.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
}

/** The case as the text of a YAML case file. */
export function toYaml(facts, on) {
  const lines = [];
  if (on) lines.push(`on: ${on}`);
  lines.push("facts:" + (Object.keys(facts).length ? "" : " {}"));
  emit(facts, 1, lines);
  return lines.join("\n") + "\n";
}

function emit(value, depth, lines) {
  const pad = "  ".repeat(depth);
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      lines.push(`${pad}${key}:` + (Object.keys(v).length ? "" : " {}"));
      emit(v, depth + 1, lines);
    } else if (Array.isArray(v)) {
      lines.push(`${pad}${key}:` + (v.length ? "" : " []"));
      for (const item of v) {
        if (item !== null && typeof item === "object") {
          const inner = [];
          emit(item, depth + 1, inner);
          if (!inner.length) { lines.push(`${pad}- {}`); continue; }
          lines.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
        } else lines.push(`${pad}- ${scalar(item)}`);
      }
    } else lines.push(`${pad}${key}: ${scalar(v)}`);
  }
}

function scalar(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "yes" : "no";
  const text = String(v);
  // Plain only when YAML reads it back as the same text, a number or a date; anything else in quotes.
  if (/^[A-Za-z][\w.-]*$/.test(text) && !/^(yes|no|true|false|on|off|null|y|n)$/i.test(text)) return text;
  if (/^-?\d+%?$/.test(text) || /^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  return JSON.stringify(text);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
export { el };
