"""Scoring: TrackEval's HOTA, CLEAR and Identity metrics under MOTChallenge rules, and the runner
behind ``siamtrack eval``."""
