"""Deterministic local simulator of GenAI providers' usage and cost APIs."""

from provider_sim.app import create_app
from provider_sim.config import Credentials, Paging, SimConfig
from provider_sim.faults import Fault, FaultPlan
from provider_sim.server import serve

__all__ = ["Credentials", "Fault", "FaultPlan", "Paging", "SimConfig", "create_app", "serve"]
