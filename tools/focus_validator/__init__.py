"""The FinOps Foundation's FOCUS validator (focus-validator 2.2.1, FOCUS 1.3 rules), run offline
over the FOCUS tables the embedded pipeline produces. See README.md in this folder."""
