"""Review: the published tables, the audit of them, and the diff of a wave against them."""
