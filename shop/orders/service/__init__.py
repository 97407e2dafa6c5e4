"""Order services: checkout, the lifecycle, refunds, and reading orders."""
