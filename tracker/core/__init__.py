"""The tracker proper: the online tracker and its rules, the Kalman motion model, the offline global
mode, the one frame loop that drives them, and building them from a config."""
