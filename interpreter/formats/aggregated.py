"""An aggregate in the trace, for the reader: which items of the list counted, and why."""
from __future__ import annotations

from rulerun.dsl.printable import printable

from ..engine.trace import AggregateRead, ItemRead
from ..engine.values import Unknown, to_json

#: Fields that name an item, the first one an item has being shown for it (else its place, `#n`).
IDENTIFYING = ("naam", "name", "id", "omschrijving", "beschrijving", "description", "label", "titel", "title")

_WORDS = {
    "en": {"counted": "{n} of {total} counted", "line": "line", "left_out": "not selected", "not_needed": "{n} more not needed",
           "yes": "yes", "no": "no"},
    "nl": {"counted": "{n} van {total} geteld", "line": "regel", "left_out": "niet geselecteerd", "not_needed": "nog {n} niet nodig",
           "yes": "ja", "no": "nee"},
}


def identify(read: AggregateRead, item: ItemRead) -> str:
    """How the report names an item: its identifying field's value, else `#n`."""
    if isinstance(item.item, dict):
        for key in IDENTIFYING:
            value = item.item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return printable(str(value))
    return f"#{item.number}"


def counted(read: AggregateRead, item: ItemRead) -> bool | None:
    """Whether the item counted: passed the filter (and, for any/all, met the condition); None when unknown."""
    state = item.kept if read.func not in ("any", "all") or item.kept is False else (
        item.value if item.kept is True else Unknown(()))
    return state if state is True or state is False else None


def heading(read: AggregateRead, lang: str) -> str:
    """`sum over boekjaren (b), line 141: 1 of 2 counted` (the line in the rule's own file)."""
    n = sum(1 for item in read.items if counted(read, item) is True)
    total = len(read.items) + read.not_needed
    line = read.location.rpartition(":")[2]
    return printable(f"{read.func} over {read.over} ({read.var}), {_WORDS[lang]['line']} {line}: "
                     + _WORDS[lang]["counted"].format(n=n, total=total))


def item_lines(read: AggregateRead, lang: str, shown) -> list[tuple[bool | None | str, str]]:
    """Per item: whether it counted, and a line naming it with the fields read and its value.

    A last line with the state "not_needed" counts the items that `any` or `all` did not need to read.

    `shown(value, tag)` writes a value as the report shows it (localised or not).
    """
    words = _WORDS[lang]
    out: list[tuple[bool | None | str, str]] = []
    for item in read.items:
        parts = []
        for name, tag in read.fields:
            if name in IDENTIFYING:
                continue
            value = item.item if name == read.var else (item.item.get(name) if isinstance(item.item, dict) else None)
            parts.append(f"{name} = {'?' if value is None else shown(value, tag)}")
        text = identify(read, item) + (": " + ", ".join(parts) if parts else "")
        if item.kept is False:
            text += f" ({words['left_out']})"
        elif read.func != "count" and item.value is not None:
            text += " → " + _value(item.value, read.tag, lang, shown)
        out.append((counted(read, item), printable(text)))
    if read.not_needed:
        out.append(("not_needed", words["not_needed"].format(n=read.not_needed)))
    return out


def _value(value, tag: str, lang: str, shown) -> str:
    if type(value) is Unknown:
        return "?"
    if value is True or value is False:
        return _WORDS[lang]["yes" if value else "no"]
    return shown(value, tag)


def aggregate_json(read: AggregateRead) -> dict:
    """The aggregate as JSON: function, list, variable, where, and per item whether it counted and why."""
    return {
        "function": read.func, "over": read.over, "variable": read.var, "location": read.location,
        "items": [{"number": item.number, "name": _name(read, item),
                   "counted": counted(read, item), "selected": None if type(item.kept) is Unknown else item.kept,
                   "value": None if item.value is None else to_json(item.value, read.tag),
                   "fields": {name: to_json(item.item if name == read.var else
                                            (item.item.get(name) if isinstance(item.item, dict) else None), tag)
                              for name, tag in read.fields}}
                  for item in read.items],
        "not_needed": read.not_needed,
    }


def _name(read: AggregateRead, item: ItemRead) -> str | None:
    name = identify(read, item)
    return None if name == f"#{item.number}" else name
