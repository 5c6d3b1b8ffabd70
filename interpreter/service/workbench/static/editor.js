// The measure editor: CodeMirror 6 with YAML highlighting, the server's diagnostics inline, and name completion.
import {
  EditorState, EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  defaultKeymap, history, historyKeymap, indentWithTab, syntaxHighlighting, defaultHighlightStyle, indentOnInput,
  bracketMatching, yaml, lintGutter, setDiagnostics, autocompletion, completionKeymap, searchKeymap,
  highlightSelectionMatches,
} from "./vendor/codemirror.js";

/** An editor in `parent`; `onChange(text)` is called on every edit of the document. */
export function createEditor(parent, onChange) {
  let names = [];
  const complete = (context) => {
    const word = context.matchBefore(/[A-Za-z_][\w.]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return { from: word.from, options: names, validFor: /^[\w.]*$/ };
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: "",
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), bracketMatching(), highlightActiveLine(),
        highlightSelectionMatches(), yaml(), lintGutter(), autocompletion({ override: [complete] }),
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...completionKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": "Measure YAML", "aria-describedby": "diagnostics-heading" }),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(view.state.doc.toString()); }),
        EditorView.editable.of(true),
      ],
    }),
  });
  return {
    view,
    /** The editor's text. */
    text: () => view.state.doc.toString(),
    /** Replace the whole text (a newly chosen measure); not an edit of the analyst's. */
    load(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
    },
    /** Show diagnostics as the server gives them (1-based line/column, end exclusive) inline. */
    show(diagnostics) {
      const doc = view.state.doc;
      const marks = [];
      for (const d of diagnostics) {
        if (!d.line || d.line > doc.lines) continue;
        const from = offset(doc, d.line, d.column);
        let to = d.end_line ? offset(doc, d.end_line, d.end_column) : from;
        if (to <= from) to = Math.min(doc.line(d.line).to, from + 1);
        marks.push({ from, to, severity: d.severity === "warning" ? "warning" : "error",
                     message: d.hint ? `${d.message}\n${d.hint}` : d.message });
      }
      view.dispatch(setDiagnostics(view.state, marks));
    },
    /** Put the cursor at the start of `line` and bring it into view. */
    goTo(line) {
      const target = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)));
      view.dispatch({ selection: { anchor: target.from }, effects: EditorView.scrollIntoView(target.from, { y: "center" }) });
      view.focus();
    },
    /** The names offered inside expressions: facts, rules, parameters, built-in functions. */
    setNames(list) { names = list; },
  };
}

function offset(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max((column || 1) - 1, 0), l.to);
}

