"""Any sequence of receive / issue / transfer / adjust keeps every stock ≥ 0 and equal to the
sum of its movements; a movement the stock cannot cover is refused and changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from shequ.core.errors import ValidationError
from shequ.supplies import services
from shequ.supplies.models import Batch, Movement, Stock, Transfer

WAREHOUSES = st.sampled_from(["street", "store_a", "store_b"])
BATCHES = st.sampled_from(["", "B1"])


def _machine(depot):
    class StockMachine(RuleBasedStateMachine):
        transfers = Bundle("transfers")

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.book: dict[tuple[str, str], int] = {}

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _batch(self, code: str) -> Batch:
            return services.batch_for(item=depot.flour, code=code)

        @rule(where=WAREHOUSES, code=BATCHES, n=st.integers(1, 50))
        def receive(self, where: str, code: str, n: int) -> None:
            services.stock_receive(
                actor=depot.hq, warehouse=getattr(depot, where), item=depot.flour, quantity=n,
                source="purchase", batch_code=code,
            )  # fmt: skip
            self.book[where, code] = self.book.get((where, code), 0) + n

        @rule(where=WAREHOUSES, code=BATCHES, n=st.integers(1, 60))
        def issue(self, where: str, code: str, n: int) -> None:
            have = self.book.get((where, code), 0)
            if n > have:
                with pytest.raises(ValidationError, match="quantity"):
                    services.stock_issue(
                        actor=depot.hq, warehouse=getattr(depot, where),
                        batch=self._batch(code), quantity=n, team="转运组",
                    )  # fmt: skip
                return
            services.stock_issue(
                actor=depot.hq, warehouse=getattr(depot, where), batch=self._batch(code),
                quantity=n, team="转运组",
            )  # fmt: skip
            self.book[where, code] = have - n

        @rule(target=transfers, src=WAREHOUSES, dst=WAREHOUSES, code=BATCHES, n=st.integers(1, 60))
        def send(self, src: str, dst: str, code: str, n: int) -> Transfer | None:
            have = self.book.get((src, code), 0)
            if src == dst:
                return None
            try:
                sent = services.transfer_send(
                    actor=depot.hq, source=getattr(depot, src),
                    destination=getattr(depot, dst), batch=self._batch(code), quantity=n,
                )  # fmt: skip
            except ValidationError:
                assert n > have
                return None
            self.book[src, code] = have - n
            sent.dst_key = (dst, code)
            return sent

        @rule(sent=consumes(transfers), extra=st.integers(-5, 5))
        def arrive(self, sent: Transfer | None, extra: int) -> None:
            if sent is None:
                return
            count = max(0, sent.quantity_sent + extra)
            done = services.transfer_receive(actor=depot.hq, transfer=sent, quantity_received=count)
            assert done.discrepancy == sent.quantity_sent - count
            self.book[sent.dst_key] = self.book.get(sent.dst_key, 0) + count

        @rule(where=WAREHOUSES, code=BATCHES, delta=st.integers(-60, 60).filter(bool))
        def adjust(self, where: str, code: str, delta: int) -> None:
            have = self.book.get((where, code), 0)
            try:
                services.stock_adjust(
                    actor=depot.hq, warehouse=getattr(depot, where), batch=self._batch(code),
                    delta=delta, reason="count", note="盘点",
                )  # fmt: skip
            except ValidationError:
                assert have + delta < 0
            else:
                self.book[where, code] = have + delta

        @invariant()
        def stock_is_never_negative_and_is_the_sum_of_its_movements(self) -> None:
            sums = {
                (row["warehouse"], row["batch"]): row["n"]
                for row in Movement.objects.values("warehouse", "batch").annotate(n=Sum("delta"))
            }
            for stock in Stock.objects.all():
                assert stock.quantity >= 0
                assert stock.quantity == sums.get((stock.warehouse_id, stock.batch_id), 0)
            names = {getattr(depot, w).pk: w for w in ("street", "store_a", "store_b")}
            seen = {
                (names[s.warehouse_id], s.batch.code): s.quantity
                for s in Stock.objects.select_related("batch")
                if s.quantity
            }
            assert seen == {k: v for k, v in self.book.items() if v}

    return StockMachine


@pytest.mark.django_db
def test_any_sequence_of_movements_keeps_stock_whole_and_non_negative(depot) -> None:
    run_state_machine_as_test(
        _machine(depot),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
