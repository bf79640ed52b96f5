"""Payment rules, one module per concern: payments (reads, methods, payable orders), settlement
(the event log, settling, reconciliation), one module per provider (mpesa, paystack, paypal), cash,
and refunds. Gateways (app/payments/gateways/) only talk to providers."""
