"""Per-lab probes: functions that exercise one stub and record observations."""
