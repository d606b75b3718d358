"""Hotline Desk (12345热线工作台): a desktop workbench for a county 12345 hotline office."""

__version__ = "0.5.5"
