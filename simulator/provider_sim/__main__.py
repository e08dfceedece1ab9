"""`python -m provider_sim --port 8765 --seed 42` serves the simulator until interrupted."""

from __future__ import annotations

import argparse
import threading
from datetime import date

from provider_sim.config import SimConfig
from provider_sim.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="provider_sim", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--org", default="acme")
    parser.add_argument("--start", type=date.fromisoformat, default=SimConfig.start)
    parser.add_argument("--end", type=date.fromisoformat, default=SimConfig.end)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    config = SimConfig(seed=args.seed, org=args.org, start=args.start, end=args.end, scale=args.scale)
    base_url, stop = serve(config, port=args.port)
    print(f"provider simulator listening on {base_url} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()


if __name__ == "__main__":
    main()
