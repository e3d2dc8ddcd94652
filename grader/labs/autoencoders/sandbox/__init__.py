"""The autoencoders lab's sandbox half: probes, original-notebook locators and the lab's given code."""
