"""Payouts: money the shop owes (a seller's available balance, a wallet) sent to an M-Pesa number
by Daraja's B2C API, one B2C transaction each, claimed from the ledger before it is sent and
settled by Safaricom's result, or by the Transaction Status query when the result is lost."""
