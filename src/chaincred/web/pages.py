"""The routers of the pages, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from chaincred.web import console_page, home, learner_page, verify_page

ROUTERS: list[APIRouter] = [
    home.router,
    verify_page.router,
    learner_page.router,
    console_page.router,
]
