"""Investigative questions, one module each, returning plain data."""
