"""The daily (and on demand) refresh of a whole tenant: stages, then RFM scores, then rule tags."""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyalty.segments.service.lifecycle import lock_tenant_refresh, refresh_scores, refresh_stages
from loyalty.segments.service.tags import refresh_rule_tags


def refresh_tenant(session: Session) -> dict:
    """Every stage (set-based, one statement), every RFM score (two), every rule tag (two each), in that
    order: scores read the stages just written, and rule tags may filter on either."""
    lock_tenant_refresh(session)
    changed = refresh_stages(session)
    scored = refresh_scores(session)
    tags = refresh_rule_tags(session)
    return {"stages_changed": len(changed), "scored": scored, "rule_tags": tags}
