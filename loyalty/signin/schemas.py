import marshmallow as ma

from core.api import Schema


class SignInSchema(Schema):
    points = ma.fields.Integer(metadata={"description": "Points this sign-in earned"})
    streak = ma.fields.Integer(metadata={"description": "Consecutive local days signed in, today included"})
    date = ma.fields.Date(metadata={"description": "The tenant's local day signed in for"})
