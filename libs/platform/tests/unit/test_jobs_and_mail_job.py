"""The one job loop and the one mail job, with an in-memory queue."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from kairos_platform.jobs import draining, run_loop
from kairos_platform.mail import (
    Delivery,
    MailPolicy,
    exponential_backoff,
    run_mail_job,
    send_once,
)
from kairos_platform.testing import FakeUnitOfWork


async def test_the_loop_runs_back_to_back_while_there_is_work_and_survives_a_failure() -> None:
    stop = asyncio.Event()
    found = [3, 2, 0]
    calls: list[str] = []

    async def step() -> int:
        calls.append("step")
        if len(calls) == 4:
            raise RuntimeError("one bad pass")
        if len(calls) >= 5:
            stop.set()
            return 0
        return found[len(calls) - 1]

    await asyncio.wait_for(run_loop(stop, step, 0.01, name="test job"), 5)
    assert len(calls) == 5


async def test_a_draining_step_always_waits() -> None:
    ran: list[int] = []

    async def work() -> None:
        ran.append(1)

    assert await draining(work)() == 0 and ran == [1]


def test_exponential_backoff() -> None:
    b = exponential_backoff(1.0, 10.0)
    assert [b(n) for n in range(6)] == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0]


@dataclass(frozen=True)
class Row:
    id: int
    attempts: int = 0


class Queue:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.settled: list[tuple[list[int], int, str | None, float]] = []

    async def claim(self, limit: int, lease_s: float) -> list[Row]:
        batch, self.rows = self.rows[:limit], self.rows[limit:]
        return batch

    async def oldest_unsent_age_s(self) -> float | None:
        return None  # the queue's age gauge is not what these tests look at

    async def settle(
        self, ids: Sequence[int], done: int, error: str | None, backoff_s: float
    ) -> None:
        self.settled.append((list(ids), done, error, backoff_s))


class Uow(FakeUnitOfWork):
    def __init__(self, queue: Queue) -> None:
        super().__init__("attendance")
        self.mails = queue


class Refuses:
    def __init__(self, after: int | None) -> None:
        self.after = after

    async def send(self, mails: Sequence[Row], deadline: float | None = None) -> Delivery:
        if self.after is None or len(mails) <= self.after:
            return Delivery(len(mails))
        return Delivery(self.after, "SMTP: 451 try later")


POLICY = MailPolicy(batch_size=3, lease_s=60, poll_interval_s=1, backoff_s=lambda n: 5.0 * n)


async def test_a_batch_sent_whole_counts_as_work_found() -> None:
    queue = Queue([Row(1), Row(2), Row(3), Row(4)])
    assert await send_once(lambda: Uow(queue), Refuses(None), POLICY) == 3
    assert queue.settled == [([1, 2, 3], 3, None, 0.0)]


async def test_a_refused_mail_backs_off_by_its_attempts_and_the_job_waits() -> None:
    queue = Queue([Row(1), Row(2, attempts=1), Row(3)])
    assert await send_once(lambda: Uow(queue), Refuses(1), POLICY) == 0
    assert queue.settled == [([1, 2, 3], 1, "SMTP: 451 try later", 10.0)]


async def test_nothing_due_sends_nothing() -> None:
    queue = Queue([])
    assert await send_once(lambda: Uow(queue), Refuses(None), POLICY) == 0
    assert queue.settled == []


async def test_sessions_send_their_own_batches_at_once() -> None:
    queue = Queue([Row(n) for n in range(1, 10)])
    in_flight, most, sent, stop = 0, 0, 0, asyncio.Event()

    class Slow:
        async def send(self, mails: Sequence[Row], deadline: float | None = None) -> Delivery:
            nonlocal in_flight, most, sent
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.05)
            in_flight -= 1
            sent += len(mails)
            if sent == 9:
                stop.set()
            return Delivery(len(mails))

    policy = dataclasses.replace(POLICY, sessions=3, poll_interval_s=0.01)
    await asyncio.wait_for(run_mail_job(stop, lambda: Uow(queue), Slow(), policy), 5)
    assert most == 3
    done = sorted(i for ids, n, _, _ in queue.settled for i in ids[:n])
    assert done == list(range(1, 10))  # each row in one batch only


async def test_a_batch_is_started_only_in_the_first_half_of_its_lease() -> None:
    """The mailer is told when to stop starting mails: half the lease after the claim, so
    no mail is started once another worker could claim the batch again; what it did not
    start goes back untried, without a backoff."""
    deadlines: list[float | None] = []

    class StopsAfterOne:
        async def send(self, mails: Sequence[Row], deadline: float | None = None) -> Delivery:
            deadlines.append(deadline)
            return Delivery(1)

    queue = Queue([Row(1), Row(2), Row(3)])
    before = asyncio.get_running_loop().time()
    assert await send_once(lambda: Uow(queue), StopsAfterOne(), POLICY) == 3
    after = asyncio.get_running_loop().time()
    [deadline] = deadlines
    assert deadline is not None
    assert before + POLICY.lease_s / 2 <= deadline <= after + POLICY.lease_s / 2
    assert queue.settled == [([1, 2, 3], 1, None, 0.0)]
