"""`rulerun ask` on a terminal or a pipe: one question at a time until the decision is settled."""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from rulerun.dsl.errors import Diagnostic, InputOutputError, UsageError, render
from rulerun.dsl.measure import Fact

from ..formats.facts import from_text
from ..formats.records import RecordProblem
from ..formats.scalars import Refused, read_yes_no
from .intake import Intake, Question, plain
from ..formats.streams import failure

SKIP = "?"
#: The number of an enum value in the list shown: ASCII digits only (`²` and `٣` are digits to `str.isdigit`).
_CHOICE = re.compile(r"[0-9]{1,4}")
#: Most characters in one answer: no fact's value needs more, and a longer line is never held whole.
MAX_ANSWER = 10_000

_WORDS = {
    "en": {"bool": "yes/no", "enum": "a number or a value", "date": "a date, YYYY-MM-DD",
           "money": "an amount in euro, e.g. 1250.50", "number": "a number, e.g. 12.5",
           "percent": "a percentage, e.g. 30%", "text": "text", "duration": "e.g. 14 {unit}",
           "skip": "? if you do not know", "optional": "empty to leave out",
           "add_first": "Is there one to add?", "add_more": "Add another?",
           "needed": "an answer is needed; type ? if you do not know",
           "utf8": "the answer is not UTF-8 text; type it again",
           "long": "the answer is longer than {n} characters; type a shorter one",
           "settled": "Settled after {n} answer(s).",
           "stuck": "The decision stays undetermined without: {names}.",
           "eof": "end of input: the intake stopped after {n} answer(s), before the decision was settled",
           "interrupted": "interrupted: the intake stopped after {n} answer(s), before the decision was settled",
           "saved": "Case saved to {path}; rerun it with `rulerun explain {measure} {path}`."},
    "nl": {"bool": "ja/nee", "enum": "een nummer of een waarde", "date": "een datum, JJJJ-MM-DD",
           "money": "een bedrag in euro, bv. 1250.50", "number": "een getal, bv. 12.5",
           "percent": "een percentage, bv. 30%", "text": "tekst", "duration": "bv. 14 {unit}",
           "skip": "? als u het niet weet", "optional": "leeg om weg te laten",
           "add_first": "Is er een om toe te voegen?", "add_more": "Nog een toevoegen?",
           "needed": "een antwoord is nodig; typ ? als u het niet weet",
           "utf8": "het antwoord is geen UTF-8-tekst; typ het opnieuw",
           "long": "het antwoord is langer dan {n} tekens; typ een korter antwoord",
           "settled": "Beslist na {n} antwoord(en).",
           "stuck": "De beslissing blijft onbepaald zonder: {names}.",
           "eof": "einde van de invoer: de intake stopte na {n} antwoord(en), voor de beslissing vaststond",
           "interrupted": "onderbroken: de intake stopte na {n} antwoord(en), voor de beslissing vaststond",
           "saved": "Case bewaard in {path}; herbereken met `rulerun explain {measure} {path}`."},
}


class Skipped(Exception):
    """The person answered `?`: they do not know."""


class _TooLong(Exception):
    """An answer over MAX_ANSWER characters, refused without being held whole."""


