"""LiteLLM's side of bench/events_pricing.py, run by an interpreter that has litellm (not this project's venv):
standard library and litellm only.

    python _litellm_pricing_child.py EVENTS_CSV SAMPLE_KEYS_JSON

Reads the events into memory (not timed), then prices each one with ``litellm.cost_per_token`` and prints one
JSON line: events, seconds, cpu_seconds, peak_rss_mib (VmHWM), errors, and for the sampled event keys the cost
and the model's rates per 1M tokens."""

from __future__ import annotations

import csv
import json
import resource
import sys
import time


def peak_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(events_csv: str, sample_keys: str) -> None:
    import litellm

    with open(events_csv, newline="") as fh:
        rows = [
            (r["event_key"], r["litellm_model"], int(r["prompt_tokens"]), int(r["input_cached_tokens"]),
             int(r["output_tokens"]))
            for r in csv.DictReader(fh)
        ]  # fmt: skip
    with open(sample_keys) as fh:
        wanted = set(json.load(fh))
    costs: dict[str, float] = {}
    errors = 0
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for key, model, prompt, cached, output in rows:
        try:
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=model, prompt_tokens=prompt, completion_tokens=output, cache_read_input_tokens=cached
            )
        except Exception:  # an unknown model raises; counted, as our engine counts unpriced events
            errors += 1
            continue
        if key in wanted:
            costs[key] = prompt_cost + completion_cost
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    models = {model for _, model, *_ in rows}
    per_1m = {}
    for model in models:
        info = litellm.model_cost.get(model, {})
        per_1m[model] = [
            None if info.get(k) is None else round(info[k] * 1_000_000, 6)
            for k in ("input_cost_per_token", "cache_read_input_token_cost", "output_cost_per_token")
        ]
    model_of = {key: model for key, model, *_ in rows if key in wanted}
    print(
        json.dumps(
            {
                "events": len(rows) - errors,
                "errors": errors,
                "seconds": seconds,
                "cpu_seconds": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
                "peak_rss_mib": peak_rss_mib(),
                "sample": {k: {"cost": c, "per_1m": per_1m[model_of[k]]} for k, c in costs.items()},
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
