"""marshmallow's English validation messages in the clerk's language.

The API answers in English for programs; the console shows the same messages to people, so the common
ones are matched here (numbers kept) and translated; anything else is shown as the API says it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern, Callable[..., str]]] = [
    (re.compile(r"^Missing data for required field\.$"), lambda: _("Required.")),
    (re.compile(r"^Field may not be null\.$"), lambda: _("Required.")),
    (re.compile(r"^Not a valid integer\.$"), lambda: _("Enter a whole number.")),
    (re.compile(r"^Not a valid number\.$"), lambda: _("Enter a number.")),
    (re.compile(r"^Not a valid boolean\.$"), lambda: _("Choose yes or no.")),
    (re.compile(r"^Not a valid URL\.$"), lambda: _("Enter a web address.")),
    (re.compile(r"^Unknown field\.$"), lambda: _("Not a field of this form.")),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda low, high: _("Must be between %(low)s and %(high)s.", low=low, high=high)),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), lambda low: _("Must be at least %(low)s.", low=low)),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), lambda high: _("Must be at most %(high)s.", high=high)),
    (re.compile(r"^Must be greater than (\S+) and less than or equal to (\S+)\.$"),
     lambda low, high: _("Must be more than %(low)s and at most %(high)s.", low=low, high=high)),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda low, high: _("Length must be between %(low)s and %(high)s.", low=low, high=high)),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda low: _("At least %(low)s characters.", low=low)),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda high: _("At most %(high)s characters.", high=high)),
    (re.compile(r"^Must be one of: (.+)\.$"), lambda choices: _("Choose one of: %(choices)s.", choices=choices)),
    (re.compile(r"^Must not be zero\.$"), lambda: _("Must not be zero.")),
    (re.compile(r"^At most two decimal places\.$"), lambda: _("At most two decimal places.")),
    (re.compile(r"^Not a valid datetime\.$"), lambda: _("Enter a date and time.")),
]


def translate(message: str) -> str:
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(*match.groups())
    return message
