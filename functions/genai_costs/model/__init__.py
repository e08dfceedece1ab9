"""The domain types every layer shares: windows, usage / cost records and their ids, capacity and
GPU hours, commitment terms, Pub/Sub messages. No I/O; imports only ``errors`` and ``orgs`` from the
rest of the library (and ``providers.ids`` until the provider literals move into this package).
Import from the submodules; this package re-exports nothing, so adding a module never creates an
import cycle."""
