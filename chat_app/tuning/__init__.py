"""Fitting the reader on training questions and measuring answers on gold sets."""
