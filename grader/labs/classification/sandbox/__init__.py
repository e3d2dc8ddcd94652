"""The classification lab's sandbox half: its probes and original-notebook locators."""
