"""A job for testing the job machinery itself: its effect is a new customer row, with no unique key
that would stop a second run, so only the outbox's exactly-once execution keeps it to one."""

from core import clock
from core.ids import new_id
from core.jobs import job
from tenants.customers.models import Customer


@job("test.create_customer", max_attempts=3)
def create_customer(session, *, marker: str, fail: bool = False) -> None:
    if fail:
        raise RuntimeError("asked to fail")
    session.add(Customer(id=new_id("cus"), openid=f"{marker}:{new_id('run')}", provider="dev",
                         created_at=clock.now()))
