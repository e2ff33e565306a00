"""Verification layer: claims, statistical verdicts and reports (SPEC §6)."""
