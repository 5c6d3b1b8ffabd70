"""The types of the language; every expression has one, inferred before any case runs."""
from __future__ import annotations
from . import records



@records.record(frozen=True)
class Type:
    """A type. `tag` drives operator dispatch; enums compare as text, durations by unit."""

    kind: str
    unit: str | None = None
    values: tuple[str, ...] | None = None
    fields: tuple[tuple[str, "Type"], ...] | None = None
    element: "Type | None" = None

    @property
    def tag(self) -> str:
        """The operator-table key: the kind, with durations split by unit."""
        if self.kind == "duration":
            return self.unit or "days"
        return self.kind

    def field(self, name: str) -> "Type | None":
        """The type of record field `name`, or None."""
        return dict(self.fields or ()).get(name)

    def __str__(self) -> str:
        if self.kind == "duration":
            return f"duration in {self.unit}"
        if self.kind == "enum":
            return "enum [" + ", ".join(self.values or ()) + "]"
        if self.kind == "list":
            return f"list of {self.element}" if self.element else "list"
        if self.kind == "record":
            return "record {" + ", ".join(name for name, _ in self.fields or ()) + "}"
        return self.kind


BOOL = Type("bool")
NUMBER = Type("number")
MONEY = Type("money")
PERCENT = Type("percent")
DATE = Type("date")
DAYS = Type("duration", unit="days")
MONTHS = Type("duration", unit="months")
TEXT = Type("text")
#: The type of an expression that already has an error: accepted everywhere to avoid cascades.
ERROR = Type("error")

BY_TAG = {"bool": BOOL, "number": NUMBER, "money": MONEY, "percent": PERCENT, "date": DATE,
          "days": DAYS, "months": MONTHS, "text": TEXT}

ORDERED_TAGS = frozenset({"number", "money", "percent", "date", "days", "months"})


def enum(values) -> Type:
    """An enum type over `values`."""
    return Type("enum", values=tuple(values))


def record(fields: dict[str, Type]) -> Type:
    """A record type with the given fields."""
    return Type("record", fields=tuple(fields.items()))


def list_of(element: Type | None) -> Type:
    """A list type."""
    return Type("list", element=element)


def comparable(a: Type, b: Type) -> bool:
    """Whether `=` between the two types is meaningful."""
    if ERROR in (a, b):
        return True
    texty = {"text", "enum"}
    if a.kind in texty and b.kind in texty:
        return True
    if a.kind == "list" and b.kind == "list":
        return a.element is None or b.element is None or comparable(a.element, b.element)
    return a.tag == b.tag and a.kind not in ("record",)


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two branches, or None when they have none."""
    if a == ERROR:
        return b
    if b == ERROR or a == b:
        return a
    if a.kind == "enum" and b.kind == "enum":
        return enum(dict.fromkeys((a.values or ()) + (b.values or ())))
    if {a.kind, b.kind} == {"enum", "text"}:
        return TEXT
    if a.kind == "list" and b.kind == "list":
        if a.element is None:
            return b
        if b.element is None:
            return a
        element = unify(a.element, b.element)
        return list_of(element) if element else None
    return None
