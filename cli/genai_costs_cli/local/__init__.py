"""Local-only orchestration for the embedded default (simulator, bus wiring). Never deployed."""
