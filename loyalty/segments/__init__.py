"""Segments: lifecycle stages and RFM scores, tags, rule segments and targeted campaigns.

models.py (loyalty's mirror of paid orders, profiles, tags, segments, campaigns), rules.py (the pure stage
and quintile rules), language.py (the rule language, pure), facts.py + compiler.py (the per-customer facts
subquery and rules compiled to one query over it), service/ (one module per capability), handlers.py (order
and distributor events), jobs.py, views.py, wiring.py.
"""
