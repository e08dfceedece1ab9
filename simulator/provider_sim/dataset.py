"""Deterministic synthetic usage: (seed, org, window) -> hourly rows per provider and combo.

Each hour is drawn from its own RNG keyed by (seed, org, provider, hour), so an hour's numbers
never depend on the queried window; minute-level values are an exact split of the hour over a
per-hour set of active minutes, so any partition of time sums to the same totals.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache

from provider_sim.catalog import Combo, build_combos
from provider_sim.commitments import build_commitments, split_hour
from provider_sim.config import SimConfig
from provider_sim.dataset_types import Dims, Usage, UsageRow
from provider_sim.prices import PRICES
from provider_sim.stable import stable_rng
from provider_sim.timeutil import fmt_rfc3339, hours

REVISION_WINDOW = timedelta(days=2)
REVISION_BUMP_PERCENT = 3  # each revision raises recent hours by 3 % of the original value
_REASONING_MODELS = ("o4-mini", "gpt-5", "claude-opus", "claude-sonnet-4", "gemini-2.5", "gemini-3")


class Dataset:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.revision = config.revision
        self._combos = {p: build_combos(p, config.seed, config.org, config.scale) for p in PRICES}
        self.commitments = build_commitments(config, self._combos)
        self._hour_cache = lru_cache(maxsize=32768)(self._draw_hour)
        self._minutes_cache = lru_cache(maxsize=32768)(self._draw_active_minutes)

    def combos(self, provider: str) -> tuple[Combo, ...]:
        return self._combos[provider]

    def is_revisable(self, moment: datetime) -> bool:
        """True for data in the trailing window that later revisions still change."""
        now = self.config.effective_now
        return now - REVISION_WINDOW <= moment < now

    def hour_rows(self, provider: str, hour: datetime) -> tuple[UsageRow, ...]:
        """All rows of one UTC hour (empty outside [start, min(end, now)))."""
        if not (self.config.window_start <= hour < min(self.config.window_end, self.config.effective_now)):
            return ()
        revision = self.revision if self.is_revisable(hour) else 0
        return self._hour_cache(provider, hour, revision)

    def window_rows(self, provider: str, start: datetime, end: datetime) -> Iterator[UsageRow]:
        """Rows for [start, end); partial hours keep the minutes whose start lies inside."""
        for hour in hours(start, end):
            rows = self.hour_rows(provider, hour)
            if not rows:
                continue
            lo = max(0, math.ceil((start - hour).total_seconds() / 60))
            hi = min(60, math.ceil((end - hour).total_seconds() / 60))
            if lo == 0 and hi == 60:
                yield from rows
                continue
            active = self._minutes_cache(provider, hour)
            j0, j1, k = bisect.bisect_left(active, lo), bisect.bisect_left(active, hi), len(active)
            if j0 == j1:
                continue
            for row in rows:
                share = row.usage.map(lambda v: v * j1 // k - v * j0 // k)  # noqa: B023 (called at once)
                if not share.is_zero():
                    yield UsageRow(row.provider, row.start, row.dims, share)

    def active_minutes(self, provider: str, hour: datetime) -> tuple[int, ...]:
        """The minutes of an hour its usage is spread over (every other minute is empty)."""
        return self._minutes_cache(provider, hour)

    def minute_rows(
        self, provider: str, hour: datetime, keep: Callable[[Dims], bool] | None = None
    ) -> Iterator[UsageRow]:
        """One hour's rows (those ``keep`` accepts) split into their minutes, the split every 1-minute
        bucket of every API shows (``window_rows`` of a one-minute window gives the same shares);
        zero shares left out. Each row's ``start`` is its minute."""
        rows = [r for r in self.hour_rows(provider, hour) if keep is None or keep(r.dims)]
        if not rows:
            return
        active = self._minutes_cache(provider, hour)
        k = len(active)
        for j, minute in enumerate(active):
            start = hour + timedelta(minutes=minute)
            for row in rows:
                share = row.usage.map(lambda v: v * (j + 1) // k - v * j // k)  # noqa: B023 (called at once)
                if not share.is_zero():
                    yield UsageRow(row.provider, start, row.dims, share)

    def iter_rows(self, provider: str, start: datetime, end: datetime) -> Iterator[UsageRow]:
        """Stream whole-hour rows (benchmarks): one hour in memory at a time."""
        for hour in hours(start, end):
            yield from self.hour_rows(provider, hour)

    def _draw_active_minutes(self, provider: str, hour: datetime) -> tuple[int, ...]:
        rng = stable_rng(self.config.seed, self.config.org, provider, fmt_rfc3339(hour), "minutes")
        return tuple(sorted(rng.sample(range(60), rng.randint(12, 60))))

    def _draw_hour(self, provider: str, hour: datetime, revision: int) -> tuple[UsageRow, ...]:
        rng = stable_rng(self.config.seed, self.config.org, provider, fmt_rfc3339(hour))
        if rng.random() < 0.04:  # quiet hour: an empty bucket for every API
            return ()
        diurnal = 0.35 + 0.65 * (1 + math.sin((hour.hour - 9) / 24 * 2 * math.pi)) / 2
        rows = []
        for combo in self._combos[provider]:
            if rng.random() > 0.3 + 0.6 * diurnal:
                continue
            usage = _draw_usage(provider, combo, diurnal, rng)
            if revision:
                usage = usage.map(lambda v: v + v * REVISION_BUMP_PERCENT * revision // 100)
            rows.append(UsageRow(provider, hour, combo.dims, usage))
        return split_hour(self.commitments, provider, hour, tuple(rows))


def _draw_usage(provider: str, combo: Combo, diurnal: float, rng) -> Usage:
    dims, price = combo.dims, PRICES[provider][combo.dims.model]
    total_in = max(1, int(combo.base_input_per_hour * diurnal * rng.lognormvariate(0, 0.5)))
    if dims.context_window == "200k-1M":
        total_in = max(total_in * 8, combo.prompt_size)
    requests = max(1, total_in // combo.prompt_size)
    if price.kind == "embedding":
        return Usage(uncached_input=total_in, requests=requests)
    rate = price.standard
    cached = int(total_in * rng.uniform(0.05, 0.55)) if rate.cached_input is not None else 0
    write_5m = write_1h = 0
    if provider in ("anthropic", "bedrock", "vertex") and rate.cache_write_5m is not None:
        write_5m = int(total_in * rng.uniform(0.0, 0.08))
        write_1h = int(total_in * rng.uniform(0.0, 0.04)) if provider == "anthropic" else 0
    elif provider == "openai" and rate.cached_input is not None:
        write_5m = int(total_in * rng.uniform(0.0, 0.03))
    output = max(1, int(total_in * rng.uniform(0.04, 0.35)))
    audio_in = int(total_in * rng.uniform(0.3, 0.6)) if rate.audio_input is not None else 0
    audio_out = int(output * rng.uniform(0.3, 0.7)) if rate.audio_output is not None else 0
    reasoning = int(output * rng.uniform(0.2, 0.7)) if dims.model.startswith(_REASONING_MODELS) else 0
    web_search = rng.randint(1, 25) if provider == "anthropic" and rng.random() < 0.2 else 0
    return Usage(
        uncached_input=total_in - cached - write_5m - write_1h - audio_in,
        cached_input=cached,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output=output - audio_out,
        reasoning=min(reasoning, output - audio_out),
        audio_input=audio_in,
        audio_output=audio_out,
        requests=requests,
        web_search_requests=web_search,
    )
