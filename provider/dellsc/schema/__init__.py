"""Schemas as data: load `schemas/*.json`, validate values against them, plan generically."""
