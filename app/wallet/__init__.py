"""The customer wallet (store credit): money the shop owes a customer, in the ledger
(`wallet:{user}`), topped up by M-Pesa, adjusted by admins, and read as a balance and its
transactions."""
