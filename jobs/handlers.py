"""Imports every module that registers job handlers, so a worker knows them all."""

import game.jobs  # noqa: F401
