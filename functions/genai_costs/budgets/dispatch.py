"""Sending the due deliveries of the alert ledger, each claimed before it is attempted.

    claim     a conditional update marks every due, unclaimed row with this pass's claim id and a
              lease (``claimed_until``); a concurrent pass finds them claimed and sends nothing
    send      one attempt per claimed row (:func:`genai_costs.alerting.delivery.deliver_due`)
    record    a MERGE writes each outcome only where the row still carries this claim id and the
              attempt count it started from, and releases the claim

A pass that crashes after a channel accepted a message but before recording it leaves a claim that
lapses after the lease; the row is then attempted again (at-least-once for Slack, e-mail and SMS,
whose APIs take no idempotency key; webhooks and Pub/Sub carry the same message id every time).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from pydantic import TypeAdapter

from ..alerting.base import AttemptContext, ChannelKind, ChannelSender, Outcome, PermanentFailure
from ..alerting.delivery import Delivery, deliver_due
from ..alerting.retry import DeliveryRetryPolicy
from ..alerting.senders import build_sender
from ..alerting.targets import ChannelTarget
from ..errors import GenAICostsError, WarehouseError
from ..messaging import Publisher
from ..model.alert import Alert
from ..paths import sql_root
from ..secrets import SecretStore
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs
from .guards import staged_statement
from .ledger import DELIVERIES_TABLE, delivery_row
from .store import json_value

log = logging.getLogger(__name__)
_TARGETS = TypeAdapter(list[ChannelTarget])
DEFAULT_LEASE = dt.timedelta(minutes=10)
CLAIM_ATTEMPTS = 3


class _Unsendable:
    """A target no sender can be built for: the attempt fails permanently, with the reason."""

    def __init__(self, channel: ChannelKind, reason: str) -> None:
        self.channel, self.reason = channel, reason

    def attempt(self, alert: Alert, context: AttemptContext) -> Outcome:
        return PermanentFailure(self.reason)


@dataclass
class Dispatcher:
    """What sending needs, opened once per process and passed in (no clients at import time)."""

    secrets: SecretStore
    http: httpx.Client | None = None
    publisher: Publisher | None = None
    policy: DeliveryRetryPolicy = field(default_factory=DeliveryRetryPolicy)
    lease: dt.timedelta = DEFAULT_LEASE
    rng: Callable[[], float] = random.random
    sleep: Callable[[float], None] = time.sleep

    def sender(self, target: ChannelTarget) -> ChannelSender:
        try:
            return build_sender(target, secrets=self.secrets, http=self.http, publisher=self.publisher)
        except GenAICostsError as exc:
            return _Unsendable(target.kind, str(exc))

    def claim(self, warehouse: Warehouse, dataset: str, now: dt.datetime) -> str:
        claim_id = uuid.uuid4().hex
        params = {"p_claim_id": claim_id, "p_now": now, "p_claimed_until": now + self.lease}
        for attempt in range(1, CLAIM_ATTEMPTS + 1):
            try:
                warehouse.execute(dataset, load_statement(sql_root(), "alert_deliveries_claim"), params)
                return claim_id
            except WarehouseError as exc:
                if attempt == CLAIM_ATTEMPTS:
                    raise
                log.warning("claiming deliveries lost to a concurrent sender (attempt %d): %s", attempt, exc)
                self.sleep(self.rng() * 0.2 * attempt)
        raise AssertionError("unreachable")

    def deliver(self, warehouse: Warehouse, dataset: str, *, now: dt.datetime) -> list[Delivery]:
        """One pass: expire what ran out of time, claim what is due, attempt each once, record."""
        root = sql_root()
        warehouse.execute(dataset, load_statement(root, "alert_deliveries_expire"), {"p_now": now})
        claim_id = self.claim(warehouse, dataset, now)
        rows = warehouse.query(dataset, load_statement(root, "alert_deliveries_claimed"), {"p_claim_id": claim_id})
        if not rows:
            return []
        fields = set(Delivery.model_fields)
        claimed = [Delivery.model_validate({k: v for k, v in r.items() if k in fields}) for r in rows]
        alerts = {r["alert_id"]: Alert.model_validate(json_value(r["alert"])) for r in rows}
        targets = {(r["alert_id"], t.key): t for r in rows for t in _TARGETS.validate_python(json_value(r["channels"]))}
        org = {r["delivery_key"]: r["org_slug"] for r in rows}

        def sender_for(delivery: Delivery) -> ChannelSender:
            target = targets.get((delivery.alert_id, delivery.channel_key))
            if target is None:
                return _Unsendable(delivery.channel, f"channel {delivery.channel_key} is not among the alert's targets")
            return self.sender(target)

        changed = deliver_due(claimed, alerts.__getitem__, sender_for, now=now, policy=self.policy, rng=self.rng)
        spec = load_table_specs(root)[DELIVERIES_TABLE]
        recorded = [delivery_row(d, org_slug=org[d.delivery_key], now=now, claim_id=claim_id) for d in changed]
        warehouse.apply_staged(dataset, spec, recorded, [staged_statement("alert_deliveries_record", DELIVERIES_TABLE)])
        return changed
