"""The routers of the pages, in the order they are mounted (each page module adds its own)."""

from __future__ import annotations

from fastapi import APIRouter

from chaincred.web import home

ROUTERS: list[APIRouter] = [home.router]
