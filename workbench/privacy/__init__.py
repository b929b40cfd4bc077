"""Masking personal data for display and export, and who may see it unmasked."""
