"""Budgets and their alerts: definitions and versions (``model``, ``store``), periods in the budget's
own time zone (``periods``), the scheduled evaluation and its forecast (``evaluation``,
``forecast``), the alert ledger with exactly one alert per key (``ledger``), delivery through the
channels with claims (``dispatch``), metrics (``metrics``) and the private HTTP API (``api``).
Import from the submodules; this package re-exports nothing."""