@dataclass
class Terminal:
    """Reads answers and writes questions; `tty` decides whether typed answers are echoed back."""

    lang: str
    tty: bool

    def line(self, prompt: str) -> str:
        """One answer, asked again while it is not readable text."""
        while True:
            try:
                text = self._read(prompt)
                text.encode("utf-8")
                return text
            except UnicodeError:  # bytes that are not UTF-8, undecodable or carried as lone surrogates
                self.say(f"    ✗ {_WORDS[self.lang]['utf8']}")
            except _TooLong:
                self.say(f"    ✗ {_WORDS[self.lang]['long'].format(n=MAX_ANSWER)}")

    def _read(self, prompt: str) -> str:
        if self.tty:
            text = input(prompt)  # a terminal bounds what one typed line can hold
            if len(text) > MAX_ANSWER:
                raise _TooLong
            return text
        click.echo(prompt, nl=False)
        text = sys.stdin.readline(MAX_ANSWER + 1)
        if text == "":
            click.echo()
            raise EOFError
        if len(text) > MAX_ANSWER and not text.endswith("\n"):
            while (rest := sys.stdin.readline(1 << 16)) and not rest.endswith("\n"):
                pass  # the rest of the line is read a piece at a time and dropped, never echoed
            click.echo()
            raise _TooLong
        text = text.rstrip("\r\n")
        try:
            text.encode("utf-8")  # bytes that are not UTF-8 arrive as lone surrogates: refuse before echoing
        except UnicodeError:
            click.echo()
            raise
        click.echo(text)  # a piped answer is shown, so that the transcript reads as a dialogue
        return text

    def say(self, text: str = "") -> None:
        click.echo(text)


def run(intake: Intake, measure_ref: str, lang: str, save: Path | None, title: str, trace: bool = True) -> int:
    """Ask until the decision is settled, print the explanation; the exit code."""
    from ..formats import render
    from ..formats.labels import Labels
    from ..formats.sources import Sources
    words = _WORDS[lang]
    term = Terminal(lang, sys.stdin.isatty())
    if not term.tty and hasattr(sys.stdin, "reconfigure"):  # the text stream, possibly guarded
        # A piped line that is not UTF-8 is then refused on its own, and the lines after it are kept.
        sys.stdin.reconfigure(errors="surrogateescape")
    try:
        while (question := intake.next_question()) is not None:
            try:
                value = _ask(term, question, intake)
            except Skipped:
                intake.skip(question)
                continue
            # The answer passed the case-file check, but the measure may still not compute with it
            # (a date whose deadline falls after 9999-12-31): then it is refused and asked again.
            for d in intake.answer(question, value):
                term.say(f"    ✗ {d.message}" + (f"\n      hint: {d.hint}" if d.hint else ""))
    except (EOFError, KeyboardInterrupt) as stop:
        term.say()
        click.echo(words["eof" if isinstance(stop, EOFError) else "interrupted"].format(n=intake.asked), err=True)
        saved = _save(intake, save, measure_ref, words, title)
        return InputOutputError.exit_code if not saved else 1 if isinstance(stop, EOFError) else 130
    term.say()
    decision = intake.evaluate(trace=trace)
    if decision.missing:
        term.say(words["stuck"].format(names=", ".join(decision.missing)))
    else:
        term.say(words["settled"].format(n=intake.asked))
    term.say()
    click.echo(render.to_text(decision, title, lang, sources=Sources(intake.measure.measure),
                               labels=Labels(intake.measure)), nl=False)
    return 0 if _save(intake, save, measure_ref, words, title) else InputOutputError.exit_code


def check_save(path: Path) -> None:
    """Refuse a `--save` path that cannot be written before the first question, so no answer is lost."""
    folder = path.parent
    problem = (f"the folder `{folder}` does not exist" if not folder.is_dir()
               else f"`{path}` is a folder" if path.is_dir()
               else "the file cannot be written" if path.exists() and not os.access(path, os.W_OK)
               else f"the folder `{folder}` cannot be written" if not os.access(folder, os.W_OK | os.X_OK)
               else None)
    if problem:
        raise UsageError(Diagnostic(f"cannot save the answers to `{path}`: {problem}",
                                    hint="give --save a file in a folder you can write to"))


def _save(intake: Intake, save: Path | None, measure_ref: str, words: dict, title: str) -> bool:
    """Write the facts collected to `save`; when that fails, show them on standard output instead."""
    if save is None:
        return True
    import yaml
    data = {"name": intake.name or f"{title} (rulerun ask)", "on": intake.on, "facts": plain(intake.facts)}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        save.write_text(text, encoding="utf-8")
    except OSError as error:
        problem = failure(f"`{save}`", error).diagnostics[0]
        click.echo(render(Diagnostic(problem.message, hint="the answers follow on standard output: "
                                                          "save them as a case file to keep them")), err=True)
        click.echo(text, nl=False)
        return False
    click.echo(words["saved"].format(path=save, measure=measure_ref), err=True)
    return True


