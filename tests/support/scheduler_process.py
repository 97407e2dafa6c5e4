"""One scheduler process for tests: `python -m tests.support.scheduler_process START TRAVEL_DAYS`.

It builds the app from the environment (the test's database and queue), waits until the wall-clock
time START so that its siblings start together, runs one scheduler pass as `flask worker` does at a
moment TRAVEL_DAYS ahead, and prints how many job intents it wrote, as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from app import create_app
from core import clock, jobs


def main(start: float, travel_days: int) -> None:
    create_app()
    time.sleep(max(0.0, start - time.time()))
    with clock.travel(timedelta(days=travel_days)):
        written = jobs.schedule_periodic()
    print(json.dumps({"written": written}))


if __name__ == "__main__":
    main(float(sys.argv[1]), int(sys.argv[2]))
