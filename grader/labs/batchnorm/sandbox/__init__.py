"""The batchnorm lab's sandbox half: probes, original-notebook locators and the given code."""
