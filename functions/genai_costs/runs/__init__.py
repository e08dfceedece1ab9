"""What every runner shares: the run ledger (``ledger``) and the one run skeleton (``lifecycle``).
Import from the submodules; this package re-exports nothing."""
