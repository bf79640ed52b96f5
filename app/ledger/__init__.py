"""The ledger: double-entry accounts and journal entries, the one place money owed is written.

Every other domain posts through `services.post`; nothing else keeps a balance. Entries are
append-only (the database refuses UPDATE and DELETE) and each balances to zero (in code, and by
a deferred constraint trigger on PostgreSQL). README, "Money: the ledger", has the chart of
accounts and what is posted when.
"""
