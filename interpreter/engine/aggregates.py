"""Aggregates over lists: sum, count, min, max, any, all, with a bound variable and a filter.

An empty list sums to zero, counts 0, `any` is false and `all` is true; `min`/`max` of an
empty list take the `else` value, or are an evaluation error without one.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.exact import MAX_DIGITS

from . import ir
from .steps import Step, fail, item_path, zero_of
from .trace import AggregateRead, ItemRead
from .values import Unknown, exact_sum, unknown_of


def compile_aggregate(node: ir.Aggregate, compile: Callable[[ir.Node], Step]) -> Step:
    """The closure for one aggregate node, its parts compiled by `compile`."""
    source = compile(node.items)
    body = compile(node.body) if node.body is not None else None
    where = compile(node.where) if node.where is not None else None
    default = compile(node.default) if node.default is not None else None
    var, func, at = node.var, node.func, node.source
    zero = zero_of(node.tag) if func == "sum" else None
    # What the trace says about it, worked out once.
    over, location = at.source.span.text, f"{at.span.source.name}:{at.span.line}"
    body_tag = node.body.tag if node.body is not None else "bool"
    fields = _fields_read(node)
    list_path = _list_path(node.origin)

    def selected(env, items, seen: list | None = None):
        """Yield (value, certain) for each item passing the filter; Unknown filters are uncertain.

        With `seen`, each item read is recorded there for the trace, those the filter leaves out too.
        """
        saved, saved_item = env.vars.get(var, _ABSENT), env.items.get(var)
        path = list_path(env)
        try:
            for index, item in enumerate(items):
                number = index + 1
                env.vars[var] = item
                env.items[var] = (path, index)
                keep = True if where is None else where(env)
                if keep is False:
                    if seen is not None:
                        seen.append(ItemRead(number, item, False, None))
                    continue
                value = body(env) if body is not None else True
                if seen is not None:
                    seen.append(ItemRead(number, item, keep, value))
                yield value, keep
        finally:
            env.items[var] = saved_item
            if saved is _ABSENT:
                env.vars.pop(var, None)
            else:
                env.vars[var] = saved

    def unknown_item(env, items: Unknown) -> list:
        """What the body, filter and default miss beside the list itself: each read once for an unknown item.

        Whatever the list turns out to hold, these facts (a deadline the items are compared with)
        can change the result, so they are listed now. An error here is left to the known list.
        """
        saved = env.vars.get(var, _ABSENT)
        depth = env.depth
        env.vars[var] = items
        try:
            return [part(env) for part in (body, where, default) if part is not None]
        except EvaluationError:
            env.depth = depth
            return []
        finally:
            if saved is _ABSENT:
                env.vars.pop(var, None)
            else:
                env.vars[var] = saved

    def step(env):
        items = source(env)
        if type(items) is Unknown:
            return unknown_of(items, *unknown_item(env, items))
        frame = env.frame
        if frame is None or frame.inside:  # untraced, or inside another aggregate, which shows it
            return over_items(env, items, None)
        seen: list[ItemRead] = []
        frame.inside += 1
        try:
            value = over_items(env, items, seen)
        finally:
            frame.inside -= 1
        if items:  # an empty list has no items to show; the fact's line says it is empty
            frame.aggregates.append(AggregateRead(func, var, over, location, body_tag, fields, tuple(seen),
                                                  len(items) - len(seen)))
        return value

    def over_items(env, items, seen: list | None):
        pending = []
        if func in ("any", "all"):
            want = func == "any"
            for value, keep in selected(env, items, seen):
                if keep is True and value is want:
                    return want
                if keep is not True or type(value) is Unknown:
                    pending.append(unknown_of(keep, value))
            return unknown_of(*pending) if pending else (not want)
        if func == "count":
            total = 0
            for _, keep in selected(env, items, seen):
                if keep is True:
                    total += 1
                else:
                    pending.append(keep)
            return unknown_of(*pending) if pending else Decimal(total)
        values = []
        for value, keep in selected(env, items, seen):
            if keep is not True or type(value) is Unknown:
                pending.append(unknown_of(keep, value))
            else:
                values.append(value)
        if pending:
            return unknown_of(*pending)
        if func == "sum":
            try:
                return exact_sum(values, zero)
            except ArithmeticError:
                raise fail(at, f"the sum has more than {MAX_DIGITS} digits and cannot be held exactly") from None
        if not values:
            if default is None:
                raise fail(at, f"`{func}` of an empty list has no value",
                           f"give a value for that case: `{func}(… for each {var} in … else <value>)`")
            return default(env)
        return min(values) if func == "min" else max(values)
    return step


def _list_path(origin: ir.ListOrigin | None) -> Callable[[Any], str | None]:
    """Where the list is in the case (`aandeelhouders`), so that a field an item leaves out is named with the item."""
    if origin is None:
        return lambda env: None
    fact = origin.fact
    if fact is not None:
        return lambda env: fact
    var, suffix = origin.var or "", origin.suffix
    return lambda env: (lambda base: None if base is None else base + suffix)(item_path(env, var))


def _fields_read(node: ir.Aggregate) -> tuple[tuple[str, str], ...]:
    """The fields of the bound variable that the filter and body read, in the order written, with their types.

    When they read the variable itself (a list of plain values), its own name stands for the item.
    """
    found: dict[str, tuple[tuple[int, int], str]] = {}
    pending: list[ir.Node] = [n for n in (node.where, node.body) if n is not None]
    while pending:
        current = pending.pop()
        if isinstance(current, ir.Aggregate) and current.var == node.var:
            continue  # an inner aggregate that binds the same name: its fields are not this one's
        if isinstance(current, ir.LoopVar) and len(current.fields) <= 1 and current.name == node.var:
            name = current.fields[-1] if current.fields else current.name
            at = (current.source.span.line, current.source.span.column)
            if name not in found or at < found[name][0]:
                found[name] = (at, current.tag)
        pending.extend(ir.children(current))
    return tuple((name, kind) for name, (_, kind) in sorted(found.items(), key=lambda item: item[1][0]))


_ABSENT = object()
