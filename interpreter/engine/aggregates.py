"""Aggregates over lists: sum, count, min, max, any, all, with a bound variable and a filter.

An empty list sums to zero, counts 0, `any` is false and `all` is true; `min`/`max` of an
empty list take the `else` value, or are an evaluation error without one.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from rulerun.dsl import ast
from rulerun.dsl.errors import EvaluationError
from rulerun.dsl.exact import MAX_DIGITS

from .steps import Step, fail, zero_of
from .trace import AggregateRead, ItemRead
from .values import Unknown, exact_sum, unknown_of


def compile_aggregate(node: ast.Aggregate, compile: Callable[[ast.Expr], Step], tag: str,
                      tag_of: Callable[[ast.Expr], str] | None = None,
                      list_path: Callable[[object], str | None] = lambda env: None) -> Step:
    """The closure for one aggregate node of type `tag`, its parts compiled by `compile` (typed by `tag_of`).

    `list_path(env)` is where the list is in the case (`aandeelhouders`), so that a field an item
    leaves out is named with the item: `aandeelhouders[0].activiteit_sinds`.
    """
    source = compile(node.source)
    body = compile(node.body) if node.body is not None else None
    where = compile(node.where) if node.where is not None else None
    default = compile(node.default) if node.default is not None else None
    var, func = node.var, node.func
    zero = zero_of(tag) if func == "sum" else None
    # What the trace says about it, worked out once.
    over, location = node.source.span.text, f"{node.span.source.name}:{node.span.line}"
    body_tag = tag_of(node.body) if tag_of is not None and node.body is not None else "bool"
    fields = _fields_read(node, tag_of) if tag_of is not None else ()

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
                raise fail(node, f"the sum has more than {MAX_DIGITS} digits and cannot be held exactly") from None
        if not values:
            if default is None:
                raise fail(node, f"`{func}` of an empty list has no value",
                           f"give a value for that case: `{func}(… for each {var} in … else <value>)`")
            return default(env)
        return min(values) if func == "min" else max(values)
    return step


def _fields_read(node: ast.Aggregate, tag_of: Callable[[ast.Expr], str]) -> tuple[tuple[str, str], ...]:
    """The fields of the bound variable that the filter and body read, in the order written, with their types.

    When they read the variable itself (a list of plain values), its own name stands for the item.
    """
    found: dict[str, tuple[tuple[int, int], str]] = {}
    pending = [n for n in (node.where, node.body) if n is not None]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Aggregate) and current.var == node.var:
            continue  # an inner aggregate that binds the same name: its fields are not this one's
        if isinstance(current, ast.Name) and len(current.path) <= 2 and current.path[0] == node.var:
            name = current.path[-1]  # the variable's own name when the item is a plain value
            at = (current.span.line, current.span.column)
            if name not in found or at < found[name][0]:
                found[name] = (at, tag_of(current))
        pending.extend(ast.children(current))
    return tuple((name, kind) for name, (_, kind) in sorted(found.items(), key=lambda item: item[1][0]))


_ABSENT = object()
