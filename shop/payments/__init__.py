"""Taking the money: the Stripe gateway, the offline provider, webhooks and payment records."""