def _ask(term: Terminal, question: Question, intake: Intake):
    """One question, asked again until the answer is valid; the answer in case form."""
    lang = term.lang
    heading = question.heading(lang)
    term.say()
    term.say(f"[{intake.asked + 1}] " + (f"{heading}: " if heading else "") + question.label.get(lang))
    if question.text is not question.label:
        term.say(f"    {question.text.get(lang)}")
    if question.kind == "list":
        return _ask_list(term, question, intake)
    if question.kind == "record":
        return {name: _ask_value(term, sub, f"    {sub.label.get(lang)}", question, intake, (name,))
                for name, sub in question.fact.fields.items()}
    return _ask_value(term, question.fact, "", question, intake, ())


def _ask_list(term: Terminal, question: Question, intake: Intake) -> list:
    words = _WORDS[term.lang]
    fact = question.fact
    items: list = []
    while True:
        more = _ask_bool(term, words["add_more" if items else "add_first"], skippable=not items)
        if not more:
            return items
        if fact.item is not None:
            items.append(_ask_value(term, fact.item, f"    {len(items) + 1}.", question, intake, (len(items),)))
            continue
        item = {}
        for name, field in fact.fields.items():
            value = _ask_value(term, field, f"    {len(items) + 1}. {field.label.get(term.lang)}", question, intake,
                               (len(items), name), optional=field.optional)
            if value is not None:
                item[name] = value
        items.append(item)


def _ask_bool(term: Terminal, prompt: str, skippable: bool) -> bool:
    words = _WORDS[term.lang]
    hint = words["bool"] + (f"; {words['skip']}" if skippable else "")
    while True:
        text = term.line(f"    {prompt} ({hint}) > ").strip().lower()
        if text == SKIP and skippable:
            raise Skipped
        try:
            return read_yes_no(text)
        except Refused:
            pass
        term.say(f"    ✗ {words['bool']}")


def _ask_value(term: Terminal, fact: Fact, prompt: str, question: Question, intake: Intake, below: tuple,
               optional: bool = False):
    """Ask one scalar until valid; validation and messages are those of case files."""
    words = _WORDS[term.lang]
    if fact.type.kind == "enum":
        for i, value in enumerate(fact.type.values or (), 1):
            term.say(f"    {i}. {value}")
    hint = words.get(fact.type.kind, "").format(unit=fact.type.unit or "")
    extra = words["optional"] if optional else None if below else words["skip"]
    label = f"{prompt} " if prompt else "    "
    while True:
        text = term.line(f"{label}({hint}{'; ' + extra if extra else ''}) > ").strip()
        if text == SKIP and not below:
            raise Skipped
        if text == "":
            if optional:
                return None
            term.say(f"    ✗ {words['needed']}")
            continue
        try:
            raw = _raw(fact, text)
        except RecordProblem as problem:  # a list begun as JSON but broken: say where, ask again
            term.say(f"    ✗ {problem}")
            continue
        sub = Question(question.path + below, fact, fact.label, fact.label)
        form, problems = intake.check(sub, raw)
        if not problems:
            return form
        for d in problems:
            term.say(f"    ✗ {d.message}" + (f"\n      hint: {d.hint}" if d.hint else ""))


def _raw(fact: Fact, text: str):
    """The typed text as a case file would give it, so that the case-file reader judges it."""
    kind = fact.type.kind
    if kind == "enum":
        values = fact.type.values or ()
        if _CHOICE.fullmatch(text) and 1 <= int(text) <= len(values):
            return values[int(text) - 1]
    return from_text(fact, text)

