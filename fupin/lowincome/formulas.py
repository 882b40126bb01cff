"""A safe evaluator for the parameters' formulas (`2 * dibao_rural * 12`): parsed with `ast`, only numbers,
parameter names, + − * / and parentheses are allowed — no calls, attributes, subscripts or comparisons, and
nothing is ever handed to `eval`. Arithmetic is in Decimal, so 1.5 × 5460 is 8190 to the fen."""

import ast
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed

MAX_LENGTH = 200
_OPERATORS = {ast.Add: Decimal.__add__, ast.Sub: Decimal.__sub__, ast.Mult: Decimal.__mul__,
              ast.Div: Decimal.__truediv__}


def _refuse(formula: str, message, **params):
    raise ValidationFailed(message, field="formula", formula=formula, **params)


def parse(formula: str) -> ast.Expression:
    """The formula's tree, refused (with why, in the user's language) unless it is plain arithmetic."""
    if not formula.strip():
        _refuse(formula, _("The formula is empty."))
    if len(formula) > MAX_LENGTH:
        _refuse(formula, _("The formula “%(formula)s” is longer than %(max)s characters."), max=MAX_LENGTH)
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError:
        _refuse(formula, _("The formula “%(formula)s” is not arithmetic over parameter names."))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                _refuse(formula, _("The formula “%(formula)s” may hold only numbers and parameter names."))
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                _refuse(formula, _("The formula “%(formula)s” may use only + − * / and parentheses."))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                _refuse(formula, _("The formula “%(formula)s” may use only + − * / and parentheses."))
        elif not isinstance(node, ast.Expression | ast.Name | ast.Load | ast.operator | ast.unaryop):
            _refuse(formula, _("The formula “%(formula)s” may use only + − * / and parentheses."))
    return tree


def names(formula: str) -> list[str]:
    """The parameter names the formula reads, in order of first use."""
    return list(dict.fromkeys(node.id for node in ast.walk(parse(formula)) if isinstance(node, ast.Name)))


def evaluate(formula: str, value_of: Callable[[str], Decimal]) -> Decimal:
    """The formula's value; `value_of(name)` gives a parameter's value (and refuses an unknown one)."""

    def walk(node) -> Decimal:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return value_of(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        left, right = walk(node.left), walk(node.right)
        if isinstance(node.op, ast.Div) and right == 0:
            _refuse(formula, _("The formula “%(formula)s” divides by zero."))
        try:
            return _OPERATORS[type(node.op)](left, right)
        except InvalidOperation:
            _refuse(formula, _("The formula “%(formula)s” does not give a number."))

    return walk(parse(formula))
