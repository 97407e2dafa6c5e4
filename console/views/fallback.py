"""Any other console URL: signed out it goes to the sign-in page like every page; signed in it is 404."""

from flask import abort

from console.web import bp


@bp.route("/<path:anything>", methods=["GET", "POST"])
def unknown(anything):
    abort(404)
