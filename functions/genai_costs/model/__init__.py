"""The domain types every layer shares (no I/O, imports nothing from the rest of the library
except ``errors``). Import from the submodules; this package re-exports nothing, so adding a
module never creates an import cycle."""
