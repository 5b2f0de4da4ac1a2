"""Widgets: one module each."""
