"""Exact layer: closed-form round statistics, the exact optimum and numeric bounds (SPEC §2, §5)."""
