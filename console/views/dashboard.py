"""The home page of every role: the cards its role may see."""

from flask import g

from console import dashboard as home
from console.web import bp, page, render, role
from core.db import unit_of_work


@bp.route("/", strict_slashes=False)
@bp.route("", strict_slashes=False)  # registered first: url_for builds "/console"
@page("home")
def dashboard():
    calendar = home.Calendar.of(timezone=g.console.timezone, currency=g.console.currency)
    with unit_of_work() as session:
        cards = home.cards_for(session, role=role(), calendar=calendar)
    return render("console/dashboard.html", cards=cards, calendar=calendar)
