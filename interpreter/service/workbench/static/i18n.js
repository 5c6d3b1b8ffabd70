// The page's own words in both languages; a measure's labels come from the measure itself.
const WORDS = {
  en: {
    skip: "Skip to the editor", workbench: "workbench", language: "Language", measures: "Measures",
    editor: "Measure", save: "Save", diagnostics: "Diagnostics", case: "Case", "load-case": "Load a bundled case",
    choose: "—", download: "Download as YAML", clear: "Clear", "as-form": "Form", "as-yaml": "YAML",
    "decide-on": "Decide on", "case-yaml": "The case as YAML", decision: "Decision", applicant: "Applicant",
    analyst: "Analyst", cases: "Cases and coverage", "run-cases": "Run the cases", coverage: "Coverage by legal source",
    impact: "Impact of the unsaved edit", yes: "yes", no: "no", unset: "— not given —", add: "Add",
    remove: "Remove", "empty-list": "None (empty list)", "not-given": "not given", "still-needed": "still needed",
    "needed-heading": "Still needed", eligible: "Eligible", "not-eligible": "Not eligible",
    undetermined: "Undetermined", amount: "amount", "no-problems": "No problems.", line: "line", column: "column",
    passed: "passed", failed: "failed", "no-edit": "No unsaved edit: the editor holds the saved version.",
    "edit-errors": "The edit has errors: fix them to see its impact.", changed: "decisions changed",
    "total": "total amount", "read-only": "Read-only: start the server with --edit to save.",
    saved: "Saved.", unsaved: "Unsaved changes.", "with-draft": "Decided with the edited text (unsaved).",
    "with-saved": "Decided with the saved version.", "with-saved-errors": "The edit has errors: decided with the saved version.",
    "failed-conditions": "Failed conditions", "other-file": "in", expected: "expected", actual: "got",
    cases_over: "cases", gaps: "Not exercised", "open-source": "open the source", rules: "rules",
    "no-cases": "This measure has no bundled cases.", loading: "Loading…", running: "Running…",
    "problem": "Problem", "all-covered": "every rule under this source is exercised",
    error: "error", errors: "errors",
    "token-heading": "This server needs a token",
    "token-why": "It was started with --token-file. Enter that token: this tab keeps it until you close it, and sends it with every request.",
    "token-refused": "The server refused that token; enter it again.", "token-label": "Token",
    "token-ok": "Use this token", "token-cancel": "Cancel",
    "confirm-save-errors": "The measure has {count}. Save it anyway? The server keeps answering with the saved "
      + "version before it until the errors are fixed.",
    "saved-not-reloaded": "Saved, but not reloaded: the file has {count}, so the server keeps answering with the version before it.",
    "saved-not-served": "Saved, but not served: the file has {count}, and no version of the measure answers.",
  },
  nl: {
    skip: "Naar de editor", workbench: "werkbank", language: "Taal", measures: "Maatregelen",
    editor: "Maatregel", save: "Bewaren", diagnostics: "Meldingen", case: "Casus", "load-case": "Voorbeeldcasus laden",
    choose: "—", download: "Downloaden als YAML", clear: "Wissen", "as-form": "Formulier", "as-yaml": "YAML",
    "decide-on": "Beslissen op", "case-yaml": "De casus als YAML", decision: "Beslissing", applicant: "Aanvrager",
    analyst: "Analist", cases: "Casussen en dekking", "run-cases": "Casussen uitvoeren",
    coverage: "Dekking per rechtsbron", impact: "Gevolgen van de niet-bewaarde wijziging", yes: "ja", no: "nee",
    unset: "— niet gegeven —", add: "Toevoegen", remove: "Verwijderen", "empty-list": "Geen (lege lijst)",
    "not-given": "niet gegeven", "still-needed": "nog nodig", "needed-heading": "Nog nodig",
    eligible: "Komt in aanmerking", "not-eligible": "Komt niet in aanmerking", undetermined: "Onbeslist",
    amount: "bedrag", "no-problems": "Geen problemen.", line: "regel", column: "kolom", passed: "geslaagd",
    failed: "mislukt", "no-edit": "Geen niet-bewaarde wijziging: de editor bevat de bewaarde versie.",
    "edit-errors": "De wijziging bevat fouten: los ze op om de gevolgen te zien.", changed: "beslissingen gewijzigd",
    total: "totaal bedrag", "read-only": "Alleen lezen: start de server met --edit om te bewaren.",
    saved: "Bewaard.", unsaved: "Niet-bewaarde wijzigingen.", "with-draft": "Beslist met de gewijzigde tekst (niet bewaard).",
    "with-saved": "Beslist met de bewaarde versie.", "with-saved-errors": "De wijziging bevat fouten: beslist met de bewaarde versie.",
    "failed-conditions": "Niet voldane voorwaarden", "other-file": "in", expected: "verwacht", actual: "gekregen",
    cases_over: "casussen", gaps: "Niet uitgetest", "open-source": "bron openen", rules: "regels",
    "no-cases": "Deze maatregel heeft geen voorbeeldcasussen.", loading: "Laden…", running: "Bezig…",
    problem: "Probleem", "all-covered": "elke regel onder deze bron wordt uitgetest",
    error: "fout", errors: "fouten",
    "token-heading": "Deze server vraagt een token",
    "token-why": "Hij werd gestart met --token-file. Geef dat token: dit tabblad bewaart het tot u het sluit, en stuurt het mee met elke vraag.",
    "token-refused": "De server weigerde dat token; geef het opnieuw.", "token-label": "Token",
    "token-ok": "Dit token gebruiken", "token-cancel": "Annuleren",
    "confirm-save-errors": "De maatregel bevat {count}. Toch bewaren? De server blijft antwoorden met de eerder "
      + "bewaarde versie tot de fouten opgelost zijn.",
    "saved-not-reloaded": "Bewaard, maar niet opnieuw geladen: het bestand bevat {count}, dus de server blijft antwoorden met de vorige versie.",
    "saved-not-served": "Bewaard, maar niet in gebruik: het bestand bevat {count}, en geen versie van de maatregel antwoordt.",
  },
};

let current = "en";

/** Set the page's language: its `lang` attribute and every element marked with data-t. */
export function setLanguage(lang) {
  current = lang;
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
}

/** The page's language. */
export function language() { return current; }

/** A word of the page in its language. */
export function t(key) { return WORDS[current][key] ?? WORDS.en[key] ?? key; }

/** A measure's text (`{nl, en}`) in the page's language. */
export function pick(text) {
  if (!text) return "";
  return text[current] ?? text.en ?? text.nl ?? "";
}
