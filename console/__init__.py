"""The console: server-rendered pages for merchants, cashiers and finance clerks on the domains' services."""
