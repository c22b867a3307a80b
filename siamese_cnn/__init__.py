"""Siamese CNN patch matcher."""
