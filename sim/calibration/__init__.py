"""Calibration to the record of past agreements: the cases (`cases.py`) and, on them, the fit."""
