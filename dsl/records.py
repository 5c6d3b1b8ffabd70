"""Classes of plain data, as `dataclasses.dataclass` makes them, built without compiling source at every start."""
from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, field
from typing import Any, Callable, TypeVar, dataclass_transform

__all__ = ["field", "field_names", "record", "replace"]

_Class = TypeVar("_Class", bound=type)
_Record = TypeVar("_Record")


@dataclass_transform(field_specifiers=(field,))
def record(cls: _Class | None = None, /, *, frozen: bool = False, slots: bool = False,
           eq: bool = True) -> Any:
    """The class with the fields it annotates, in order: `__init__`, `__repr__`, `__eq__` (and `__hash__`) by value.

    As `dataclass(frozen=…, slots=…, eq=…)` for what this package uses (defaults, `field(default_factory=…)`,
    `__post_init__`):
    `dataclass` writes each class's methods as source and compiles them, about a millisecond a class, which
    every start of the command line paid for some fifty classes.
    """
    def make(cls: _Class) -> _Class:
        return _made(cls, frozen, slots, eq)
    return make if cls is None else make(cls)


def _made(cls: _Class, frozen: bool, slots: bool, eq: bool) -> _Class:
    names = tuple(cls.__dict__.get("__annotations__", {}))
    defaults: dict[str, object] = {}
    factories: dict[str, Callable[[], object]] = {}
    removed: list[str] = []
    for name in names:
        if name not in cls.__dict__:
            continue
        given = cls.__dict__[name]
        if isinstance(given, Field):
            if given.default_factory is not MISSING:
                factories[name] = given.default_factory
                removed.append(name)
                continue
            given = given.default
            setattr(cls, name, given)
        defaults[name] = given
        if slots:
            removed.append(name)  # a slot and a class attribute cannot share a name
    first_optional = next((i for i, n in enumerate(names) if n in defaults or n in factories), len(names))
    if any(n not in defaults and n not in factories for n in names[first_optional:]):
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
    after = getattr(cls, "__post_init__", None)
    methods: dict[str, object] = {"__init__": _initialiser(names, defaults, factories, after), "__repr__": _repr,
                                  "__match_args__": names, "_record_fields": names}
    if eq:
        methods.update(__eq__=_eq, __hash__=_hash if frozen else None)
    if frozen:
        methods.update(__setattr__=_frozen, __delattr__=_frozen)
    if slots:
        methods.update(__reduce__=_reduce)
    methods = {k: v for k, v in methods.items() if k not in cls.__dict__}  # what the class writes itself stays
    if not slots:  # the class itself, as `dataclass` does: methods that call super() keep their class
        for name in removed:
            delattr(cls, name)
        for name, value in methods.items():
            setattr(cls, name, value)
        return cls
    namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__", *removed)}
    namespace.update(methods, __slots__=names)
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made  # type: ignore[return-value]


def field_names(value: object) -> tuple[str, ...] | None:
    """The fields of a record, in order; None for anything else."""
    return getattr(type(value), "_record_fields", None)


def replace(value: _Record, **changes: object) -> _Record:
    """A copy of the record `value` with the fields in `changes` changed, as `dataclasses.replace` makes it."""
    names = field_names(value)
    if names is None or not changes.keys() <= set(names):
        raise TypeError(f"cannot replace {sorted(changes)} of {type(value).__name__}")
    return type(value)(*(changes[name] if name in changes else getattr(value, name) for name in names))


def _initialiser(names: tuple[str, ...], defaults: dict[str, object], factories: dict[str, Callable[[], object]],
                 after: Callable[[Any], None] | None) -> Callable[..., None]:
    count = len(names)
    setter = object.__setattr__

    def __init__(self, *args: object, **named: object) -> None:
        if len(args) == count and not named:  # the common case, kept short
            for name, value in zip(names, args):
                setter(self, name, value)
            if after is not None:
                after(self)
            return
        if len(args) > count:
            raise TypeError(f"{type(self).__name__}() takes {count} arguments, not {len(args)}")
        values = dict(zip(names, args))
        for name, value in named.items():
            if name not in names or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument `{name}`")
            values[name] = value
        for name in names:
            if name in values:
                setter(self, name, values[name])
            elif name in defaults:
                setter(self, name, defaults[name])
            elif name in factories:
                setter(self, name, factories[name]())
            else:
                raise TypeError(f"{type(self).__name__}() missing argument `{name}`")
        if after is not None:
            after(self)  # as dataclasses calls __post_init__
    return __init__


def _values(self: Any) -> tuple:
    return tuple(getattr(self, name) for name in self._record_fields)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash((self.__class__, _values(self)))  # nodes of two kinds with the same fields should not collide


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_fields)
    return f"{type(self).__qualname__}({shown})"


def _frozen(self: Any, name: str, *value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _reduce(self: Any) -> tuple:
    return _rebuilt, (type(self), _values(self))


def _rebuilt(cls: type, values: tuple) -> object:
    """An unpickled record: its fields set straight (the cache holds thousands of spans and nodes)."""
    made: Any = object.__new__(cls)
    for name, value in zip(getattr(cls, "__slots__"), values):
        object.__setattr__(made, name, value)
    return made
