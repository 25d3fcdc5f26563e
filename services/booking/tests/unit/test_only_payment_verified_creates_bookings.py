"""PaymentVerified is the only trigger for creating a booking.

Scans the package source: the ``bookings`` table is inserted into in exactly two places:
``SqlBookingRepository.add``, which only two functions call: ``payment_events._confirm``
(a one-time payment's booking) and ``cycles._book_session`` (a paid cycle's sessions), each
reached by one chain of callers only, ending at ``on_payment_verified``; and
``SqlBookingRepository.add_verified`` (the same rows for many one-time payments), called
only by ``payment_batch.on_payment_verified_batch``, the batch handler of PaymentVerified.
Any new insert path or caller makes this test fail. The database enforces the same rule
(tests/integration/test_booking_insert_guard.py). Restoring a session is an UPDATE.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import kairos_booking

PACKAGE = Path(kairos_booking.__file__).parent


def _sources() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(PACKAGE)): ast.parse(p.read_text(), str(p))
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
    }


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, str]:
    """Every node -> the qualified name of the function it sits in."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            here = name
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                here = f"{name}.{child.name}" if name else child.name
            owner[child] = here
            visit(child, here)

    visit(tree, "")
    return owner


def _names(node: ast.AST) -> str:
    return ast.unparse(node)


def _is_bookings_insert(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        # bookings.insert(), orm.bookings.insert()
        if isinstance(func, ast.Attribute) and func.attr == "insert":
            if _names(func.value).split(".")[-1] == "bookings":
                return True
        # insert(bookings) from sqlalchemy / the postgresql dialect
        if _names(func).split(".")[-1] == "insert" and node.args:
            return _names(node.args[0]).split(".")[-1] == "bookings"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = " ".join(node.value.lower().split())
        return "insert into bookings" in text
    return False


def _where(predicate: Callable[[ast.AST], bool]) -> set[tuple[str, str]]:
    found = set()
    for path, tree in _sources().items():
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if predicate(node):
                found.add((path, owner.get(node, "")))
    return found


def _calls(attr_chain: str) -> Callable[[ast.AST], bool]:
    def predicate(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _names(node.func).endswith(attr_chain)

    return predicate


def test_the_bookings_table_is_inserted_into_in_two_places() -> None:
    assert _where(_is_bookings_insert) == {
        ("adapters/bookings_repository.py", "SqlBookingRepository.add"),
        ("adapters/bookings_repository.py", "SqlBookingRepository.add_verified"),
    }


def test_only_the_payment_verified_handler_adds_bookings() -> None:
    assert _where(_calls("bookings.add")) == {
        ("service_layer/payment_events.py", "_confirm"),
        ("service_layer/cycles.py", "_book_session"),
    }
    assert _where(_calls("_confirm")) == {
        ("service_layer/payment_events.py", "on_payment_verified")
    }
    # a paid cycle: on_payment_verified -> on_cycle_paid -> _book_cycle -> _book_session
    assert _where(_calls("_book_session")) == {("service_layer/cycles.py", "_book_cycle")}
    assert _where(_calls("_book_cycle")) == {("service_layer/cycles.py", "on_cycle_paid")}
    assert _where(_calls("on_cycle_paid")) == {
        ("service_layer/payment_events.py", "on_payment_verified")
    }


def test_only_the_payment_verified_batch_handler_adds_bookings_in_bulk() -> None:
    batch = "service_layer/payment_batch.py"
    assert _where(_calls("bookings.add_verified")) == {(batch, "_settle")}
    assert _where(_calls("_settle")) == {
        ("service_layer/payment_batch.py", "on_payment_verified_batch")
    }
    # registered as PaymentVerified's batch handler, and called by nothing in the package
    assert _where(_calls("on_payment_verified_batch")) == set()
    from kairos_booking.service_layer import payment_batch
    from kairos_booking.service_layer.handlers import event_batch_handlers
    from kairos_contracts.events.payments import PaymentVerified

    assert event_batch_handlers() == {PaymentVerified: payment_batch.on_payment_verified_batch}


def test_subscription_handlers_never_insert() -> None:
    """Unsubscribe and reactivation only update rows (a session is restored, never re-created)."""
    here = "service_layer/subscriptions.py"
    assert all(path != here for path, _ in _where(_calls("bookings.add")))
    assert all(path != here for path, _ in _where(_is_bookings_insert))


def test_the_scan_notices_a_new_insert_path() -> None:
    """The detectors themselves work (so the two tests above can fail)."""
    sneaky = ast.parse(
        "async def f(s, uow):\n"
        "    await s.execute(orm.bookings.insert().values())\n"
        "    await s.execute(insert(bookings).values())\n"
        "    await s.execute(text('INSERT  INTO bookings VALUES (1)'))\n"
        "    await uow.bookings.add(b)\n"
    )
    nodes = list(ast.walk(sneaky))
    assert sum(map(_is_bookings_insert, nodes)) == 3
    assert sum(map(_calls("bookings.add"), nodes)) == 1


def test_the_handler_is_wired_for_payment_verified() -> None:
    from kairos_booking.service_layer import payment_events
    from kairos_booking.service_layer.handlers import event_handlers
    from kairos_contracts.events.payments import PaymentVerified

    assert event_handlers()[PaymentVerified] is payment_events.on_payment_verified
