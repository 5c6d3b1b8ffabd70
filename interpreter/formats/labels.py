"""The labels a person reads instead of identifiers: rules, deadlines, values and facts of a measure."""
from __future__ import annotations

from rulerun.dsl.measure import Fact, Measure


class Labels:
    """Identifier → label for a compiled measure's rules, deadlines, values, parameters and facts."""

    def __init__(self, compiled) -> None:
        self.names: dict[str, dict] = {}
        self.facts: dict[str, Fact] = {}
        for name, rule in compiled.program.rules.items():
            self.names[name] = rule.label
        for part in [*compiled.deadlines, *compiled.values]:
            self.names[part.id] = part.label
        pending = [(compiled.measure, "")]
        while pending:  # the measure and the files it imports, each fact by its path with and without the alias
            measure, prefix = pending.pop()
            for fact in measure.facts.values():
                self._fact(fact, fact.name, prefix)
            for name, parameter in measure.parameters.items():
                self.names.setdefault(prefix + name, parameter.label.as_dict())
            pending += [(used, f"{prefix}{alias}.") for alias, used in measure.uses.items()]

    def _fact(self, fact: Fact, path: str, prefix: str) -> None:
        pending = [(fact, path)]
        while pending:
            current, where = pending.pop()
            self.facts.setdefault(where, current)
            if prefix:
                self.facts.setdefault(prefix + where, current)
            pending += [(f, f"{where}.{name}") for name, f in current.fields.items()]
            if current.item is not None:
                pending += [(f, f"{where}.{name}") for name, f in current.item.fields.items()]

    def known(self, name: str) -> bool:
        """Whether `name` is a rule, deadline, value, parameter or fact of the measure."""
        return name in self.names or name in self.facts

    def of(self, name: str, lang: str) -> str:
        """The label of a rule, deadline, value or fact; the identifier itself when it has none."""
        if name in self.names:
            return self.names[name].get(lang, name)
        fact = self.facts.get(name)
        return fact.label.get(lang) if fact is not None else name

    def question(self, name: str, lang: str) -> str | None:
        """The question that asks for a fact, when the measure gives one."""
        fact = self.facts.get(name)
        return fact.question.get(lang) if fact is not None and fact.question is not None else None
